/**
 * A fake Engine on loopback (a unix socket in a temp folder, or TCP on 127.0.0.1) that answers the
 * recorded daemon's requests, except where a test makes one route misbehave: stall, trickle, never
 * end, redirect, lie. The hostile-endpoint tests run the production client and CLI against it.
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo, Socket } from 'net';
import * as os from 'os';
import * as path from 'path';
import { IMAGE_FIXTURE_NAMES, imageFixture, imagesListFixture, infoFixture } from './fixtures';

/** Answers one request, or returns false to let the recorded answer through. */
export type Misbehaviour = (request: http.IncomingMessage, response: http.ServerResponse) => boolean;

export class FakeEngine {
  /** Request paths, as they arrived. */
  readonly requests: string[] = [];
  misbehave: Misbehaviour = () => false;
  private readonly sockets = new Set<Socket>();
  private dir?: string;

  private constructor(
    private readonly server: http.Server,
    readonly host: string,
  ) {}

  static async start(transport: 'unix' | 'tcp' = 'unix'): Promise<FakeEngine> {
    let engine: FakeEngine | undefined;
    const server = http.createServer((request, response) => engine!.answer(request, response));
    if (transport === 'unix') {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-fake-engine-'));
      const socket = path.join(dir, 'engine.sock');
      await new Promise<void>((resolve) => server.listen(socket, resolve));
      engine = new FakeEngine(server, `unix://${socket}`);
      engine.dir = dir;
    } else {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      engine = new FakeEngine(server, `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
    server.on('connection', (socket) => {
      engine.sockets.add(socket);
      socket.on('close', () => engine.sockets.delete(socket));
    });
    return engine;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise((resolve) => this.server.close(resolve));
    if (this.dir) {
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private answer(request: http.IncomingMessage, response: http.ServerResponse): void {
    this.requests.push(request.url ?? '');
    if (this.misbehave(request, response)) {
      return;
    }
    const body = recordedAnswer(new URL(request.url ?? '/', 'http://engine').pathname);
    if (body === undefined) {
      response.writeHead(404, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ message: `no such object: ${request.url}` }));
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(body));
  }
}

/** What the recorded daemon answered to a path (without the /v1.xx prefix), or undefined for 404. */
export function recordedAnswer(pathname: string): unknown {
  const route = pathname.replace(/^\/v[0-9.]+\//, '/');
  if (route === '/info') {
    // A data root that holds none of these images, so no test reads this machine's /var/lib/docker.
    return { ...infoFixture(), DockerRootDir: '/nonexistent/dle-fake-engine' };
  }
  if (route === '/version') {
    return { Version: '20.10.24', ApiVersion: '1.41', Os: 'linux', Arch: 'amd64' };
  }
  if (route === '/_ping') {
    return 'OK';
  }
  if (route === '/images/json') {
    const recorded = new Set(IMAGE_FIXTURE_NAMES.map((name) => imageFixture(name).inspect.Id));
    return imagesListFixture().filter((entry) => recorded.has(entry.Id));
  }
  if (route === '/containers/json') {
    return [];
  }
  const image = /^\/images\/(.+)\/(json|history)$/.exec(route);
  if (image) {
    const reference = decodeURIComponent(image[1]);
    for (const name of IMAGE_FIXTURE_NAMES) {
      const fixture = imageFixture(name);
      if (fixture.inspect.Id === reference || fixture.inspect.Id.slice('sha256:'.length).startsWith(reference) || fixture.inspect.RepoTags?.includes(reference)) {
        return image[2] === 'json' ? fixture.inspect : fixture.history;
      }
    }
  }
  return undefined;
}
