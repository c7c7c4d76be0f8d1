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
import * as https from 'https';

type SshAgentFactory = (options: Record<string, unknown>) => http.Agent;

/**
 * The response, headers read and body not; rejects when the connection fails or `signal` fires
 * first. The signal ends with the headers: whoever reads the body watches it (or another) from there.
 */
export function requestEngine(connection: Dockerode.DockerOptions, path: string, signal: AbortSignal | undefined): Promise<http.IncomingMessage> {
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const base: http.RequestOptions = { method: 'GET', path, headers: { Accept: 'application/json' } };
    let request: http.ClientRequest;
    try {
      request = connection.socketPath
        ? http.request({ ...base, socketPath: connection.socketPath })
        : connection.protocol === 'https'
          ? https.request({ ...base, host: connection.host, port: connection.port, ca: connection.ca, cert: connection.cert, key: connection.key, agent: (connection as { agent?: https.Agent }).agent })
          : connection.protocol === 'ssh'
            ? http.request({ ...base, host: connection.host, agent: sshAgent(connection) })
            : http.request({ ...base, host: connection.host, port: connection.port });
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const onAbort = () => request.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
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

/** A one-connection agent that runs `docker system dial-stdio` on the host over SSH (what the docker CLI does). */
function sshAgent(connection: Dockerode.DockerOptions): http.Agent {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const factory = require('docker-modem/lib/ssh') as SshAgentFactory;
  return factory({ ...connection.sshOptions, host: connection.host, port: connection.port, username: connection.username });
}
