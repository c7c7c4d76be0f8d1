/**
 * Remote engines, with the REAL local dockerd reached the way a remote one is: over tcp:// through a
 * TCP listener the test opens (plain, and TLS with certificates openssl makes here), and over
 * ssh:// through the test sshd (test/setup/start-test-sshd.sh), logged in as the test user, where
 * dockerode's ssh transport runs `docker system dial-stdio` once the sshd's host key is found in
 * ~/.ssh/known_hosts (a home of the test's, from the known_hosts the start script writes). The
 * daemon's folders are then "on the daemon's host": the CLI names them as the daemon reports them,
 * reads none of them, and takes a layer's files from the Engine's image archive, which must say what
 * root reads in the folders through the unix socket. Docker Desktop cannot run here (a desktop
 * application with dockerd in its own VM): how it is recognised and worded is unit-tested in
 * test/unit/storageProfile.test.ts.
 */
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ImageJson } from '../../src/cli/commands/ls';
import { ImageInspect, ImageListEntry } from '../../src/core/engine/engineTypes';
import { skipBecause } from '../helpers/skip';
import { CLI, Daemon, RunResult, SocketForwarder, TestSshd, ensureCliBuilt, forwardToUnixSocket, requireDaemon, requireTestSshd, run } from './helpers/daemon';

const IMAGE = 'dle-app:1.0';

/** What a layer is as ls --json gives it, without the size (the layerdb's as root, the Engine history's otherwise). */
const layerKeys = (image: ImageJson) => image.layers.map(({ index, diffId, chainId, cacheId, diffDir, createdBy }) => ({ index, diffId, chainId, cacheId, diffDir, createdBy }));

/** The folders of an image as the daemon reports them (GraphDriver data), bottom layer first. */
function graphDriverFolders(inspect: ImageInspect): (string | undefined)[] {
  const { UpperDir, LowerDir } = (inspect.GraphDriver?.Data ?? {}) as { UpperDir?: string; LowerDir?: string };
  return [...(LowerDir ? LowerDir.split(':').reverse() : []), UpperDir];
}

/** The image archives a CLI run downloaded into its cache (XDG_CACHE_HOME), by image ID hex. */
function downloadedArchives(cache: string): string[] {
  const images = path.join(cache, 'docker-layer-explorer', 'images');
  return fs.existsSync(images) ? fs.readdirSync(images).filter((name) => fs.existsSync(path.join(images, name, 'archive.tar'))) : [];
}

/** This process's environment without anything that picks a Docker engine. */
function withoutDockerSettings(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CONFIG', 'SSH_AUTH_SOCK']) {
    delete env[name];
  }
  return { ...env, ...extra };
}

/** Exactly one line on stderr, and no stack. */
function assertOneLineError(result: RunResult): void {
  assert.equal(result.code, 1, `exit ${result.code}\n${result.stdout}\n${result.stderr}`);
  assert.equal(result.stderr.trimEnd().split('\n').length, 1, `more than one line:\n${result.stderr}`);
  assert.doesNotMatch(result.stderr, /^\s+at /m);
}

