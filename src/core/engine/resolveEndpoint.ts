/**
 * Which Docker Engine to talk to, resolved the way the docker CLI does it:
 * the extension setting, then DOCKER_HOST, DOCKER_CONTEXT, the current context of
 * ~/.docker/config.json (DOCKER_CONFIG honoured), then the usual sockets.
 * dockerode reads none of this itself, so we do.
 */
import * as path from 'path';
import { readContext } from './dockerContexts';
import { ROOTFUL_SOCKET, defaultSocketCandidates } from './engineSockets';
import { HostFiles } from './hostFiles';
import { EndpointConfigError } from './engineErrors';
import { EngineEndpoint, TlsFiles } from './engineEndpoint';

export interface EndpointInputs {
  /** A host the user gave explicitly (setting `dockerLayers.host` or the CLI's --host); empty means unset. */
  explicitHost?: { host: string | undefined; source: 'setting' | '--host' };
  /** A context the user named explicitly (setting `dockerLayers.context`, the CLI's --context): after an explicit host, before the environment. */
  explicitContext?: { name: string | undefined; source: 'context setting' | '--context' };
  env: NodeJS.ProcessEnv;
  homeDir: string;
  files: HostFiles;
}

export function dockerConfigDir(env: NodeJS.ProcessEnv, homeDir: string): string {
  return env.DOCKER_CONFIG || path.join(homeDir, '.docker');
}

export async function resolveEndpoint(inputs: EndpointInputs): Promise<EngineEndpoint> {
  const { env, homeDir, files } = inputs;
  const explicit = inputs.explicitHost;
  if (explicit?.host?.trim()) {
    return { host: normalizeHost(explicit.host), source: explicit.source };
  }
  const named = inputs.explicitContext?.name?.trim();
  if (named) {
    const source = inputs.explicitContext!.source;
    // As the docker CLI: `--context default` is the default socket, whatever DOCKER_HOST says.
    if (named === 'default') {
      return defaultSocket(env, homeDir, files, source);
    }
    return { ...(await readContext(dockerConfigDir(env, homeDir), named, files)), source };
  }
  if (env.DOCKER_HOST) {
    return { host: normalizeHost(env.DOCKER_HOST), source: 'DOCKER_HOST', tls: tlsFromEnv(env, homeDir) };
  }
  const configDir = dockerConfigDir(env, homeDir);
  const contextFromEnv = env.DOCKER_CONTEXT?.trim();
  if (contextFromEnv && contextFromEnv !== 'default') {
    const context = await readContext(configDir, contextFromEnv, files);
    return { ...context, source: 'DOCKER_CONTEXT' };
  }
  if (!contextFromEnv) {
    const current = await currentContextName(configDir, files);
    if (current && current !== 'default') {
      const context = await readContext(configDir, current, files);
      return { ...context, source: 'current context' };
    }
  }
  return defaultSocket(env, homeDir, files, 'default socket');
}

/** The first usual socket that exists, or the rootful one with the list of those tried. */
async function defaultSocket(env: NodeJS.ProcessEnv, homeDir: string, files: HostFiles, source: 'default socket' | 'context setting' | '--context'): Promise<EngineEndpoint> {
  const candidates = defaultSocketCandidates(env, homeDir);
  for (const socket of candidates) {
    if (await files.exists(socket)) {
      return { host: `unix://${socket}`, source };
    }
  }
  return { host: `unix://${ROOTFUL_SOCKET}`, source, socketsTried: candidates };
}

async function currentContextName(configDir: string, files: HostFiles): Promise<string | undefined> {
  const text = await files.readText(path.join(configDir, 'config.json'));
  if (text === undefined) {
    return undefined;
  }
  try {
    const config = JSON.parse(text) as { currentContext?: unknown };
    return typeof config.currentContext === 'string' ? config.currentContext : undefined;
  } catch {
    throw new EndpointConfigError(`${path.join(configDir, 'config.json')} is not valid JSON`);
  }
}

/** DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, as the docker CLI reads them for a DOCKER_HOST. */
function tlsFromEnv(env: NodeJS.ProcessEnv, homeDir: string): TlsFiles | undefined {
  if (!env.DOCKER_TLS_VERIFY && !env.DOCKER_CERT_PATH) {
    return undefined;
  }
  const certDir = env.DOCKER_CERT_PATH || path.join(homeDir, '.docker');
  return {
    caFile: path.join(certDir, 'ca.pem'),
    certFile: path.join(certDir, 'cert.pem'),
    keyFile: path.join(certDir, 'key.pem'),
    verify: Boolean(env.DOCKER_TLS_VERIFY) && env.DOCKER_TLS_VERIFY !== '0',
  };
}

/** A bare socket path (as people often type it) becomes a unix:// URL. */
export function normalizeHost(host: string): string {
  const trimmed = host.trim();
  if (trimmed.startsWith('/')) {
    return `unix://${trimmed}`;
  }
  return trimmed;
}
