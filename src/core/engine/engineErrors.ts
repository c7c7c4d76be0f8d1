import type { EngineEndpoint } from './engineEndpoint';

/** The daemon could not be reached at all: no socket, permission denied, unknown host, refused. */
export class EngineUnreachableError extends Error {
  constructor(
    readonly endpoint: EngineEndpoint,
    readonly code: string | undefined,
    detail: string,
  ) {
    super(`Cannot connect to the Docker Engine at ${endpoint.host} (${describeSource(endpoint)}): ${detail}`);
    this.name = 'EngineUnreachableError';
  }
}

/** The endpoint could not be worked out: a missing or broken Docker context, an invalid host. */
export class EndpointConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointConfigError';
  }
}

/** The Engine answered 404: the image or container does not exist (any more). */
export class EngineNotFoundError extends Error {
  constructor(readonly reference: string, message: string) {
    super(message);
    this.name = 'EngineNotFoundError';
  }
}

/** The Engine answered with an HTTP error other than "not found". */
export class EngineHttpError extends Error {
  constructor(
    readonly statusCode: number,
    detail: string,
  ) {
    super(`Docker Engine error ${statusCode}: ${detail}`);
    this.name = 'EngineHttpError';
  }
}

/**
 * The Engine answered, but not with anything usable: no whole answer within the deadline, more
 * than a response may hold, a redirect, or not the JSON the request asks for. Said in one line.
 */
export class EngineResponseError extends Error {
  constructor(
    readonly endpoint: EngineEndpoint,
    /** `GET /images/json` */
    readonly request: string,
    readonly reason: 'deadline' | 'too large' | 'redirect' | 'invalid',
    detail: string,
  ) {
    super(`${reason === 'deadline' ? 'No answer' : 'Invalid response'} from the Docker Engine at ${endpoint.host} to ${request}: ${detail}`);
    this.name = 'EngineResponseError';
  }
}

/** The errors that already say what went wrong and where, in one line: shown without a stack. */
export function isKnownEngineError(error: unknown): error is Error {
  return (
    error instanceof EngineUnreachableError ||
    error instanceof EndpointConfigError ||
    error instanceof EngineNotFoundError ||
    error instanceof EngineHttpError ||
    error instanceof EngineResponseError
  );
}

