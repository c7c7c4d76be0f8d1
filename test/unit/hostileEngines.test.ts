/**
 * Broken and hostile Engines, as fake daemons on loopback (helpers/fakeEngine.ts): each one gets a
 * one-line message naming the endpoint, in bounded time and memory, from the production client and
 * CLI, and nothing they say leaves the data root or reaches the terminal as an escape sequence.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { EngineClient, MAX_RESPONSE_BYTES } from '../../src/core/engine/engineClient';
import { EngineNotFoundError, EngineResponseError } from '../../src/core/engine/engineErrors';
import { EngineEventStream } from '../../src/core/engine/engineEventStream';
import { ImageCatalog } from '../../src/core/imageCatalog';
import { silentLogger } from '../../src/core/logger';
import { FakeEngine, recordedAnswer } from './helpers/fakeEngine';
import { imageFixture } from './helpers/fixtures';
import { runCli } from './helpers/runCli';

const APP = imageFixture('dle-app').inspect;
const json = (response: http.ServerResponse, body: unknown, status = 200) => {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
};
const isPath = (request: http.IncomingMessage, pattern: RegExp) => pattern.test(new URL(request.url ?? '/', 'http://engine').pathname);
/** One line on stderr, no stack frame, no output. */
const oneLineFailure = (run: { code: number; stdout: string; stderr: string }) => {
  assert.equal(run.code, 1, run.stderr);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
  assert.doesNotMatch(run.stderr, /\bat \S+ \(|TypeError/, run.stderr);
};

describe('broken and hostile Engines (fake daemons on loopback)', function () {
  this.timeout(20_000);
  let engine: FakeEngine;
  const env = () => ({ DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined });

  beforeEach(async () => {
    engine = await FakeEngine.start();
  });
  afterEach(async () => {
    await engine.stop();
  });

  it('answers like the recorded daemon when it behaves (the baseline the others break)', async () => {
    const run = await runCli(['ls', '-H', engine.host], env());
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^dle-app:1\.0, dle-app:latest +[0-9a-f]{12} /m);
  });

  it('prints every image of the list, each rendered as it loads, as one JSON array and as blank-line-separated text', async () => {
    const listed = (await (await EngineClient.connect({ host: engine.host, source: '--host' }, silentLogger)).listImages()).map((image) => image.Id);
    const json = await runCli(['ls', '--json', '-H', engine.host], env());
    assert.equal(json.code, 0, json.stderr);
    const images = JSON.parse(json.stdout) as { id: string; layers: unknown[] }[];
    assert.equal(json.stdout, `${JSON.stringify(images, null, 2)}\n`, 'what JSON.stringify(images, null, 2) prints');
    assert.deepEqual(images.map((image) => image.id).sort(), [...listed].sort());
    assert.ok(images.every((image) => image.layers.length > 0));
    const text = await runCli(['ls', '-l', '-H', engine.host], env());
    assert.equal(text.code, 0, text.stderr);
    const blocks = text.stdout.trimEnd().split('\n\n');
    assert.equal(blocks.length, listed.length, text.stdout);
    assert.ok(blocks.every((block) => /^\S.* \d+ layers?$/m.test(block.split('\n')[0])), text.stdout);
  });

  it('no images: ls --json prints [] without waiting for /info (which may fail)', async () => {
    engine.misbehave = (request, response) => {
      if (isPath(request, /\/images\/json$/)) {
        json(response, []);
        return true;
      }
      if (isPath(request, /\/info$/)) {
        json(response, { message: 'info is broken' }, 500);
        return true;
      }
      return false;
    };
    const run = await runCli(['ls', '--json', '-H', engine.host], env());
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '[]\n');
  });

  it('a stalled answer (headers, then nothing) fails at the deadline, with one line', async () => {
    engine.misbehave = (request, response) => {
      if (isPath(request, /\/images\/json$/)) {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.flushHeaders();
        return true;
      }
      return false;
    };
    const started = Date.now();
    const run = await runCli(['ls', '-H', engine.host, '--timeout', '1'], env());
    oneLineFailure(run);
    assert.match(run.stderr, new RegExp(`^docker-layers: No answer from the Docker Engine at ${engine.host.replace(/[.]/g, '\\.')} to GET /images/json: no whole answer within 1 s\n$`));
    assert.ok(Date.now() - started < 5000, 'at the deadline, not later');
  });

  it('a trickle (a byte every 100 ms) fails at the deadline too: it is for the whole answer, not between bytes', async () => {
    engine.misbehave = (request, response) => {
      if (isPath(request, /\/images\/json$/)) {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        const timer = setInterval(() => response.write(' '), 100);
        response.on('close', () => clearInterval(timer));
        return true;
      }
      return false;
    };
    const client = await EngineClient.connect({ host: engine.host, source: '--host' }, silentLogger, { deadlineMs: 800 });
    const started = Date.now();
    await assert.rejects(client.listImages(), (error: unknown) => error instanceof EngineResponseError && error.reason === 'deadline');
    assert.ok(Date.now() - started < 3000);
  });

  it('an answer cut short (the connection drops mid-body) fails with one line, and a whole one after it is read', async () => {
    let cut = true;
    engine.misbehave = (request, response) => {
      if (cut && isPath(request, /\/images\/json$/)) {
        response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
        response.write('[{"Id": "sha256:', () => response.socket?.destroy());
        return true;
      }
      return false;
    };
    const client = await EngineClient.connect({ host: engine.host, source: '--host' }, silentLogger, { deadlineMs: 5000 });
    const started = Date.now();
    await assert.rejects(client.listImages(), (error: unknown) => {
      assert.match(String((error as Error).message), new RegExp(`^[^\\n]*at ${engine.host.replace(/[.]/g, '\\.')}[^\\n]*$`));
      return true;
    });
    assert.ok(Date.now() - started < 3000, 'at once, not at the deadline');
    cut = false;
    assert.ok((await client.listImages()).length > 0);
  });

  it('an endless answer is cut at MAX_RESPONSE_BYTES: memory stays bounded', async () => {
    let written = 0;
    engine.misbehave = (request, response) => {
      if (isPath(request, /\/images\/json$/)) {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        const pump = () => {
          while (!response.destroyed && response.write(chunk)) {
            written += chunk.length;
          }
        };
        response.on('drain', pump);
        pump();
        return true;
      }
      return false;
    };
    const run = await runCli(['ls', '-H', engine.host], env());
    oneLineFailure(run);
    assert.match(run.stderr, /to GET \/images\/json: more than 32 MiB/);
    assert.ok(written < 4 * MAX_RESPONSE_BYTES, `the client stopped reading: ${written} bytes were sent`);
  });

  it('a redirect is an error and is not followed, on a unix socket and over TCP to another host', async () => {
    const elsewhere = await FakeEngine.start('tcp');
    const tcp = await FakeEngine.start('tcp');
    try {
      for (const hostile of [engine, tcp]) {
        hostile.misbehave = (request, response) => {
          if (isPath(request, /\/images\/json$/)) {
            response.writeHead(307, { Location: `${elsewhere.host.replace('tcp:', 'http:')}/images/json` });
            response.end();
            return true;
          }
          return false;
        };
        const run = await runCli(['ls', '-H', hostile.host], env());
        oneLineFailure(run);
        assert.match(run.stderr, /to GET \/images\/json: a redirect \(307 to http:\/\/127\.0\.0\.1:\d+\/images\/json\), which is not followed/);
      }
      // A Location docker-modem's redirect code could not even parse.
      engine.misbehave = (request, response) => {
        response.writeHead(301, { Location: 'foo:bar' });
        response.end();
        return true;
      };
      oneLineFailure(await runCli(['ls', '-H', engine.host], env()));
      assert.deepEqual(elsewhere.requests, [], 'nothing was sent where the redirects pointed');
    } finally {
      await elsewhere.stop();
      await tcp.stop();
    }
  });

  it('invalid JSON, or JSON of the wrong shape, is "an invalid response from the Engine at …"', async () => {
    const cases: [RegExp, unknown, RegExp][] = [
      [/\/images\/json$/, '{"Id": "sha256:', /GET \/images\/json: not JSON \(it begins "\{\\"Id\\": \\"sha256:"\)/],
      [/\/images\/json$/, { message: 'not a list' }, /GET \/images\/json: the answer is an object, not an array/],
      [/\/images\/json$/, [{ Id: 5 }], /GET \/images\/json: \[0\]\.Id is number, not a sha256 digest/],
      [/\/images\/json$/, [{ Id: 'sha256:../../etc' }], /\[0\]\.Id is "sha256:\.\.\/\.\.\/etc", not a sha256 digest/],
      [/\/history$/, { history: [] }, /\/history: the answer is an object, not an array/],
      [/\/images\/[^/]+\/json$/, { ...APP, RootFS: { Type: 'layers', Layers: ['../../../etc'] } }, /RootFS\.Layers\[0\] is "\.\.\/\.\.\/\.\.\/etc", not a sha256 digest/],
      [/\/info$/, { DockerRootDir: 7 }, /GET \/info: DockerRootDir is number, not a string/],
    ];
    for (const [route, body, message] of cases) {
      engine.misbehave = (request, response) => (isPath(request, route) ? (json(response, body), true) : false);
      const run = await runCli(['ls', '-l', '-H', engine.host], env());
      oneLineFailure(run);
      assert.match(run.stderr, /^docker-layers: Invalid response from the Docker Engine at unix:\/\/\S+ to GET /);
      assert.match(run.stderr, message);
    }
  });

  it('an image deleted between the list and its inspect is skipped with a warning; a named one that is gone fails', async () => {
    engine.misbehave = (request, response) => (isPath(request, new RegExp(`/images/${APP.Id}/(json|history)$`)) ? (json(response, { message: `No such image: ${APP.Id}` }, 404), true) : false);
    const run = await runCli(['ls', '-l', '-H', engine.host], env());
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, `docker-layers: warning: ${APP.Id.slice(7, 19)} skipped: No such image: ${APP.Id}\n`);
    assert.doesNotMatch(run.stdout, /dle-app/);
    assert.match(run.stdout, /^dle-base:latest /m, 'the others are listed');
    const named = await runCli(['ls', '-H', engine.host, APP.Id], env());
    assert.equal(named.code, 1);
    assert.match(named.stderr, /No such image/);
  });

  it('takes GraphDriver folders only under <DockerRootDir>/<driver>/: UpperDir /etc/diff is neither shown nor read', async () => {
    const base = recordedAnswer('/info') as { DockerRootDir: string };
    const hostile = { ...APP, GraphDriver: { Name: 'overlay2', Data: { UpperDir: '/etc/diff', LowerDir: (APP.GraphDriver?.Data?.LowerDir ?? '').split('/var/lib/docker').join(base.DockerRootDir) } } };
    engine.misbehave = (request, response) => (isPath(request, new RegExp(`/images/${APP.Id}/json$`)) ? (json(response, hostile), true) : false);
    const catalog = new ImageCatalog(await EngineClient.connect({ host: engine.host, source: '--host' }, silentLogger), silentLogger);
    const image = await catalog.imageLayers(APP.Id);
    assert.ok(image.layers.every((layer) => layer.diffDir === null), 'no folder for any layer');
    assert.deepEqual(image.folderLimitation, { code: 'outsideDriverFolder', reported: '/etc/diff', driverFolder: `${base.DockerRootDir}/overlay2` });
    const run = await runCli(['ls', '-H', engine.host, APP.Id], env());
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /^\s+\/etc/m);
    assert.match(run.stdout, /note: The Engine reported a layer folder outside its storage folder \/nonexistent\/dle-fake-engine\/overlay2 \(\/etc\/diff\); it is not shown or read\./);
    // A driver name that would climb out of the data root is not taken for one.
    engine.misbehave = (request, response) => (isPath(request, /\/info$/) ? (json(response, { ...base, Driver: '../../etc' }), true) : false);
    const climbing = new ImageCatalog(await EngineClient.connect({ host: engine.host, source: '--host' }, silentLogger), silentLogger);
    assert.equal((await climbing.storage()).driver, 'unknown');
  });

  it('strips terminal escapes (C0 and C1) that tags and build steps carry from the text output', async () => {
    const escapes = '\u001b]0;owned\u0007\u001b[2J\u009b31m';
    engine.misbehave = (request, response) => {
      if (isPath(request, /\/images\/json$/)) {
        json(response, (recordedAnswer('/images/json') as { RepoTags?: string[] }[]).map((entry) => ({ ...entry, RepoTags: (entry.RepoTags ?? []).map((tag) => `${tag}${escapes}`) })));
        return true;
      }
      if (isPath(request, /\/history$/)) {
        const history = recordedAnswer(new URL(request.url ?? '', 'http://engine').pathname) as { CreatedBy: string }[];
        json(response, history.map((entry) => ({ ...entry, CreatedBy: `${entry.CreatedBy}${escapes}` })));
        return true;
      }
      return false;
    };
    for (const argv of [['ls'], ['ls', '-l']]) {
      const run = await runCli([...argv, '-H', engine.host], env());
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /\]0;owned/, 'the text is kept, the escapes go');
      assert.doesNotMatch(run.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    }
  });

  it("strips them from the notes and errors too: a folder outside the data root, an Engine's error message", async () => {
    const escapes = '\u001b]0;owned\u0007\u001b[2J\u009b31m';
    const base = recordedAnswer('/info') as { DockerRootDir: string };
    const lower = (APP.GraphDriver?.Data?.LowerDir ?? '').split('/var/lib/docker').join(base.DockerRootDir);
    const hostile = { ...APP, GraphDriver: { Name: 'overlay2', Data: { UpperDir: `/etc/diff${escapes}`, LowerDir: lower } } };
    engine.misbehave = (request, response) => (isPath(request, new RegExp(`/images/${APP.Id}/json$`)) ? (json(response, hostile), true) : false);
    const noted = await runCli(['ls', '-H', engine.host, APP.Id], env());
    assert.equal(noted.code, 0, noted.stderr);
    assert.match(noted.stdout, new RegExp(`note: .*${base.DockerRootDir.replace(/[/.]/g, '\\$&')}.*\\(/etc/diff\\]0;owned`), noted.stdout);
    assert.doesNotMatch(noted.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    engine.misbehave = (request, response) => (isPath(request, new RegExp(`/images/${APP.Id}/json$`)) ? (json(response, { message: `broken${escapes}` }, 500), true) : false);
    const failed = await runCli(['ls', '-H', engine.host, APP.Id], env());
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /broken\]0;owned/);
    assert.doesNotMatch(failed.stderr, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });

  it('an archive download that stalls fails after the deadline without data, and leaves no half-read answer', async () => {
    engine.misbehave = (request, response) => {
      if (isPath(request, /\/get$/)) {
        response.writeHead(200, { 'Content-Type': 'application/x-tar' });
        response.write(Buffer.alloc(512));
        return true;
      }
      return false;
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-stalled-save-'));
    try {
      for (const transport of ['unix', 'tcp'] as const) {
        const fake = transport === 'unix' ? engine : await FakeEngine.start('tcp');
        fake.misbehave = engine.misbehave;
        const client = await EngineClient.connect({ host: fake.host, source: '--host' }, silentLogger, { deadlineMs: 500 });
        let bytes = 0;
        await assert.rejects(client.saveImage(APP.Id, path.join(dir, `${transport}.tar`), { onBytes: (count) => (bytes = count) }), (error: unknown) => error instanceof EngineResponseError && /no data for 0\.5 s/.test(error.message));
        assert.equal(bytes, 512, `${transport}: the bytes that came were counted`);
        if (fake !== engine) {
          await fake.stop();
        }
      }
      const missing = await EngineClient.connect({ host: engine.host, source: '--host' }, silentLogger);
      engine.misbehave = (request, response) => (json(response, { message: 'No such image: x' }, 404), true);
      await assert.rejects(missing.saveImage(APP.Id, path.join(dir, 'gone.tar')), EngineNotFoundError);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an event "line" longer than 1 MiB is no event: the stream is dropped and reconnected', async () => {
    let connections = 0;
    engine.misbehave = (request, response) => {
      if (isPath(request, /\/events$/)) {
        connections++;
        response.writeHead(200, { 'Content-Type': 'application/json' });
        if (connections === 1) {
          response.write('x'.repeat(2 * 1024 * 1024));
        } else {
          response.write(`${JSON.stringify({ Type: 'image', Action: 'tag', Actor: { ID: APP.Id } })}\n`);
        }
        return true;
      }
      return false;
    };
    const client = await EngineClient.connect({ host: engine.host, source: '--host' }, silentLogger);
    const events: string[] = [];
    const disconnects: string[] = [];
    const stream = new EngineEventStream(
      client,
      { types: ['image'], onEvent: (event) => events.push(event.Action ?? ''), onDisconnected: (error) => disconnects.push(error?.message ?? ''), initialRetryMs: 50 },
      silentLogger,
    );
    stream.start();
    try {
      const until = Date.now() + 5000;
      while (events.length === 0 && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(events, ['tag'], 'the event after the reconnection arrives');
      assert.equal(connections, 2);
      assert.match(disconnects[0] ?? '', /longer than 1 MiB/);
    } finally {
      stream.stop();
    }
  });
});
