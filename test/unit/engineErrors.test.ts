import * as assert from 'node:assert/strict';
import { EngineEndpoint } from '../../src/core/engine/engineEndpoint';
import { EngineUnreachableError, classifyEngineError, describeSource, engineErrorKind } from '../../src/core/engine/engineErrors';

function socketError(code: string, address?: string): NodeJS.ErrnoException & { address?: string } {
  const error: NodeJS.ErrnoException & { address?: string } = new Error(`connect ${code} ${address ?? ''}`);
  error.code = code;
  error.syscall = 'connect';
  if (address) {
    error.address = address;
  }
  return error;
}

describe('classifyEngineError', () => {
  const endpoint: EngineEndpoint = { host: 'unix:///var/run/docker.sock', source: 'default socket' };

  const cases: [string, RegExp][] = [
    ['ENOENT', /socket does not exist/],
    ['EACCES', /permission denied.*"docker" group/],
    ['ECONNREFUSED', /connection refused/],
  ];
  for (const [code, hint] of cases) {
    it(`${code} → EngineUnreachableError naming the endpoint, its source and the cause`, () => {
      const error = classifyEngineError(socketError(code, '/var/run/docker.sock'), endpoint);
      assert.ok(error instanceof EngineUnreachableError);
      assert.equal(error.code, code);
      assert.equal(error.endpoint, endpoint);
      assert.equal(error.name, 'EngineUnreachableError');
      assert.ok(error.message.startsWith('Cannot connect to the Docker Engine at unix:///var/run/docker.sock (default socket): '), error.message);
      assert.ok(error.message.includes(`${code} (/var/run/docker.sock)`), error.message);
      assert.match(error.message, hint);
    });
  }

  it('names the context an endpoint came from', () => {
    const fromContext: EngineEndpoint = { host: 'tcp://10.0.0.5:2376', source: 'current context', contextName: 'lab' };
    const error = classifyEngineError(socketError('ECONNREFUSED'), fromContext);
    assert.match(error.message, /at tcp:\/\/10\.0\.0\.5:2376 \(current docker context "lab"\): ECONNREFUSED: connection refused/);
    assert.equal(describeSource({ host: 'x', source: 'DOCKER_CONTEXT', contextName: 'c' }), 'context "c" from DOCKER_CONTEXT');
    assert.equal(describeSource({ host: 'x', source: '--host' }), 'from --host');
  });

  it('turns an HTTP error into "Docker Engine error <status>: <message>"', () => {
    const httpError = Object.assign(new Error('(HTTP code 500) server error'), { statusCode: 500, json: { message: 'boom' } });
    const error = classifyEngineError(httpError, endpoint);
    assert.ok(!(error instanceof EngineUnreachableError));
    assert.equal(error.message, 'Docker Engine error 500: boom');
  });

  it("says in one line that a TLS server's certificate is not trusted, naming OpenSSL's verdict and where the CA comes from", () => {
    // What Node's TLS socket rejects with when the server's chain does not end at the given ca.pem.
    const untrusted = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const tcp: EngineEndpoint = { host: 'tcp://10.0.0.5:2376', source: 'DOCKER_HOST' };
    const error = classifyEngineError(untrusted, tcp);
    assert.ok(error instanceof EngineUnreachableError);
    assert.equal(error.code, 'SELF_SIGNED_CERT_IN_CHAIN');
    assert.equal(
      error.message,
      "Cannot connect to the Docker Engine at tcp://10.0.0.5:2376 (from DOCKER_HOST): TLS: the server's certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain): check the CA (ca.pem in DOCKER_CERT_PATH, or the context's TLS files)",
    );
    const altName = classifyEngineError(Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), tcp);
    assert.match(altName.message, /TLS: the server's certificate is not trusted \(ERR_TLS_CERT_ALTNAME_INVALID: /);
    const alert = classifyEngineError(Object.assign(new Error('80AC:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:\n'), { code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' }), tcp);
    assert.match(alert.message, /TLS: the handshake failed \(ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 80AC:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:\): check the client certificate and key/);
    assert.doesNotMatch(alert.message, /\n/);
    assert.equal(engineErrorKind(error), 'other', "the welcome view's words for a refused socket do not fit");
  });

  it("says in one line why ssh2 (dockerode's ssh transport) could not log in, from the level it marks errors with", () => {
    const ssh: EngineEndpoint = { host: 'ssh://me@build-host', source: '--host' };
    const failed = (message: string, level: string) => classifyEngineError(Object.assign(new Error(message), { level }), ssh);
    const auth = failed('All configured authentication methods failed', 'client-authentication');
    assert.ok(auth instanceof EngineUnreachableError);
    assert.equal(auth.code, 'SSH_AUTHENTICATION');
    assert.equal(
      auth.message,
      'Cannot connect to the Docker Engine at ssh://me@build-host (from --host): SSH: authentication failed (All configured authentication methods failed): the key must be in the ssh-agent that SSH_AUTH_SOCK names (ssh-add); keys in ~/.ssh are not read',
    );
    assert.match(failed('Failed to connect to agent', 'agent').message, /: SSH: the ssh-agent at SSH_AUTH_SOCK cannot be used \(Failed to connect to agent\)$/);
    assert.match(failed('Timed out while waiting for handshake', 'client-timeout').message, /: SSH: the handshake timed out/);
    assert.match(failed('Handshake failed: no matching host key format', 'handshake').message, /: SSH: the handshake failed \(Handshake failed/);
    // Normally the host key verifier's own reason replaces this (sshHostKeys.test.ts).
    assert.match(failed('Host denied (verification failed)', 'handshake').message, /: SSH: the host key was refused \(Host denied \(verification failed\)\): it must be in ~\/\.ssh\/known_hosts$/);
    assert.equal(engineErrorKind(auth), 'other');
    // A socket error on the way (ssh2's level client-socket) is still named by its code.
    const refused = classifyEngineError(Object.assign(socketError('ECONNREFUSED', '10.0.0.5'), { level: 'client-socket' }), ssh);
    assert.match(refused.message, /ECONNREFUSED \(10\.0\.0\.5\): connection refused/);
    assert.equal(engineErrorKind(refused), 'refused');
  });

  it('passes other errors through', () => {
    const other = new TypeError('x');
    assert.equal(classifyEngineError(other, endpoint), other);
    assert.equal(classifyEngineError('text', endpoint).message, 'text');
    assert.ok(!(classifyEngineError(socketError('EWHATEVER'), endpoint) instanceof EngineUnreachableError));
    assert.ok(!(classifyEngineError(Object.assign(new Error('x'), { level: 'sftp-protocol' }), endpoint) instanceof EngineUnreachableError));
  });
});
