import * as assert from 'node:assert/strict';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as net from 'net';
import * as path from 'path';
import { contextDirName, listContexts } from '../../src/core/engine/dockerContexts';
import { defaultSocketCandidates, localEngineSockets } from '../../src/core/engine/engineSockets';
import { EndpointInputs, normalizeHost, resolveEndpoint } from '../../src/core/engine/resolveEndpoint';
import { memoryHostFiles } from './helpers/fixtures';

const HOME = '/home/me';
const sha = (name: string) => createHash('sha256').update(name).digest('hex');

function contextMeta(configDir: string, name: string, host: string, skipTlsVerify = false): Record<string, string> {
  return {
    [path.join(configDir, 'contexts', 'meta', sha(name), 'meta.json')]: JSON.stringify({
      Name: name,
      Metadata: { Description: 'test' },
      Endpoints: { docker: { Host: host, SkipTLSVerify: skipTlsVerify } },
    }),
  };
}

function inputs(files: Record<string, string | undefined>, env: NodeJS.ProcessEnv = {}, explicitHost?: EndpointInputs['explicitHost']): EndpointInputs {
  return { env, homeDir: HOME, files: memoryHostFiles(files), explicitHost };
}

describe('resolveEndpoint', () => {
  const rootfulSocket = { '/var/run/docker.sock': undefined };

  it('uses an explicit host over DOCKER_HOST, DOCKER_CONTEXT and the sockets', async () => {
    const endpoint = await resolveEndpoint(
      inputs({ ...rootfulSocket, ...contextMeta(`${HOME}/.docker`, 'remote', 'tcp://c:2376') }, { DOCKER_HOST: 'tcp://a:2375', DOCKER_CONTEXT: 'remote' }, { host: 'ssh://me@b', source: '--host' }),
    );
    assert.deepEqual(endpoint, { host: 'ssh://me@b', source: '--host' });
  });

  it('ignores an empty explicit host (an unset setting)', async () => {
    const endpoint = await resolveEndpoint(inputs(rootfulSocket, { DOCKER_HOST: 'tcp://a:2375' }, { host: '  ', source: 'setting' }));
    assert.equal(endpoint.host, 'tcp://a:2375');
    assert.equal(endpoint.source, 'DOCKER_HOST');
  });

  it('takes a context named with --context over DOCKER_HOST and DOCKER_CONTEXT; --context default is the default socket', async () => {
    const configDir = `${HOME}/.docker`;
    const files = { ...rootfulSocket, ...contextMeta(configDir, 'remote', 'tcp://c:2376'), ...contextMeta(configDir, 'other', 'tcp://d:2376') };
    const named = await resolveEndpoint({ ...inputs(files, { DOCKER_HOST: 'tcp://a:2375', DOCKER_CONTEXT: 'other' }), explicitContext: { name: 'remote', source: '--context' } });
    assert.equal(named.host, 'tcp://c:2376');
    assert.equal(named.source, '--context');
    assert.equal(named.contextName, 'remote');
    const byDefault = await resolveEndpoint({ ...inputs(files, { DOCKER_HOST: 'tcp://a:2375' }), explicitContext: { name: 'default', source: '--context' } });
    assert.deepEqual(byDefault, { host: 'unix:///var/run/docker.sock', source: '--context' });
    await assert.rejects(resolveEndpoint({ ...inputs(files), explicitContext: { name: 'nowhere', source: '--context' } }), /nowhere/);
  });

  it('lets DOCKER_HOST beat DOCKER_CONTEXT', async () => {
    const endpoint = await resolveEndpoint(inputs(contextMeta(`${HOME}/.docker`, 'remote', 'tcp://c:2376'), { DOCKER_HOST: 'tcp://a:2375', DOCKER_CONTEXT: 'remote' }));
    assert.deepEqual(endpoint, { host: 'tcp://a:2375', source: 'DOCKER_HOST', tls: undefined });
  });

  it('takes TLS files for DOCKER_HOST from DOCKER_CERT_PATH and DOCKER_TLS_VERIFY', async () => {
    const endpoint = await resolveEndpoint(inputs({}, { DOCKER_HOST: 'tcp://a:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }));
    assert.deepEqual(endpoint.tls, { caFile: '/certs/ca.pem', certFile: '/certs/cert.pem', keyFile: '/certs/key.pem', verify: true });
  });

  it('reads DOCKER_CONTEXT from contexts/meta/<sha256 of name>/meta.json, with its TLS files', async () => {
    const configDir = `${HOME}/.docker`;
    const tlsDir = path.join(configDir, 'contexts', 'tls', sha('prod'), 'docker');
    const files = {
      ...contextMeta(configDir, 'prod', 'tcp://prod.example:2376'),
      [path.join(tlsDir, 'ca.pem')]: 'CA',
      [path.join(tlsDir, 'cert.pem')]: 'CERT',
      [path.join(tlsDir, 'key.pem')]: 'KEY',
      ...rootfulSocket,
    };
    const endpoint = await resolveEndpoint(inputs(files, { DOCKER_CONTEXT: 'prod' }));
    assert.deepEqual(endpoint, {
      host: 'tcp://prod.example:2376',
      contextName: 'prod',
      source: 'DOCKER_CONTEXT',
      tls: { caFile: path.join(tlsDir, 'ca.pem'), certFile: path.join(tlsDir, 'cert.pem'), keyFile: path.join(tlsDir, 'key.pem'), verify: true },
    });
  });

  it('gives a context without TLS files no tls, and SkipTLSVerify gives verify false', async () => {
    const configDir = `${HOME}/.docker`;
    const plain = await resolveEndpoint(inputs(contextMeta(configDir, 'ssh-box', 'ssh://me@box'), { DOCKER_CONTEXT: 'ssh-box' }));
    assert.equal(plain.host, 'ssh://me@box');
    assert.equal(plain.tls, undefined);
    const skip = await resolveEndpoint(inputs(contextMeta(configDir, 'lab', 'tcp://lab:2376', true), { DOCKER_CONTEXT: 'lab' }));
    assert.deepEqual(skip.tls, { caFile: undefined, certFile: undefined, keyFile: undefined, verify: false });
  });

  it('uses the current context of config.json', async () => {
    const configDir = `${HOME}/.docker`;
    const files = {
      [path.join(configDir, 'config.json')]: JSON.stringify({ auths: {}, currentContext: 'colima' }),
      ...contextMeta(configDir, 'colima', 'unix:///home/me/.colima/default/docker.sock'),
      ...rootfulSocket,
    };
    const endpoint = await resolveEndpoint(inputs(files));
    assert.deepEqual(endpoint, { host: 'unix:///home/me/.colima/default/docker.sock', contextName: 'colima', source: 'current context', tls: undefined });
  });

  it('honours DOCKER_CONFIG for config.json and the contexts', async () => {
    const configDir = '/etc/docker-config';
    const files = {
      [path.join(configDir, 'config.json')]: JSON.stringify({ currentContext: 'other' }),
      ...contextMeta(configDir, 'other', 'tcp://other:2375'),
      // A config in ~/.docker that must be ignored.
      [path.join(HOME, '.docker', 'config.json')]: JSON.stringify({ currentContext: 'ignored' }),
    };
    const endpoint = await resolveEndpoint(inputs(files, { DOCKER_CONFIG: configDir }));
    assert.equal(endpoint.host, 'tcp://other:2375');
    assert.equal(endpoint.source, 'current context');
  });

  it('treats the "default" context (from DOCKER_CONTEXT or config.json) as "use the sockets"', async () => {
    const configDir = `${HOME}/.docker`;
    const files = { [path.join(configDir, 'config.json')]: JSON.stringify({ currentContext: 'default' }), ...rootfulSocket };
    assert.deepEqual(await resolveEndpoint(inputs(files)), { host: 'unix:///var/run/docker.sock', source: 'default socket' });
    // DOCKER_CONTEXT=default overrides a non-default current context.
    const files2 = { [path.join(configDir, 'config.json')]: JSON.stringify({ currentContext: 'gone' }), ...rootfulSocket };
    assert.deepEqual(await resolveEndpoint(inputs(files2, { DOCKER_CONTEXT: 'default' })), { host: 'unix:///var/run/docker.sock', source: 'default socket' });
  });

  it('takes the first socket that exists: rootful, $XDG_RUNTIME_DIR, ~/.docker/run, ~/.docker/desktop', async () => {
    const env = { XDG_RUNTIME_DIR: '/run/user/1000' };
    const all = {
      '/var/run/docker.sock': undefined,
      '/run/user/1000/docker.sock': undefined,
      [`${HOME}/.docker/run/docker.sock`]: undefined,
      [`${HOME}/.docker/desktop/docker.sock`]: undefined,
    };
    const order = Object.keys(all);
    for (let first = 0; first < order.length; first++) {
      const present = Object.fromEntries(order.slice(first).map((socket) => [socket, undefined]));
      const endpoint = await resolveEndpoint(inputs(present, env));
      assert.deepEqual(endpoint, { host: `unix://${order[first]}`, source: 'default socket' }, `sockets from ${order[first]}`);
    }
  });

  it('lists the sockets it tried when none exists', async () => {
    const endpoint = await resolveEndpoint(inputs({}, { XDG_RUNTIME_DIR: '/run/user/1000' }));
    assert.equal(endpoint.host, 'unix:///var/run/docker.sock');
    assert.equal(endpoint.source, 'default socket');
    assert.deepEqual(endpoint.socketsTried, [
      '/var/run/docker.sock',
      '/run/user/1000/docker.sock',
      `${HOME}/.docker/run/docker.sock`,
      `${HOME}/.docker/desktop/docker.sock`,
      '/run/user/1000/podman/podman.sock',
      '/run/podman/podman.sock',
    ]);
    assert.deepEqual(endpoint.socketsTried, defaultSocketCandidates({ XDG_RUNTIME_DIR: '/run/user/1000' }, HOME));
  });

  it('fails clearly for an unknown context, naming it and the meta.json looked for', async () => {
    const metaPath = path.join(HOME, '.docker', 'contexts', 'meta', sha('nosuch'), 'meta.json');
    await assert.rejects(resolveEndpoint(inputs(rootfulSocket, { DOCKER_CONTEXT: 'nosuch' })), (error: Error) => {
      assert.ok(error.message.includes('"nosuch"'), error.message);
      assert.ok(error.message.includes(metaPath), error.message);
      return true;
    });
  });

  it('fails clearly for a broken meta.json or config.json', async () => {
    const metaPath = path.join(HOME, '.docker', 'contexts', 'meta', sha('bad'), 'meta.json');
    await assert.rejects(resolveEndpoint(inputs({ [metaPath]: '{' }, { DOCKER_CONTEXT: 'bad' })), /not valid JSON/);
    const noDocker = path.join(HOME, '.docker', 'contexts', 'meta', sha('k8s'), 'meta.json');
    await assert.rejects(resolveEndpoint(inputs({ [noDocker]: '{"Endpoints":{}}' }, { DOCKER_CONTEXT: 'k8s' })), /has no docker endpoint/);
    await assert.rejects(resolveEndpoint(inputs({ [path.join(HOME, '.docker', 'config.json')]: 'nope' })), /config\.json is not valid JSON/);
  });

  it('normalises a bare socket path to unix://', async () => {
    assert.equal((await resolveEndpoint(inputs({}, { DOCKER_HOST: '/tmp/d.sock' }))).host, 'unix:///tmp/d.sock');
    assert.equal((await resolveEndpoint(inputs({}, {}, { host: ' /run/docker.sock ', source: 'setting' }))).host, 'unix:///run/docker.sock');
    assert.equal(normalizeHost('tcp://a:1'), 'tcp://a:1');
  });
});

describe('endpoint helpers', () => {
  it('contextDirName is the sha256 of the context name', () => {
    assert.equal(contextDirName('default'), '37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f');
  });

});

describe('listContexts', () => {
  it('lists the contexts docker context ls shows, by name, skipping broken ones', async () => {
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-contexts-'));
    try {
      const write = (name: string, text: string) => {
        const dir = path.join(configDir, 'contexts', 'meta', sha(name));
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'meta.json'), text);
      };
      write('remote', JSON.stringify({ Name: 'remote', Metadata: { Description: 'the build host' }, Endpoints: { docker: { Host: 'ssh://me@builder' } } }));
      write('desktop', JSON.stringify({ Name: 'desktop', Endpoints: { docker: { Host: 'unix:///home/me/.docker/desktop/docker.sock' } } }));
      write('broken', '{ not json');
      write('k8s-only', JSON.stringify({ Name: 'k8s-only', Endpoints: { kubernetes: {} } }));
      assert.deepEqual(await listContexts(configDir), [
        { name: 'desktop', host: 'unix:///home/me/.docker/desktop/docker.sock' },
        { name: 'remote', host: 'ssh://me@builder', description: 'the build host' },
      ]);
      assert.deepEqual(await listContexts(path.join(configDir, 'nowhere')), []);
    } finally {
      fs.rmSync(configDir, { recursive: true, force: true });
    }
  });
});

describe('localEngineSockets', () => {
  it("finds the sockets that exist: rootless Docker's, Docker Desktop's, Podman's and a Podman machine's; not files, not missing ones", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-sockets-'));
    const runtime = path.join(home, 'run');
    const listening: net.Server[] = [];
    const listen = async (socket: string) => {
      fs.mkdirSync(path.dirname(socket), { recursive: true });
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(socket, resolve));
      listening.push(server);
    };
    try {
      await listen(path.join(runtime, 'docker.sock'));
      await listen(path.join(home, '.docker', 'desktop', 'docker.sock'));
      await listen(path.join(runtime, 'podman', 'podman.sock'));
      await listen(path.join(home, '.local', 'share', 'containers', 'podman', 'machine', 'podman.sock'));
      // A plain file where Docker Desktop's other socket would be is no engine.
      fs.mkdirSync(path.join(home, '.docker', 'run'), { recursive: true });
      fs.writeFileSync(path.join(home, '.docker', 'run', 'docker.sock'), '');
      const found = (await localEngineSockets({ XDG_RUNTIME_DIR: runtime }, home)).filter((socket) => socket.startsWith(home));
      assert.deepEqual(found, [
        path.join(runtime, 'docker.sock'),
        path.join(home, '.docker', 'desktop', 'docker.sock'),
        path.join(runtime, 'podman', 'podman.sock'),
        path.join(home, '.local', 'share', 'containers', 'podman', 'machine', 'podman.sock'),
      ]);
    } finally {
      await Promise.all(listening.map((server) => new Promise((resolve) => server.close(resolve))));
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
