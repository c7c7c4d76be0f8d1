import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { Server, utils } from 'ssh2';
import { dockerodeOptionsFor } from '../../src/core/engine/dockerodeOptions';
import { EngineEndpoint } from '../../src/core/engine/engineEndpoint';
import { EngineUnreachableError, isKnownEngineError } from '../../src/core/engine/engineErrors';
import { requestEngine } from '../../src/core/engine/engineRequest';
import { parseKnownHosts } from '../../src/core/engine/knownHosts';
import { HostVerifier, hostKeyAlgorithmsFor, hostKeyRefusal, hostKeyRefusalFor, knownHostsVerifier } from '../../src/core/engine/sshHostKeys';
import { TEST_KEYS, blobOf } from './helpers/sshTestKeys';

const { ed25519A, ed25519B, ecdsa } = TEST_KEYS;
const endpoint: EngineEndpoint = { host: 'ssh://me@127.0.0.1:2222', source: '--host' };
const target = { host: '127.0.0.1', port: 2222, username: 'me' };
const home = '/home/me';
const where = { files: ['/home/me/.ssh/known_hosts', '/home/me/.ssh/known_hosts2', '/etc/ssh/ssh_known_hosts'], home };
const PREFIX = 'Cannot connect to the Docker Engine at ssh://me@127.0.0.1:2222 (from --host): ';

function refusal(lines: string[], key: string, unread: { file: string; reason: string }[] = []): EngineUnreachableError | undefined {
  return hostKeyRefusalFor(endpoint, target, blobOf(key), { entries: parseKnownHosts(lines.join('\n'), where.files[0]), unread }, where);
}

