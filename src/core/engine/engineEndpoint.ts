/** An Engine endpoint as resolved (see resolveEndpoint.ts): what to dial, and where that came from. */
export type EndpointSource =
  | 'setting'
  | '--host'
  | '--context'
  | 'context setting'
  | 'DOCKER_HOST'
  | 'DOCKER_CONTEXT'
  | 'current context'
  | 'default socket'
  /** No daemon: a saved image archive read by the archive backend. */
  | 'archive';

export interface TlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** False when the context or DOCKER_TLS_VERIFY asks not to verify the server. */
  verify: boolean;
}

export interface EngineEndpoint {
  /** As the docker CLI writes it: unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host, npipe://… */
  host: string;
  source: EndpointSource;
  contextName?: string;
  tls?: TlsFiles;
  /** Sockets looked at when none was configured and none exists; named in the connection error. */
  socketsTried?: string[];
}

/** True when the daemon's files are on this machine (a local socket), so its paths can be opened here. */
export function isLocalEndpoint(endpoint: EngineEndpoint): boolean {
  return endpoint.host.startsWith('unix://') || endpoint.host.startsWith('npipe://');
}
