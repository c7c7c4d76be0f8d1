import { promises as fs } from 'fs';
import type Dockerode from 'dockerode';
import { EngineEndpoint } from './engineEndpoint';
import { httpsModule } from '../loadedOnFirstUse';
import { EndpointConfigError } from './engineErrors';
import { KnownHostsFiles, knownHostsVerifier, preferredHostKeyAlgorithms } from './sshHostKeys';

/**
 * dockerode options for an endpoint. Every connection key is set explicitly, because docker-modem
 * merges DOCKER_HOST and DOCKER_CERT_PATH from the environment into whatever it is given.
 * `knownHosts` says where an ssh:// host's key is looked up (default: the user's and the system's known_hosts).
 */
export async function dockerodeOptionsFor(endpoint: EngineEndpoint, knownHosts: KnownHostsFiles = {}): Promise<Dockerode.DockerOptions> {
  const none = { socketPath: undefined, host: undefined, port: undefined, protocol: undefined, ca: undefined, cert: undefined, key: undefined };
  // Socket paths are taken verbatim: URL parsing would turn //./pipe/docker_engine into //pipe/….
  for (const scheme of ['unix://', 'npipe://']) {
    if (endpoint.host.startsWith(scheme)) {
      const socketPath = endpoint.host.slice(scheme.length);
      if (!socketPath) {
        throw new EndpointConfigError(`Docker host "${endpoint.host}" names no socket`);
      }
      return { ...none, socketPath };
    }
  }
  const url = parseHost(endpoint.host);
  switch (url.protocol) {
    case 'ssh:': {
      const target = { host: url.hostname, port: url.port ? Number(url.port) : 22, username: url.username ? decodeURIComponent(url.username) : undefined };
      // ssh2 takes any host key unless told: only those known_hosts lists for the host (sshHostKeys.ts).
      const preferred = await preferredHostKeyAlgorithms(target, knownHosts);
      return {
        ...none,
        protocol: 'ssh',
        ...target,
        sshOptions: {
          agent: process.env.SSH_AUTH_SOCK,
          hostVerifier: knownHostsVerifier(endpoint, target, knownHosts),
          // ssh2 applies these in the order written: the known algorithms move to the front of its list.
          ...(preferred.length > 0 ? { algorithms: { serverHostKey: { remove: preferred, prepend: preferred, append: [] } } } : {}),
        },
      };
    }
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const tls = endpoint.tls;
      const useTls = url.protocol === 'https:' || Boolean(tls) || url.port === '2376';
      // Read side by side; when several fail, the first in this order is named (not whichever failed first).
      const read = await Promise.allSettled([tls?.caFile, tls?.certFile, tls?.keyFile].map(readOptional));
      const failed = read.find((result) => result.status === 'rejected');
      if (failed) {
        throw failed.reason;
      }
      const [ca, cert, key] = read.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
      return {
        ...none,
        protocol: useTls ? 'https' : 'http',
        host: url.hostname,
        port: url.port ? Number(url.port) : useTls ? 2376 : 2375,
        ca,
        cert,
        key,
        // SkipTLSVerify / DOCKER_TLS_VERIFY unset: docker-modem has no switch for it, an agent does.
        ...(tls && !tls.verify ? { agent: new (httpsModule().Agent)({ ca, cert, key, rejectUnauthorized: false }) } : {}),
      };
    }
    default:
      throw new EndpointConfigError(`Unsupported Docker host "${endpoint.host}": use unix://, tcp://, ssh:// or npipe://`);
  }
}

function parseHost(host: string): URL {
  const withScheme = host.includes('://') ? host : `tcp://${host}`;
  try {
    return new URL(withScheme);
  } catch {
    throw new EndpointConfigError(`Docker host "${host}" is not a valid address`);
  }
}

async function readOptional(file: string | undefined): Promise<Buffer | undefined> {
  if (!file) {
    return undefined;
  }
  try {
    return await fs.readFile(file);
  } catch (error) {
    throw new EndpointConfigError(`TLS file ${file} cannot be read: ${(error as Error).message}`);
  }
}
