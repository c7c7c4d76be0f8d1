/** The image archive download over a unix socket: HTTP decoding, the file it writes, and every way it can fail. */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { EngineClient } from '../../src/core/engine/engineClient';
import { EngineHttpError, EngineNotFoundError } from '../../src/core/engine/engineErrors';
import { HttpProtocolError, HttpResponseDecoder } from '../../src/core/engine/httpResponseDecoder';
import { EngineStatusError, downloadOverUnixSocket } from '../../src/core/engine/socketDownload';
import { silentLogger } from '../../src/core/logger';

function decode(pieces: Buffer[]): { decoder: HttpResponseDecoder; body: Buffer } {
  const decoder = new HttpResponseDecoder();
  const body: Buffer[] = [];
  for (const piece of pieces) {
    decoder.write(piece, (data) => body.push(Buffer.from(data)));
  }
  return { decoder, body: Buffer.concat(body) };
}

const bytesOf = (text: string) => [...Buffer.from(text, 'latin1')].map((byte) => Buffer.from([byte]));

describe('HttpResponseDecoder', () => {
  const chunked = 'HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\nX-Trailer: t\r\n\r\n';

  it('decodes a chunked body, whole or a byte at a time', () => {
    for (const pieces of [[Buffer.from(chunked, 'latin1')], bytesOf(chunked)]) {
      const { decoder, body } = decode(pieces);
      assert.equal(decoder.statusCode, 200);
      assert.equal(decoder.headers.get('content-type'), 'application/x-tar');
      assert.equal(body.toString(), 'hello world!');
      assert.equal(decoder.done, true);
      assert.equal(decoder.bodyBytes, 12);
    }
  });

  it('decodes a sized body and a body that ends with the connection', () => {
    const sized = decode(bytesOf('HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\n{}\r\nignored'));
    assert.deepEqual([sized.decoder.statusCode, sized.body.toString(), sized.decoder.done], [404, '{}\r\n', true]);
    const toClose = decode([Buffer.from('HTTP/1.0 200 OK\r\n\r\nab'), Buffer.from('cd')]);
    assert.equal(toClose.decoder.done, false);
    toClose.decoder.end();
    assert.deepEqual([toClose.body.toString(), toClose.decoder.done], ['abcd', true]);
  });

  it('says a cut-short body is truncated, and rejects what is not HTTP', () => {
    const cut = decode([Buffer.from(chunked.slice(0, chunked.indexOf('world') + 2), 'latin1')]);
    assert.throws(() => cut.decoder.end(), (error: unknown) => error instanceof HttpProtocolError && /after 8 bytes, before the response ended \(truncated\)/.test(error.message));
    assert.throws(() => decode([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc')]).decoder.end(), /truncated/);
    assert.throws(() => decode([Buffer.from('SSH-2.0-OpenSSH_9.2\r\n\r\n')]), /not an HTTP response/);
    assert.throws(() => decode([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')]), /a bad chunk size/);
    assert.throws(() => decode([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n')]), /longer than its size/);
    assert.throws(() => decode([Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n')]), /a bad Content-Length/);
    assert.throws(() => decode([Buffer.from(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`)]), /no end of the response headers/);
    assert.throws(() => decode([Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'0'.repeat(5000)}`)]), /too long/);
    assert.throws(() => new HttpResponseDecoder().end(), /closed before a response/);
  });
});

describe('downloadOverUnixSocket and EngineClient.saveImage', () => {
  let dir: string;
  let socket: string;
  let server: net.Server;
  let answer: (request: http.IncomingMessage, response: http.ServerResponse) => void;
  /** Raw socket answers (for what an HTTP server would not send). */
  let raw: ((connection: net.Socket) => void) | undefined;
  const connections = new Set<net.Socket>();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-download-'));
    socket = path.join(dir, 'docker.sock');
    const httpServer = http.createServer((request, response) => answer(request, response));
    server = net.createServer((connection) => {
      connections.add(connection);
      connection.on('close', () => connections.delete(connection));
      if (raw) {
        raw(connection);
      } else {
        httpServer.emit('connection', connection);
      }
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
  });
  after(async () => {
    connections.forEach((connection) => connection.destroy());
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    raw = undefined;
  });

  it('writes a 9 MB chunked answer to the file, byte for byte, and reports progress', async () => {
    const archive = randomBytes(9 * 1024 * 1024 + 17);
    let asked = '';
    answer = (request, response) => {
      asked = `${request.method} ${request.url}`;
      response.writeHead(200, { 'Content-Type': 'application/x-tar' });
      let at = 0;
      const more = () => {
        while (at < archive.length) {
          const size = 1 + ((at * 7919) % 300_000);
          const ok = response.write(archive.subarray(at, at + size));
          at += size;
          if (!ok) {
            response.once('drain', more);
            return;
          }
        }
        response.end();
      };
      more();
    };
    const file = path.join(dir, 'out.tar');
    const seen: number[] = [];
    const size = await downloadOverUnixSocket(socket, '/images/sha256:abc/get', file, { onBytes: (bytes) => seen.push(bytes) });
    assert.equal(asked, 'GET /images/sha256:abc/get');
    assert.equal(size, archive.length);
    assert.ok(fs.readFileSync(file).equals(archive), 'the file holds exactly the body');
    assert.equal(seen.at(-1), archive.length);
    assert.ok(seen.every((bytes, i) => i === 0 || bytes >= seen[i - 1]), 'progress only grows');
  });

  it('turns an error answer into the message the Engine gave', async () => {
    answer = (_request, response) => {
      response.writeHead(404, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ message: 'No such image: sha256:abc' }));
    };
    await assert.rejects(downloadOverUnixSocket(socket, '/images/sha256:abc/get', path.join(dir, 'missing.tar')), (error: unknown) => {
      return error instanceof EngineStatusError && error.statusCode === 404 && error.message === 'No such image: sha256:abc';
    });
  });

  it('rejects a truncated answer, a peer that is not HTTP, and a missing socket', async () => {
    raw = (connection) => {
      connection.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nonly half');
    };
    await assert.rejects(downloadOverUnixSocket(socket, '/x', path.join(dir, 'cut.tar')), /after 9 bytes, before the response ended \(truncated\)/);
    raw = (connection) => {
      connection.end('SSH-2.0-OpenSSH_9.2\r\n');
    };
    await assert.rejects(downloadOverUnixSocket(socket, '/x', path.join(dir, 'ssh.tar')), /closed before a response/);
    await assert.rejects(downloadOverUnixSocket(path.join(dir, 'none.sock'), '/x', path.join(dir, 'none.tar')), /ENOENT/);
  });

  it('stops at once when aborted, even when the daemon never answers', async () => {
    raw = () => undefined; // Accepts and says nothing.
    const controller = new AbortController();
    const download = downloadOverUnixSocket(socket, '/x', path.join(dir, 'stalled.tar'), { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(download, (error: unknown) => (error as Error).name === 'AbortError');
  });

  it('EngineClient.saveImage classifies the answers as every other request', async () => {
    const client = await EngineClient.connect({ host: `unix://${socket}`, source: '--host' }, silentLogger);
    const id = `sha256:${'a'.repeat(64)}`;
    answer = (_request, response) => {
      response.writeHead(404, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ message: `No such image: ${id}` }));
    };
    await assert.rejects(client.saveImage(id, path.join(dir, 'a.tar')), (error: unknown) => error instanceof EngineNotFoundError && /No such image/.test(error.message));
    answer = (_request, response) => {
      response.writeHead(500, { 'Content-Type': 'text/html' });
      response.end('<html>\n<body><h1>Internal Server Error</h1></body>\n</html>\n');
    };
    await assert.rejects(client.saveImage(id, path.join(dir, 'b.tar')), (error: unknown) => error instanceof EngineHttpError && !error.message.includes('\n'));
    answer = (_request, response) => {
      response.writeHead(200);
      response.end('tar bytes');
    };
    assert.equal(await client.saveImage(id, path.join(dir, 'c.tar')), 9);
    assert.equal(fs.readFileSync(path.join(dir, 'c.tar'), 'utf8'), 'tar bytes');
  });
});
