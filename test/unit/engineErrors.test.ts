import * as assert from 'node:assert/strict';
import { EngineEndpoint } from '../../src/core/engine/engineEndpoint';
import { EngineUnreachableError, classifyEngineError, describeSource } from '../../src/core/engine/engineErrors';

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

  it('passes other errors through', () => {
    const other = new TypeError('x');
    assert.equal(classifyEngineError(other, endpoint), other);
    assert.equal(classifyEngineError('text', endpoint).message, 'text');
    assert.ok(!(classifyEngineError(socketError('EWHATEVER'), endpoint) instanceof EngineUnreachableError));
  });
});
