import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as https from 'https';
import * as path from 'path';
import { dockerodeOptionsFor } from '../../src/core/engine/dockerodeOptions';
import { EndpointConfigError } from '../../src/core/engine/engineErrors';
import { TEST_KEYS } from './helpers/sshTestKeys';

describe('dockerodeOptionsFor', () => {
  let certDir: string;
  before(() => {
    certDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-tls-'));
    for (const name of ['ca', 'cert', 'key']) {
      fs.writeFileSync(path.join(certDir, `${name}.pem`), `-----${name.toUpperCase()}-----`);
    }
  });
  after(() => fs.rmSync(certDir, { recursive: true, force: true }));

  it('unix:// → socketPath, every network key cleared (docker-modem would merge DOCKER_HOST otherwise)', async () => {
    const options = await dockerodeOptionsFor({ host: 'unix:///var/run/docker.sock', source: 'default socket' });
    assert.deepEqual(options, {
      socketPath: '/var/run/docker.sock',
      host: undefined,
      port: undefined,
      protocol: undefined,
      ca: undefined,
      cert: undefined,
      key: undefined,
    });
    assert.ok('host' in options && 'protocol' in options, 'keys are present, set to undefined');
  });

  // Regression: WHATWG URL normalises the
  // "." segment, so npipe:////./pipe/docker_engine gives socketPath "//pipe/docker_engine", not the
  // Windows pipe "//./pipe/docker_engine" that docker-modem needs.
  it('npipe:////./pipe/docker_engine → the pipe path //./pipe/docker_engine', async () => {
    const options = await dockerodeOptionsFor({ host: 'npipe:////./pipe/docker_engine', source: 'default socket' });
    assert.equal(options.socketPath, '//./pipe/docker_engine');
  });

  it('tcp:// without TLS → http on the given port, default 2375', async () => {
    const options = await dockerodeOptionsFor({ host: 'tcp://10.0.0.5:2375', source: 'DOCKER_HOST' });
    assert.equal(options.protocol, 'http');
    assert.equal(options.host, '10.0.0.5');
    assert.equal(options.port, 2375);
    assert.equal(options.socketPath, undefined);
    assert.equal(options.ca, undefined);
    assert.equal((await dockerodeOptionsFor({ host: 'tcp://docker-host', source: 'DOCKER_HOST' })).port, 2375);
    assert.equal((await dockerodeOptionsFor({ host: 'docker-host:1234', source: '--host' })).port, 1234, 'no scheme means tcp');
  });

  it('tcp://…:2376 → https', async () => {
    const options = await dockerodeOptionsFor({ host: 'tcp://docker-host:2376', source: 'DOCKER_HOST' });
    assert.equal(options.protocol, 'https');
    assert.equal(options.port, 2376);
  });

  it('ssh://user@host:2222 → ssh protocol with user and port, the agent, and a host key verifier', async () => {
    const knownHosts = { files: [path.join(certDir, 'no-known-hosts')], home: certDir };
    const options = (await dockerodeOptionsFor({ host: 'ssh://deploy@build.example:2222', source: 'current context' }, knownHosts)) as Record<string, unknown>;
    assert.equal(options.protocol, 'ssh');
    assert.equal(options.host, 'build.example');
    assert.equal(options.port, 2222);
    assert.equal(options.username, 'deploy');
    assert.equal(options.socketPath, undefined);
    const { agent, hostVerifier, ...rest } = options.sshOptions as Record<string, unknown>;
    assert.equal(agent, process.env.SSH_AUTH_SOCK);
    assert.equal(typeof hostVerifier, 'function', 'without one, ssh2 takes any host key');
    assert.deepEqual(rest, {}, "no key known: ssh2's own host key algorithms");
    const plain = await dockerodeOptionsFor({ host: 'ssh://build.example', source: 'current context' }, knownHosts);
    assert.equal(plain.port, 22);
    assert.equal(plain.username, undefined);
  });

  it('ssh:// asks first for the host key algorithms of the keys known_hosts has for the host', async () => {
    const file = path.join(certDir, 'known_hosts');
    fs.writeFileSync(file, `[build.example]:2222 ${TEST_KEYS.rsa.line}\nbuild.example ${TEST_KEYS.ed25519A.line}\n`);
    const options = await dockerodeOptionsFor({ host: 'ssh://build.example:2222', source: 'DOCKER_HOST' }, { files: [file], home: certDir });
    const preferred = ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
    assert.deepEqual(options.sshOptions?.algorithms, { serverHostKey: { remove: preferred, prepend: preferred, append: [] } });
    assert.deepEqual(Object.keys(options.sshOptions?.algorithms?.serverHostKey ?? {}), ['remove', 'prepend', 'append'], 'ssh2 applies them in this order');
  });

  it('https:// with TLS files → https with their contents; verify false skips the server check', async () => {
    const tls = { caFile: path.join(certDir, 'ca.pem'), certFile: path.join(certDir, 'cert.pem'), keyFile: path.join(certDir, 'key.pem') };
    const verified = await dockerodeOptionsFor({ host: 'https://secure.example:9443', source: 'DOCKER_CONTEXT', tls: { ...tls, verify: true } });
    assert.equal(verified.protocol, 'https');
    assert.equal(verified.host, 'secure.example');
    assert.equal(verified.port, 9443);
    assert.equal(String(verified.ca), '-----CA-----');
    assert.equal(String(verified.cert), '-----CERT-----');
    assert.equal((verified.key as Buffer).toString(), '-----KEY-----');
    assert.equal((verified as Record<string, unknown>).agent, undefined, 'verified: the default agent checks the server');

    const unverified = (await dockerodeOptionsFor({ host: 'tcp://lab:2375', source: 'DOCKER_CONTEXT', tls: { caFile: tls.caFile, verify: false } })) as Record<string, unknown>;
    assert.equal(unverified.protocol, 'https', 'TLS files make tcp:// use https');
    assert.equal(String(unverified.ca), '-----CA-----');
    assert.equal(unverified.cert, undefined);
    const agent = unverified.agent as https.Agent;
    assert.ok(agent instanceof https.Agent, 'an agent of its own for an unverified server');
    assert.equal(agent.options.rejectUnauthorized, false);
    assert.equal(String(agent.options.ca), '-----CA-----');
  });

  it('fails for a TLS file that does not exist with a configuration error naming it', async () => {
    const missing = path.join(certDir, 'missing.pem');
    await assert.rejects(
      dockerodeOptionsFor({ host: 'tcp://a:2376', source: 'DOCKER_HOST', tls: { caFile: missing, verify: true } }),
      (error: Error) => error instanceof EndpointConfigError && error.message.includes(missing) && /ENOENT/.test(error.message),
    );
  });

  it('rejects unsupported schemes and unparsable hosts', async () => {
    await assert.rejects(dockerodeOptionsFor({ host: 'fd://', source: '--host' }), /Unsupported Docker host "fd:\/\/"/);
    await assert.rejects(dockerodeOptionsFor({ host: 'tcp://[bad', source: '--host' }), /not a valid address/);
  });
});