/** One line of at most `max` characters: an Engine error body can be a whole HTML page. */
export function oneLine(text: string, max = 300): string {
  const line = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

export function describeSource(endpoint: EngineEndpoint): string {
  switch (endpoint.source) {
    case 'setting':
      return 'from setting dockerLayers.host';
    case '--host':
      return 'from --host';
    case 'context setting':
      return endpoint.contextName ? `context "${endpoint.contextName}" from setting dockerLayers.context` : 'the default context, from setting dockerLayers.context';
    case '--context':
      return endpoint.contextName ? `context "${endpoint.contextName}" from --context` : 'the default context, from --context';
    case 'DOCKER_HOST':
      return 'from DOCKER_HOST';
    case 'DOCKER_CONTEXT':
      return `context "${endpoint.contextName}" from DOCKER_CONTEXT`;
    case 'current context':
      return `current docker context "${endpoint.contextName}"`;
    case 'default socket':
      return 'default socket';
    case 'archive':
      return 'image archive';
  }
}

const CONNECTION_ERRORS: Record<string, string> = {
  ENOENT: 'the socket does not exist — is the Docker daemon running?',
  EACCES: 'permission denied on the socket — add your user to the "docker" group (then log in again) or use rootless Docker',
  ECONNREFUSED: 'connection refused — is the Docker daemon running?',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'the host name could not be resolved',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed',
};

/** OpenSSL's verdicts on the server's certificate, as Node names them: a TLS endpoint that is not trusted. */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_REVOKED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * A TLS or SSH handshake that failed, in words: the address answered, the secure channel was refused.
 * ssh2 marks its failures with a `level` instead of a code. Undefined for anything else.
 */
function handshakeFailure(err: NodeJS.ErrnoException & { level?: unknown }): { code: string; detail: string } | undefined {
  const cause = oneLine(err.message ?? '', 200);
  if (typeof err.code === 'string' && UNTRUSTED_CERTIFICATE.has(err.code)) {
    return { code: err.code, detail: `TLS: the server's certificate is not trusted (${err.code}: ${cause}): check the CA (ca.pem in DOCKER_CERT_PATH, or the context's TLS files)` };
  }
  if (typeof err.code === 'string' && err.code.startsWith('ERR_SSL_')) {
    return { code: err.code, detail: `TLS: the handshake failed (${err.code}: ${cause}): check the client certificate and key (cert.pem, key.pem)` };
  }
  switch (err.level) {
    case 'client-authentication':
      return { code: 'SSH_AUTHENTICATION', detail: `SSH: authentication failed (${cause}): the key must be in the ssh-agent that SSH_AUTH_SOCK names (ssh-add); keys in ~/.ssh are not read` };
    case 'agent':
      return { code: 'SSH_AGENT', detail: `SSH: the ssh-agent at SSH_AUTH_SOCK cannot be used (${cause})` };
    case 'client-timeout':
      return { code: 'SSH_TIMEOUT', detail: `SSH: the handshake timed out (${cause})` };
    case 'handshake':
      if (err.message === 'Host denied (verification failed)') {
        // Normally replaced by the verifier's own reason (sshHostKeys.ts) before it gets here.
        return { code: 'SSH_HOST_KEY', detail: `SSH: the host key was refused (${cause}): it must be in ~/.ssh/known_hosts` };
      }
      return { code: 'SSH_HANDSHAKE', detail: `SSH: the handshake failed (${cause})` };
    case 'protocol':
      return { code: 'SSH_HANDSHAKE', detail: `SSH: the handshake failed (${cause})` };
  }
  return undefined;
}

/** Turns a socket-level or handshake failure into EngineUnreachableError; anything else is returned as is. */
export function classifyEngineError(error: unknown, endpoint: EngineEndpoint): Error {
  const err = error as NodeJS.ErrnoException & { address?: string; statusCode?: number; json?: { message?: string }; level?: unknown };
  if (err && typeof err.code === 'string' && err.code in CONNECTION_ERRORS) {
    const where = err.address ? ` (${err.address})` : '';
    // When no socket was configured and none was found, say where we looked.
    const looked = err.code === 'ENOENT' && endpoint.socketsTried ? ` (looked for ${endpoint.socketsTried.join(', ')})` : '';
    return new EngineUnreachableError(endpoint, err.code, `${err.code}${where}: ${CONNECTION_ERRORS[err.code]}${looked}`);
  }
  const handshake = err instanceof Error ? handshakeFailure(err) : undefined;
  if (handshake) {
    return new EngineUnreachableError(endpoint, handshake.code, handshake.detail);
  }
  if (err?.statusCode) {
    return new EngineHttpError(err.statusCode, oneLine(err.json?.message ?? err.message));
  }
  return err instanceof Error ? err : new Error(String(error));
}

/** Why the Engine could not be used, in the few kinds the welcome view explains differently. */
export type EngineErrorKind = 'missingSocket' | 'permission' | 'refused' | 'host' | 'config' | 'other';

export function engineErrorKind(error: unknown): EngineErrorKind {
  if (error instanceof EndpointConfigError) {
    return 'config';
  }
  if (!(error instanceof EngineUnreachableError)) {
    return 'other';
  }
  if (error.code !== undefined && !(error.code in CONNECTION_ERRORS)) {
    return 'other'; // A TLS or SSH handshake: the words for sockets and hosts do not fit.
  }
  switch (error.code) {
    case 'ENOENT':
      return 'missingSocket';
    case 'EACCES':
      return 'permission';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
      return 'host';
    default:
      return 'refused';
  }
}
