/**
 * Docker CLI contexts: ~/.docker/contexts/meta/<sha256 of name>/meta.json holds the endpoint,
 * ~/.docker/contexts/tls/<sha256 of name>/docker/{ca,cert,key}.pem the TLS material.
 */
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import type { EngineEndpoint } from './engineEndpoint';
import { HostFiles } from './hostFiles';
import { EndpointConfigError } from './engineErrors';
import { compareText } from '../model/textOrder';

interface ContextMeta {
  Name?: string;
  Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } };
}

export function contextDirName(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

export async function readContext(
  configDir: string,
  name: string,
  files: HostFiles,
): Promise<Omit<EngineEndpoint, 'source'>> {
  const dirName = contextDirName(name);
  const metaPath = path.join(configDir, 'contexts', 'meta', dirName, 'meta.json');
  const text = await files.readText(metaPath);
  if (text === undefined) {
    throw new EndpointConfigError(`Docker context "${name}" does not exist (no ${metaPath})`);
  }
  let meta: ContextMeta;
  try {
    meta = JSON.parse(text) as ContextMeta;
  } catch {
    throw new EndpointConfigError(`Docker context "${name}": ${metaPath} is not valid JSON`);
  }
  const docker = meta.Endpoints?.docker;
  if (!docker?.Host) {
    throw new EndpointConfigError(`Docker context "${name}" has no docker endpoint`);
  }
  const tlsDir = path.join(configDir, 'contexts', 'tls', dirName, 'docker');
  const [ca, cert, key] = await Promise.all(
    ['ca.pem', 'cert.pem', 'key.pem'].map(async (file) => ((await files.exists(path.join(tlsDir, file))) ? path.join(tlsDir, file) : undefined)),
  );
  const hasTls = Boolean(ca || cert || key);
  return {
    host: docker.Host,
    contextName: name,
    tls: hasTls || docker.SkipTLSVerify ? { caFile: ca, certFile: cert, keyFile: key, verify: !docker.SkipTLSVerify } : undefined,
  };
}

export interface ContextSummary {
  name: string;
  host: string;
  description?: string;
}

/**
 * The contexts `docker context ls` lists (besides `default`): every contexts/meta/<dir>/meta.json
 * with a docker endpoint, by name. Unreadable or broken ones are left out.
 */
export async function listContexts(configDir: string): Promise<ContextSummary[]> {
  const metaDir = path.join(configDir, 'contexts', 'meta');
  const dirs = await fs.readdir(metaDir).catch(() => [] as string[]);
  const found: ContextSummary[] = [];
  for (const dir of dirs) {
    const text = await fs.readFile(path.join(metaDir, dir, 'meta.json'), 'utf8').catch(() => undefined);
    try {
      const meta = text === undefined ? undefined : (JSON.parse(text) as ContextMeta & { Metadata?: { Description?: unknown } });
      const host = meta?.Endpoints?.docker?.Host;
      if (typeof meta?.Name === 'string' && typeof host === 'string') {
        found.push({ name: meta.Name, host, ...(typeof meta.Metadata?.Description === 'string' && meta.Metadata.Description ? { description: meta.Metadata.Description } : {}) });
      }
    } catch {
      // Not JSON: docker context ls skips it too.
    }
  }
  return found.sort((a, b) => compareText(a.name, b.name));
}