describe('ssh host keys: what a refusal says', () => {
  it('takes a key known for [host]:port', () => {
    assert.equal(refusal([`[127.0.0.1]:2222 ${ed25519A.line}`], ed25519A.line), undefined);
  });

  it('unknown host: one line with the key, and the commands that add it (ssh-keyscan, or ssh once)', () => {
    const error = refusal([`127.0.0.1 ${ed25519A.line}`], ed25519A.line)!;
    assert.ok(error instanceof EngineUnreachableError);
    assert.equal(error.code, 'SSH_HOST_KEY_UNKNOWN');
    assert.equal(
      error.message,
      PREFIX +
        `SSH: the host key for [127.0.0.1]:2222 (ssh-ed25519 ${ed25519A.fingerprint}) is not in ~/.ssh/known_hosts: ` +
        'check the fingerprint and add it with `ssh-keyscan -p 2222 127.0.0.1 >> ~/.ssh/known_hosts`, or connect once with `ssh -p 2222 me@127.0.0.1`',
    );
  });

  it('unknown host on port 22, no user: no -p, no user@', () => {
    const error = hostKeyRefusalFor({ host: 'ssh://build.example', source: 'DOCKER_HOST' }, { host: 'build.example', port: 22 }, blobOf(ed25519A.line), { entries: [], unread: [] }, where)!;
    assert.match(error.message, /is not in ~\/\.ssh\/known_hosts: check the fingerprint and add it with `ssh-keyscan build\.example >> ~\/\.ssh\/known_hosts`, or connect once with `ssh build\.example`$/);
  });

  it('unknown host: says which @cert-authority lines could not help and which files were not read', () => {
    const error = refusal([`@cert-authority * ${ecdsa.line}`], ed25519A.line, [{ file: '/etc/ssh/ssh_known_hosts', reason: 'EACCES' }])!;
    assert.ok(error.message.endsWith(' (@cert-authority lines (~/.ssh/known_hosts:1) are not supported; /etc/ssh/ssh_known_hosts not read: EACCES)'), error.message);
  });

  it('changed key: possible man-in-the-middle, where the known key is, and how to replace it on purpose', () => {
    const error = refusal([`# hosts`, `[127.0.0.1]:2222 ${ed25519A.line}`], ed25519B.line)!;
    assert.equal(error.code, 'SSH_HOST_KEY_CHANGED');
    assert.equal(
      error.message,
      PREFIX +
        `SSH: the host key for [127.0.0.1]:2222 (ssh-ed25519 ${ed25519B.fingerprint}) does not match the one in ~/.ssh/known_hosts:2: possible man-in-the-middle attack, refused; ` +
        "if the host's key was changed on purpose, remove the old one with `ssh-keygen -R '[127.0.0.1]:2222'` and add the new one",
    );
    const global = hostKeyRefusalFor(endpoint, target, blobOf(ed25519B.line), { entries: parseKnownHosts(`[127.0.0.1]:2222 ${ed25519A.line}`, '/etc/ssh/ssh_known_hosts'), unread: [] }, where)!;
    assert.match(global.message, /`ssh-keygen -f \/etc\/ssh\/ssh_known_hosts -R '\[127\.0\.0\.1\]:2222'`/);
  });

  it('a key of a type not known for the host is refused as a changed key', () => {
    const error = refusal([`[127.0.0.1]:2222 ${ecdsa.line}`], ed25519A.line)!;
    assert.equal(error.code, 'SSH_HOST_KEY_CHANGED');
    assert.match(error.message, /does not match ~\/\.ssh\/known_hosts:1, which has only ecdsa-sha2-nistp256 for it: possible man-in-the-middle attack, refused;/);
  });

  it('revoked key: refused, naming the line', () => {
    const error = refusal([`[127.0.0.1]:2222 ${ed25519A.line}`, `@revoked * ${ed25519A.line}`], ed25519A.line)!;
    assert.equal(error.code, 'SSH_HOST_KEY_REVOKED');
    assert.equal(error.message, PREFIX + `SSH: the host key for [127.0.0.1]:2222 (ssh-ed25519 ${ed25519A.fingerprint}) is marked @revoked in ~/.ssh/known_hosts:2: refused`);
  });

  it('every refusal is one line, and a known engine error (printed without a stack)', () => {
    for (const error of [refusal([], ed25519A.line), refusal([`[127.0.0.1]:2222 ${ed25519A.line}`], ed25519B.line)]) {
      assert.ok(isKnownEngineError(error));
      assert.doesNotMatch(error.message, /\n/);
    }
  });

  it("asks first for the algorithms of the key types known, in ssh2's order", () => {
    assert.deepEqual(hostKeyAlgorithmsFor(['ssh-rsa', 'ecdsa-sha2-nistp256']), ['ecdsa-sha2-nistp256', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    assert.deepEqual(hostKeyAlgorithmsFor(['sk-ssh-ed25519@openssh.com']), []);
  });
});

describe('ssh host keys: the verifier ssh2 calls', () => {
  let dir: string;
  let file: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-verifier-'));
    file = path.join(dir, 'known_hosts');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const verdictOf = (verifier: HostVerifier, key: string) => new Promise<boolean>((resolve) => verifier(blobOf(key), resolve));
  const hostDenied = () => Object.assign(new Error('Host denied (verification failed)'), { level: 'handshake' });

  it('reads the file at each login: refuses an unknown key, then takes it once added', async () => {
    fs.writeFileSync(file, '');
    const verifier = knownHostsVerifier(endpoint, target, { files: [file], home: dir });
    assert.equal(await verdictOf(verifier, ed25519A.line), false);
    assert.match(hostKeyRefusal(verifier, hostDenied())!.message, /is not in ~\/known_hosts: /);
    fs.writeFileSync(file, `[127.0.0.1]:2222 ${ed25519A.line}\n`);
    assert.equal(await verdictOf(verifier, ed25519A.line), true);
    assert.equal(await verdictOf(verifier, ed25519B.line), false);
    assert.match(hostKeyRefusal(verifier, hostDenied())!.message, /does not match/);
  });

  it("gives ssh2's own error for anything but a refused key, and for another verifier", async () => {
    fs.writeFileSync(file, '');
    const verifier = knownHostsVerifier(endpoint, target, { files: [file], home: dir });
    await verdictOf(verifier, ed25519A.line);
    assert.equal(hostKeyRefusal(verifier, Object.assign(new Error('Connection lost before handshake'), { level: 'handshake' })), undefined);
    assert.equal(hostKeyRefusal(knownHostsVerifier(endpoint, target, { files: [file], home: dir }), hostDenied()), undefined);
    assert.equal(hostKeyRefusal(undefined, hostDenied()), undefined);
  });
});

/**
 * The whole way with real SSH: an ssh2 server on 127.0.0.1 with its own host keys, reached through
 * dockerodeOptionsFor and requestEngine (docker-modem's ssh transport), answering the HTTP request
 * that `docker system dial-stdio` would carry.
 */
describe('ssh host keys: a real SSH handshake through docker-modem', function () {
  this.timeout(20_000);
  let server: Server;
  let port: number;
  let dir: string;
  let knownHosts: string;
  let savedAgent: string | undefined;
  const hostKeys = { ed25519: utils.generateKeyPairSync('ed25519'), ecdsa: utils.generateKeyPairSync('ecdsa', { bits: 256 }) };
  const publicKey = (key: { public: string }) => key.public.split(' ').slice(0, 2).join(' ');

  before(async () => {
    savedAgent = process.env.SSH_AUTH_SOCK;
    delete process.env.SSH_AUTH_SOCK; // Log in with "none", whatever agent the test runs with.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-ssh-handshake-'));
    knownHosts = path.join(dir, 'known_hosts');
    server = new Server({ hostKeys: [hostKeys.ed25519.private, hostKeys.ecdsa.private] }, (client) => {
      client.on('error', () => undefined); // A refused key ends the connection from the client's side.
      client.on('authentication', (context) => context.accept());
      client.on('session', (acceptSession) => {
        acceptSession().on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec();
          assert.equal(info.command, 'docker system dial-stdio');
          stream.once('data', () => {
            stream.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
          });
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    if (savedAgent !== undefined) {
      process.env.SSH_AUTH_SOCK = savedAgent;
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function get(): Promise<number> {
    const sshEndpoint: EngineEndpoint = { host: `ssh://me@127.0.0.1:${port}`, source: '--host' };
    const connection = await dockerodeOptionsFor(sshEndpoint, { files: [knownHosts], home: dir });
    const response = await requestEngine(connection, '/info', undefined);
    response.resume();
    return response.statusCode ?? 0;
  }

  it('reaches the Engine when known_hosts lists the host key for [127.0.0.1]:port', async () => {
    fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${publicKey(hostKeys.ed25519)}\n`);
    assert.equal(await get(), 200);
  });

  it('refuses an unknown host with the ssh-keyscan hint, as the request error', async () => {
    fs.writeFileSync(knownHosts, `127.0.0.1 ${publicKey(hostKeys.ed25519)}\n`);
    await assert.rejects(get(), (error: Error) => {
      assert.ok(error instanceof EngineUnreachableError, String(error));
      assert.equal(error.code, 'SSH_HOST_KEY_UNKNOWN');
      assert.ok(error.message.includes(`is not in ~/known_hosts: check the fingerprint and add it with \`ssh-keyscan -p ${port} 127.0.0.1 >> ~/known_hosts\``), error.message);
      return true;
    });
  });

  it('refuses a host whose key is not the one known (a man in the middle)', async () => {
    fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${ed25519A.line}\n`);
    await assert.rejects(get(), (error: Error) => error instanceof EngineUnreachableError && error.code === 'SSH_HOST_KEY_CHANGED' && /does not match the one in ~\/known_hosts:1: possible man-in-the-middle attack/.test(error.message));
  });

  it('asks for the key type known_hosts has: a host with ed25519 and ECDSA keys, only the ECDSA one known', async () => {
    fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${publicKey(hostKeys.ecdsa)}\n`);
    assert.equal(await get(), 200);
  });
});
