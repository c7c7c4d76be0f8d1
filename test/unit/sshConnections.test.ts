import * as assert from 'node:assert/strict';
import type Dockerode from 'dockerode';
import * as http from 'http';
import * as net from 'net';
import { AddressInfo } from 'net';
import { SSH_MAX_CONNECTIONS, SshAgentFactory, requestEngine, sshAgentFor } from '../../src/core/engine/engineRequest';

/**
 * The ssh:// transport logs in once per request (docker-modem's agent runs `docker system
 * dial-stdio`). sshd drops logins past MaxStartups (10 pending by default), so they are bounded.
 * Here a "login" is a TCP connection to a local HTTP server, made after a delay as a handshake is.
 */
describe('requestEngine over ssh://: SSH logins per connection are bounded', () => {
  let server: http.Server;
  let port: number;
  let open = 0;
  let mostOpen = 0;

  before(async () => {
    server = http.createServer((_request, response) => {
      setTimeout(() => response.end('{}'), 20);
    });
    server.on('connection', (socket) => {
      mostOpen = Math.max(mostOpen, ++open);
      socket.on('close', () => open--);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    mostOpen = 0;
  });

  /** Logs in after `delayMs`; the logins listed in `failing` (1-based) fail as an SSH handshake would. */
  function fakeSsh(logins: Record<string, unknown>[], failing: ReadonlySet<number> = new Set(), delayMs = 15): SshAgentFactory {
    return (login) => {
      logins.push(login);
      const attempt = logins.length;
      const agent = new http.Agent();
      agent.createConnection = (_options, callback) => {
        setTimeout(() => {
          if (failing.has(attempt)) {
            callback?.(Object.assign(new Error('Connection lost before handshake'), { level: 'handshake' }), undefined as never);
            return;
          }
          const socket = net.connect(port, '127.0.0.1', () => callback?.(null, socket));
        }, delayMs);
        return undefined;
      };
      return agent;
    };
  }

  const sshConnection = (): Dockerode.DockerOptions => ({ protocol: 'ssh', host: 'build-host', port: 2222, username: 'me', sshOptions: { agent: '/run/agent.sock' } });

  async function get(connection: Dockerode.DockerOptions): Promise<number> {
    const response = await requestEngine(connection, '/info', undefined);
    response.resume();
    await new Promise((resolve) => response.on('end', resolve));
    return response.statusCode ?? 0;
  }

  it(`opens at most ${SSH_MAX_CONNECTIONS} at once for 20 requests at once, one login each, with the connection's user, port and agent`, async () => {
    const connection = sshConnection();
    const logins: Record<string, unknown>[] = [];
    sshAgentFor(connection, fakeSsh(logins));
    const statuses = await Promise.all(Array.from({ length: 20 }, () => get(connection)));
    assert.deepEqual(statuses, Array(20).fill(200));
    assert.equal(logins.length, 20);
    assert.ok(mostOpen <= SSH_MAX_CONNECTIONS, `${mostOpen} logins open at once`);
    assert.equal(mostOpen, SSH_MAX_CONNECTIONS, 'requests do run side by side');
    assert.deepEqual(logins[0], { agent: '/run/agent.sock', host: 'build-host', port: 2222, username: 'me' });
  });

  it('gives a failed login its place back: the requests after it still run', async () => {
    const connection = sshConnection();
    const logins: Record<string, unknown>[] = [];
    sshAgentFor(connection, fakeSsh(logins, new Set([1, 2, 3, 4, 5, 6])));
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => get(connection)));
    const failed = results.filter((result) => result.status === 'rejected');
    assert.equal(failed.length, 6);
    assert.match(String(failed[0].reason), /Connection lost before handshake/);
    assert.deepEqual(
      results.filter((result) => result.status === 'fulfilled').map((result) => result.value),
      [200, 200, 200, 200],
    );
  });

  it('keeps one agent per connection, so the bound holds across requests', () => {
    const connection = sshConnection();
    assert.equal(sshAgentFor(connection), sshAgentFor(connection));
    assert.notEqual(sshAgentFor(connection), sshAgentFor(sshConnection()));
  });
});
