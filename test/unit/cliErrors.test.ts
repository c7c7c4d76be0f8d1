/**
 * The CLI's errors the core knows (configuration, TLS files, endpoint, Engine HTTP) print as one
 * line with no stack, against a fake Engine on a unix socket in a temp folder.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { oneLine } from '../../src/core/engine/engineErrors';
import { runCli } from './helpers/runCli';

describe('docker-layers errors', () => {
  let dir: string;
  let socket: string;
  let server: http.Server;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-cli-errors-'));
    socket = path.join(dir, 'engine.sock');
    // An Engine that fails every request with a whole HTML page, as a proxy in front of one might.
    server = http.createServer((_request, response) => {
      response.writeHead(500, { 'Content-Type': 'text/html' });
      response.end('<html>\n<head><title>500 Internal Server Error</title></head>\n<body><h1>Internal Server Error</h1>\n<p>upstream failed</p></body>\n</html>\n');
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prints an Engine HTTP error as one line, without the HTML and without a stack', async () => {
    const { code, stdout, stderr } = await runCli(['ls', '-H', `unix://${socket}`]);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
    assert.match(stderr, /^docker-layers: Docker Engine error 500: /);
    assert.match(stderr, /Internal Server Error/);
    assert.doesNotMatch(stderr, /<|\bat \S+ \(/, 'no markup, no stack frames');
  });

  it('prints an unreadable TLS file as one line naming the file', async () => {
    const missing = path.join(dir, 'no-such-certs');
    const { code, stderr } = await runCli(['ls'], { DOCKER_HOST: 'tcp://127.0.0.1:1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: missing, DOCKER_CONTEXT: undefined });
    assert.equal(code, 1);
    assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
    assert.match(stderr, new RegExp(`TLS file ${missing.replace(/[.]/g, '\\.')}/ca\\.pem cannot be read`));
  });

  it('refuses --host with --context, as the docker CLI does, and names an unknown context in one line', async () => {
    const both = await runCli(['ls', '-H', 'unix:///nowhere.sock', '--context', 'remote']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--host and --context cannot both be given/);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-context-'));
    try {
      const unknown = await runCli(['ls', '--context', 'no-such-context'], { HOME: home, DOCKER_CONFIG: path.join(home, '.docker'), DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined });
      assert.equal(unknown.code, 1, unknown.stderr);
      assert.equal(unknown.stderr.trim().split('\n').length, 1, unknown.stderr);
      assert.match(unknown.stderr, /no-such-context/);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('prints a broken endpoint URL as one line', async () => {
    const { code, stderr } = await runCli(['ls', '-H', 'ftp://example']);
    assert.equal(code, 1);
    assert.equal(stderr, 'docker-layers: Unsupported Docker host "ftp://example": use unix://, tcp://, ssh:// or npipe://\n');
  });

  it('prints an unknown command as usage, exit 2', async () => {
    const { code, stderr } = await runCli(['lls']);
    assert.equal(code, 2);
    assert.match(stderr, /^docker-layers: unknown command "lls"\nUsage: docker-layers ls/);
  });

  it('oneLine folds markup and white space and cuts long text', () => {
    assert.equal(oneLine('<p>a\n\n  b</p>'), 'a b');
    assert.equal(oneLine('x'.repeat(400)).length, 300);
  });
});
