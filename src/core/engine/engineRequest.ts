/**
 * One GET to the Engine over Node's own HTTP client, on the connection dockerodeOptionsFor
 * describes (unix socket or named pipe, TCP with or without TLS, SSH through docker-modem's
 * `docker system dial-stdio` agent). docker-modem's own request layer is not used for requests:
 * it follows redirects to any host, crashes on a Location it cannot parse, and buffers answers
 * whole. Node's client follows nothing and hands back the answer unread, for the caller to read
 * within its limits.
 */
import type Dockerode from 'dockerode';
import * as http from 'http';
import type * as https from 'https';
import { httpsModule } from '../loadedOnFirstUse';
import { hostKeyRefusal } from './sshHostKeys';

/** docker-modem's ssh agent: each call logs in once, and its createConnection runs `docker system dial-stdio`. */
export type SshAgentFactory = (options: Record<string, unknown>) => http.Agent;

/**
 * SSH logins open at once per Engine connection; further requests wait for one to end. sshd drops
 * logins beyond MaxStartups (10 not yet logged in, by default): one login per request, unbounded,
 * lost requests of `ls` to a stock sshd on every run. Four leave room for a second window or a
 * docker CLI on the same host. (Node's own maxSockets does not count sockets still being made.)
 */
export const SSH_MAX_CONNECTIONS = 4;

/**
 * The response, headers read and body not; rejects when the connection fails or `signal` fires
 * first. The signal ends with the headers: whoever reads the body watches it (or another) from there.
 */
export function requestEngine(connection: Dockerode.DockerOptions, path: string, signal: AbortSignal | undefined): Promise<http.IncomingMessage> {
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    // What openRequest throws rejects: a promise's executor turns a throw into its rejection.
    const request = openRequest(connection, path, signal);
    const onAbort = () => request.destroy(abortReason(signal));
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('response', (response) => {
      signal?.removeEventListener('abort', onAbort);
      resolve(response);
    });
    request.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    request.end();
  });
}

export interface WholeAnswer {
  status: number;
  location: string | undefined;
  body: Buffer;
}

export interface WholeAnswerLimits {
  /** The whole answer must arrive within this; else the request is dropped and `onDeadline()` is the rejection. */
  deadlineMs: number;
  onDeadline: () => Error;
  /** Bodies past this many bytes are dropped and `onTooLarge()` is the rejection. */
  maxBytes: number;
  onTooLarge: () => Error;
  signal?: AbortSignal;
}

/**
 * One GET read whole, within a deadline and a size cap: the path every JSON answer takes, a
 * thousand times for a thousand images. One timer and (with a caller's signal) one listener per
 * request: an AbortController and EventTarget listeners per request cost more than the request.
 */
export function requestWhole(connection: Dockerode.DockerOptions, path: string, limits: WholeAnswerLimits): Promise<WholeAnswer> {
  return new Promise<WholeAnswer>((resolve, reject) => {
    const { signal } = limits;
    const request = openRequest(connection, path, signal);
    let settled = false;
    const settle = (error: Error | undefined, answer?: WholeAnswer) => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        request.destroy();
        reject(error);
      } else {
        resolve(answer!);
      }
    };
    const timer = setTimeout(() => settle(limits.onDeadline()), limits.deadlineMs);
    const onAbort = () => settle(abortReason(signal));
    signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => settle(error));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > limits.maxBytes) {
          settle(limits.onTooLarge());
        } else {
          chunks.push(chunk);
        }
      });
      response.on('end', () => settle(undefined, { status: response.statusCode ?? 0, location: response.headers.location, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) }));
      response.on('error', (error) => settle(error));
      // 'close' follows every 'end': an Error (its stack trace) is made only for an answer cut short.
      response.on('close', () => settled || settle(Object.assign(new Error('the connection closed before the answer ended'), { code: 'ECONNRESET' })));
    });
    request.end();
  });
}

function abortReason(signal: AbortSignal | undefined): Error {
  return signal?.reason instanceof Error ? signal.reason : new Error('aborted');
}

const SOCKET_HEADERS = ['Host', 'localhost'];

/** The request, not yet sent, over the connection's transport; throws when `signal` has fired already. */
function openRequest(connection: Dockerode.DockerOptions, path: string, signal: AbortSignal | undefined): http.ClientRequest {
  if (signal?.aborted) {
    throw abortReason(signal);
  }
  const base: http.RequestOptions = { method: 'GET', path };
  if (connection.socketPath) {
    // Headers as a list are sent as given: Node then skips working out a Host header (an IP check and
    // a validated setHeader per request, a thousand times for a thousand images). `localhost` is
    // what Node would have sent for a socket.
    return http.request({ ...base, socketPath: connection.socketPath, headers: SOCKET_HEADERS });
  }
  if (connection.protocol === 'https') {
    return httpsModule().request({ ...base, host: connection.host, port: connection.port, ca: connection.ca, cert: connection.cert, key: connection.key, agent: (connection as { agent?: https.Agent }).agent });
  }
  if (connection.protocol === 'ssh') {
    return http.request({ ...base, host: connection.host, agent: sshAgentFor(connection) });
  }
  return http.request({ ...base, host: connection.host, port: connection.port });
}

const sshAgents = new WeakMap<Dockerode.DockerOptions, http.Agent>();

/**
 * The HTTP agent of an ssh:// connection, one per connection options: each socket is an SSH login
 * running `docker system dial-stdio` on the host (what the docker CLI does) for one request, at
 * most SSH_MAX_CONNECTIONS at once.
 */
export function sshAgentFor(connection: Dockerode.DockerOptions, openSsh: SshAgentFactory = dockerModemSsh): http.Agent {
  let agent = sshAgents.get(connection);
  if (!agent) {
    agent = boundedSshAgent({ ...connection.sshOptions, host: connection.host, port: connection.port, username: connection.username }, openSsh);
    sshAgents.set(connection, agent);
  }
  return agent;
}

function boundedSshAgent(login: Record<string, unknown>, openSsh: SshAgentFactory): http.Agent {
  const agent = new http.Agent();
  let open = 0;
  const waiting: (() => void)[] = [];
  agent.createConnection = (options, callback) => {
    const connect = () => {
      open++;
      let ended = false;
      const end = () => {
        if (!ended) {
          ended = true;
          open--;
          waiting.shift()?.();
        }
      };
      // docker-modem's agent holds one SSH client: a fresh one per socket. It may call back twice
      // (an error after the stream): Node takes the first, and the slot is given back once.
      openSsh(login).createConnection(options, (error, stream) => {
        if (error || !stream) {
          end();
        } else {
          stream.once('close', end);
        }
        // A refused host key: ssh2 says only "Host denied"; the verifier says which host and why.
        callback?.(error ? (hostKeyRefusal(login.hostVerifier, error) ?? error) : error, stream);
      });
    };
    if (open < SSH_MAX_CONNECTIONS) {
      connect();
    } else {
      waiting.push(connect);
    }
    return undefined;
  };
  return agent;
}

function dockerModemSsh(options: Record<string, unknown>): http.Agent {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const factory = require('docker-modem/lib/ssh') as SshAgentFactory;
  return factory(options);
}