describe('remote engines: the local dockerd reached as a remote one (tcp://, TLS, ssh://)', function () {
  this.timeout(120_000);
  let daemon: Daemon;
  let socketPath: string;
  let dataRoot: string;
  let scratch: string;
  let caches = 0;
  /** Root's ls --json and diff --json of IMAGE through the unix socket: read from the folders. */
  let rootLs: ImageJson;
  let rootDiff: unknown;

  before(async function () {
    daemon = await requireDaemon(this);
    if (!daemon.endpoint.host.startsWith('unix://')) {
      throw new Error(`the test daemon is at ${daemon.endpoint.host}, not a unix:// socket this test can forward`);
    }
    socketPath = daemon.endpoint.host.slice('unix://'.length);
    dataRoot = daemon.info.DockerRootDir ?? '/var/lib/docker';
    await ensureCliBuilt();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-remote-'));
    fs.chmodSync(scratch, 0o755); // The test user's caches and agent are in here.

    const cache = newCache();
    const ls = await run(process.execPath, [CLI, 'ls', IMAGE, '--json', '-H', daemon.endpoint.host], { env: withoutDockerSettings({ XDG_CACHE_HOME: cache }) });
    assert.equal(ls.code, 0, ls.stderr);
    [rootLs] = JSON.parse(ls.stdout) as ImageJson[];
    const diff = await run(process.execPath, [CLI, 'diff', IMAGE, '--json', '-H', daemon.endpoint.host], { env: withoutDockerSettings({ XDG_CACHE_HOME: cache }) });
    assert.equal(diff.code, 0, diff.stderr);
    rootDiff = JSON.parse(diff.stdout);
    if (process.getuid?.() === 0) {
      assert.deepEqual(downloadedArchives(cache), [], 'root reads the folders through the unix socket: no archive');
    }
  });
  after(() => scratch && fs.rmSync(scratch, { recursive: true, force: true }));

  function newCache(): string {
    const cache = path.join(scratch, `cache-${++caches}`);
    fs.mkdirSync(cache);
    return cache;
  }

  /**
   * The CLI as this user with no engine settings. As root, in a mount namespace where the data root
   * is an empty tmpfs: whatever it says comes from the Engine, not from a folder read here.
   */
  function cliWithoutDataRoot(args: string[], env: Record<string, string>): Promise<RunResult> {
    const command = [process.execPath, CLI, ...args];
    if (process.getuid?.() !== 0) {
      return run(command[0], command.slice(1), { env: withoutDockerSettings(env) });
    }
    const script = 'set -e; mount -t tmpfs -o mode=700 dle-hide-data-root "$1"; shift; exec "$@"';
    return run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', dataRoot, ...command], { env: withoutDockerSettings(env) });
  }

  describe('tcp:// (a TCP listener piping to the daemon socket)', () => {
    let forwarder: SocketForwarder;
    let host: string;

    before(async () => {
      forwarder = await forwardToUnixSocket(socketPath);
      host = `tcp://127.0.0.1:${forwarder.port}`;
    });
    after(() => forwarder?.close());

    it(`ls --json lists ${IMAGE} with its layers and the folders the daemon reports, storage remote, no folder read here`, async () => {
      const cache = newCache();
      const ls = await cliWithoutDataRoot(['ls', IMAGE, '--json', '--verbose', '-H', host], { XDG_CACHE_HOME: cache });
      assert.equal(ls.code, 0, ls.stderr);
      assert.match(ls.stderr, new RegExp(`^storage: overlay2 \\(driver overlay2\\) at ${dataRoot}, remote$`, 'm'));
      assert.ok(forwarder.accepted() > 0, 'the CLI went through the TCP listener');
      const [image] = JSON.parse(ls.stdout) as ImageJson[];
      assert.equal(image.id, daemon.images.app.Id);
      assert.deepEqual(layerKeys(image), layerKeys(rootLs));
      assert.deepEqual(
        image.layers.map((layer) => layer.diffDir),
        graphDriverFolders(await daemon.engine.inspectImage(IMAGE)),
      );
      assert.deepEqual(downloadedArchives(cache), [], 'listing downloads nothing');
    });

    it("ls text says the folders are on the daemon's host", async () => {
      const ls = await cliWithoutDataRoot(['ls', IMAGE, '-H', host], { XDG_CACHE_HOME: newCache() });
      assert.equal(ls.code, 0, ls.stderr);
      for (const layer of rootLs.layers) {
        assert.ok(ls.stdout.includes(`\n     ${layer.diffDir}\n`), `layer ${layer.index}'s folder ${layer.diffDir} is named:\n${ls.stdout}`);
      }
      assert.ok(
        ls.stdout.includes(`note: The daemon at ${host} is on another machine: these paths are on that machine, not this one.`),
        `no note that the folders are on the daemon's host:\n${ls.stdout}`,
      );
    });

    it(`diff --json ${IMAGE} comes from the Engine's archive and equals root's through the unix socket (read from the folders)`, async () => {
      const cache = newCache();
      const diff = await cliWithoutDataRoot(['diff', IMAGE, '--json', '-H', host], { XDG_CACHE_HOME: cache });
      assert.equal(diff.code, 0, diff.stderr);
      assert.deepEqual(downloadedArchives(cache), [daemon.images.app.Id.replace(/^sha256:/, '')]);
      assert.deepEqual(JSON.parse(diff.stdout), rootDiff);
    });
  });

  describe('tcp:// with TLS (DOCKER_HOST, DOCKER_TLS_VERIFY=1, DOCKER_CERT_PATH; certificates by openssl)', () => {
    let forwarder: SocketForwarder;
    /** ca.pem, cert.pem, key.pem: the CA that signed the server's certificate, and a client's. */
    let certs: string;
    /** The same client certificate and key, with another CA's ca.pem. */
    let wrongCa: string;

    before(async function () {
      const openssl = await run('openssl', ['version']).catch((error: Error) => ({ code: -1, stdout: '', stderr: error.message }));
      if (openssl.code !== 0) {
        // Not a backend that cannot run: a tool to make its certificates is missing (Debian: openssl).
        skipBecause(this, `openssl cannot run here, so no certificates can be made for the TLS listener: ${openssl.stderr.trim().split('\n')[0]}`);
      }
      const dir = path.join(scratch, 'tls');
      certs = path.join(dir, 'client');
      wrongCa = path.join(dir, 'wrong-ca');
      for (const folder of [dir, certs, wrongCa]) {
        fs.mkdirSync(folder, { recursive: true });
      }
      const openSsl = async (args: string[]) => {
        const result = await run('openssl', args, { cwd: dir });
        assert.equal(result.code, 0, `openssl ${args.join(' ')}:\n${result.stderr}`);
      };
      const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
      const sign = (csr: string, extensions: string, out: string) =>
        openSsl(['x509', '-req', '-in', csr, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2', '-extfile', extensions, '-out', out]);
      await openSsl(['req', '-x509', ...newKey, '-days', '2', '-subj', '/CN=dle-test-ca', '-keyout', 'ca-key.pem', '-out', 'ca.pem']);
      await openSsl(['req', ...newKey, '-subj', '/CN=127.0.0.1', '-keyout', 'server-key.pem', '-out', 'server.csr']);
      fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
      await sign('server.csr', 'server.ext', 'server-cert.pem');
      await openSsl(['req', ...newKey, '-subj', '/CN=dle-test-client', '-keyout', 'client/key.pem', '-out', 'client.csr']);
      fs.writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
      await sign('client.csr', 'client.ext', 'client/cert.pem');
      fs.copyFileSync(path.join(dir, 'ca.pem'), path.join(certs, 'ca.pem'));
      await openSsl(['req', '-x509', ...newKey, '-days', '2', '-subj', '/CN=another-ca', '-keyout', 'wrong-ca/ca-key.pem', '-out', 'wrong-ca/ca.pem']);
      for (const file of ['cert.pem', 'key.pem']) {
        fs.copyFileSync(path.join(certs, file), path.join(wrongCa, file));
      }
      // As dockerd --tlsverify: the server asks for a client certificate signed by its CA.
      const read = (file: string) => fs.readFileSync(path.join(dir, file));
      forwarder = await forwardToUnixSocket(socketPath, { key: read('server-key.pem'), cert: read('server-cert.pem'), ca: read('ca.pem'), requestCert: true, rejectUnauthorized: true });
    });
    after(() => forwarder?.close());

    const tlsEnv = (certPath: string): Record<string, string> => ({
      DOCKER_HOST: `tcp://127.0.0.1:${forwarder.port}`,
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: certPath,
      XDG_CACHE_HOME: newCache(),
    });

    it('lists the images with the CA, client certificate and key of DOCKER_CERT_PATH, storage remote', async () => {
      const ls = await run(process.execPath, [CLI, 'ls', '--json', '--verbose'], { env: withoutDockerSettings(tlsEnv(certs)) });
      assert.equal(ls.code, 0, ls.stderr);
      assert.match(ls.stderr, / remote$/m);
      const listed = new Set((JSON.parse(ls.stdout) as ImageJson[]).map((image) => image.id));
      for (const [role, image] of Object.entries(daemon.images) as [string, ImageListEntry][]) {
        assert.ok(listed.has(image.Id), `the ${role} test image ${image.Id} is listed`);
      }
    });

    it("refuses a server whose certificate the CA in DOCKER_CERT_PATH did not sign, in one line without a stack", async () => {
      const ls = await run(process.execPath, [CLI, 'ls'], { env: withoutDockerSettings(tlsEnv(wrongCa)) });
      assertOneLineError(ls);
      assert.match(
        ls.stderr,
        new RegExp(`^docker-layers: Cannot connect to the Docker Engine at tcp://127\\.0\\.0\\.1:${forwarder.port} \\(from DOCKER_HOST\\): TLS: the server's certificate is not trusted \\((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY): `),
      );
    });
  });

  describe("ssh:// (dockerode's ssh transport: the test user logs in to the test sshd, docker system dial-stdio there)", () => {
    let sshd: TestSshd;
    let agent: ChildProcess | undefined;
    let agentSocket: string;
    let uid: number;
    let gid: number;
    let homes = 0;
    /** `[127.0.0.1]:<port> ssh-ed25519 …`: the test sshd's host key, as the start script wrote it for ssh clients. */
    let knownHostsLine: string;
    /** The host key's fingerprint as `ssh-keygen -l` gives it. */
    let fingerprint: string;

    before(async function () {
      sshd = requireTestSshd(this);
      [uid, gid] = await Promise.all(['-u', '-g'].map(async (flag) => Number((await run('id', [flag, sshd.user])).stdout.trim())));
      knownHostsLine = fs.readFileSync(path.join(sshd.dir, 'known_hosts'), 'utf8').trim();
      assert.match(knownHostsLine, new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 \\S+$`), `${sshd.dir}/known_hosts is not the sshd's key on its port`);
      const listed = await run('ssh-keygen', ['-l', '-f', path.join(sshd.dir, 'host_ed25519_key.pub')]);
      assert.equal(listed.code, 0, listed.stderr);
      fingerprint = listed.stdout.split(' ')[1];
      // The key reaches dockerode through an agent (SSH_AUTH_SOCK), the user's own, started here.
      const agentDir = path.join(scratch, 'agent');
      fs.mkdirSync(agentDir, { mode: 0o700 });
      fs.chownSync(agentDir, uid, gid);
      agentSocket = path.join(agentDir, 'agent.sock');
      agent = spawn('ssh-agent', ['-D', '-a', agentSocket], { uid, gid, stdio: 'ignore' });
      const spawned = await new Promise<Error | undefined>((resolve) => {
        agent!.once('error', resolve);
        agent!.once('spawn', () => resolve(undefined));
      });
      if (spawned) {
        throw new Error(`ssh-agent could not start: ${spawned.message} (Debian: openssh-client; test/setup/start-test-sshd.sh installs what it needs)`);
      }
      for (let tries = 0; !fs.existsSync(agentSocket) && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const added = await run('runuser', ['-u', sshd.user, '--', 'env', `SSH_AUTH_SOCK=${agentSocket}`, 'ssh-add', path.join(sshd.dir, 'client', 'id_ed25519')]);
      assert.equal(added.code, 0, `ssh-add failed: ${added.stderr}`);
    });
    after(() => {
      agent?.kill();
    });

    /** A fresh cache folder of the user's. */
    async function userCache(): Promise<string> {
      const cache = newCache();
      await run('chown', [sshd.user, cache]);
      return cache;
    }
    /**
     * A home folder of the test user's own (not its real one), with ~/.ssh and, unless undefined,
     * ~/.ssh/known_hosts holding `knownHosts`.
     */
    function userHome(knownHosts: string | undefined): string {
      const home = path.join(scratch, `home-${++homes}`);
      fs.mkdirSync(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
      if (knownHosts !== undefined) {
        fs.writeFileSync(path.join(home, '.ssh', 'known_hosts'), knownHosts, { mode: 0o644 });
        fs.chownSync(path.join(home, '.ssh', 'known_hosts'), uid, gid);
      }
      fs.chownSync(path.join(home, '.ssh'), uid, gid);
      fs.chownSync(home, uid, gid);
      return home;
    }
    /** Logins the test sshd has accepted so far (its log, LogLevel VERBOSE). */
    function sshdLogins(): number {
      return fs.readFileSync(path.join(sshd.dir, 'sshd.log'), 'utf8').split('\n').filter((line) => line.includes('Accepted publickey for')).length;
    }
    /** The CLI as the test user with HOME `home`, with its agent unless told otherwise, and no engine settings of root's. */
    function userCli(args: string[], cache: string, home: string, withAgent = true): Promise<RunResult> {
      const settings = [`HOME=${home}`, `XDG_CACHE_HOME=${cache}`, ...(withAgent ? [`SSH_AUTH_SOCK=${agentSocket}`] : [])];
      const unset = ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CONFIG', 'SSH_AUTH_SOCK'].flatMap((name) => ['-u', name]);
      return run('runuser', ['-u', sshd.user, '--', 'env', ...unset, ...settings, process.execPath, CLI, ...args]);
    }

    it('ls --json lists the test images, with the folders the daemon reports for each layer, storage remote (host key in ~/.ssh/known_hosts)', async () => {
      const cache = await userCache();
      const ls = await userCli(['ls', '--json', '--verbose', '-H', sshd.host], cache, userHome(`# the test sshd\n${knownHostsLine}\n`));
      assert.equal(ls.code, 0, ls.stderr);
      assert.match(ls.stderr, new RegExp(`^storage: overlay2 \\(driver overlay2\\) at ${dataRoot}, remote$`, 'm'));
      const images = JSON.parse(ls.stdout) as ImageJson[];
      for (const [role, image] of Object.entries(daemon.images) as [string, ImageListEntry][]) {
        assert.ok(images.some((listed) => listed.id === image.Id), `the ${role} test image ${image.Id} is listed`);
      }
      const app = images.find((image) => image.id === daemon.images.app.Id)!;
      assert.deepEqual(layerKeys(app), layerKeys(rootLs));
      assert.deepEqual(downloadedArchives(cache), [], 'listing downloads nothing');
    });

    it(`diff --json ${IMAGE} comes from the Engine's archive and equals root's through the unix socket (host name hashed by ssh-keygen -H)`, async () => {
      const cache = await userCache();
      const home = userHome(`${knownHostsLine}\n`);
      const knownHosts = path.join(home, '.ssh', 'known_hosts');
      const hashed = await run('ssh-keygen', ['-H', '-f', knownHosts]);
      assert.equal(hashed.code, 0, hashed.stderr);
      fs.rmSync(`${knownHosts}.old`);
      fs.chownSync(knownHosts, uid, gid); // ssh-keygen, run as root, wrote a new file of root's, 0600.
      fs.chmodSync(knownHosts, 0o644);
      assert.match(fs.readFileSync(knownHosts, 'utf8'), /^\|1\|\S+\|\S+ ssh-ed25519 /, 'the name is hashed');
      const diff = await userCli(['diff', IMAGE, '--json', '-H', sshd.host], cache, home);
      assert.equal(diff.code, 0, diff.stderr);
      assert.deepEqual(downloadedArchives(cache), [daemon.images.app.Id.replace(/^sha256:/, '')]);
      assert.deepEqual(JSON.parse(diff.stdout), rootDiff);
    });

    it('without an ssh-agent, says in one line that the key must be in one', async () => {
      const ls = await userCli(['ls', '-H', sshd.host], await userCache(), userHome(`${knownHostsLine}\n`), false);
      assertOneLineError(ls);
      assert.match(ls.stderr, new RegExp(`^docker-layers: Cannot connect to the Docker Engine at ${sshd.host} \\(from --host\\): SSH: authentication failed \\(.*\\): the key must be in the ssh-agent that SSH_AUTH_SOCK names`));
    });

    it("refuses, in one line, a host whose key is not the one in ~/.ssh/known_hosts (a man in the middle), before logging in", async () => {
      const otherKey = path.join(scratch, `other-host-key-${homes}`);
      const made = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', otherKey]);
      assert.equal(made.code, 0, made.stderr);
      const wrongLine = `[127.0.0.1]:${sshd.port} ${fs.readFileSync(`${otherKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}`;
      const logins = sshdLogins();
      const ls = await userCli(['ls', '-H', sshd.host], await userCache(), userHome(`${wrongLine}\n`));
      assertOneLineError(ls);
      assert.equal(
        ls.stderr.trimEnd(),
        `docker-layers: Cannot connect to the Docker Engine at ${sshd.host} (from --host): SSH: the host key for [127.0.0.1]:${sshd.port} (ssh-ed25519 ${fingerprint}) ` +
          `does not match the one in ~/.ssh/known_hosts:1: possible man-in-the-middle attack, refused; ` +
          `if the host's key was changed on purpose, remove the old one with \`ssh-keygen -R '[127.0.0.1]:${sshd.port}'\` and add the new one`,
      );
      assert.equal(sshdLogins(), logins, 'no login was tried (the agent key was not offered)');
    });

    it('refuses an unknown host in one line with the command that adds its key, and that command makes the next run work', async () => {
      const home = userHome(undefined);
      const ls = await userCli(['ls', '-H', sshd.host], await userCache(), home);
      assertOneLineError(ls);
      const hint = `ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ~/.ssh/known_hosts`;
      assert.equal(
        ls.stderr.trimEnd(),
        `docker-layers: Cannot connect to the Docker Engine at ${sshd.host} (from --host): SSH: the host key for [127.0.0.1]:${sshd.port} (ssh-ed25519 ${fingerprint}) ` +
          `is not in ~/.ssh/known_hosts: check the fingerprint and add it with \`${hint}\`, or connect once with \`ssh -p ${sshd.port} ${sshd.user}@127.0.0.1\``,
      );
      const added = await run('runuser', ['-u', sshd.user, '--', 'env', `HOME=${home}`, 'sh', '-c', hint]);
      assert.equal(added.code, 0, added.stderr);
      const again = await userCli(['ls', '-H', sshd.host], await userCache(), home);
      assert.equal(again.code, 0, again.stderr);
    });
  });
});
