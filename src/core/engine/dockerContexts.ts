/**
 * Docker CLI contexts: ~/.docker/contexts/meta/<sha256 of name>/meta.json holds the endpoint,
 * ~/.docker/contexts/tls/<sha256 of name>/docker/{ca,cert,key}.pem the TLS material.
 */
import { createHash } from 'crypto';
import * as path from 'path';
import type { EngineEndpoint } from './engineEndpoint';
import { HostFiles } from './hostFiles';
import { EndpointConfigError } from './engineErrors';

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
