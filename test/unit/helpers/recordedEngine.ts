/**
 * The recorded daemon as an EngineApi, and the production ImageCatalog over it: tests get images
 * and layers the way the extension and the CLI do, never by assembling them by hand.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import { EngineApi, SaveImageOptions } from '../../../src/core/engine/engineApi';
import { EngineEndpoint } from '../../../src/core/engine/engineEndpoint';
import { EngineNotFoundError } from '../../../src/core/engine/engineErrors';
import {
  ContainerInspect,
  ContainerListEntry,
  EngineInfo,
  EngineVersion,
  ImageHistoryEntry,
  ImageInspect,
  ImageListEntry,
} from '../../../src/core/engine/engineTypes';
import { ImageCatalog } from '../../../src/core/imageCatalog';
import { silentLogger } from '../../../src/core/logger';
import { chainIdsOf } from '../../../src/core/model/chainIds';
import { digestHex } from '../../../src/core/digest';
import { ImageLayers } from '../../../src/core/model/imageLayers';
import { CONTAINER_FIXTURE_NAMES, ContainerFixture, containerFixture, containersListFixture } from './containerFixtures';
import { IMAGE_FIXTURE_NAMES, ImageFixture, ImageFixtureName, LOCAL_SOCKET_ENDPOINT, imageFixture, imagesListFixture, infoFixture } from './fixtures';

export interface RecordedAnswers {
  images?: ImageFixture[];
  containers?: ContainerFixture[];
  /** `docker save` of an image, by image ID. */
  archives?: Record<string, Buffer>;
  /** How a container's inspect is answered (e.g. as the containerd store would). */
  inspectContainerAs?: (fixture: ContainerFixture) => ContainerInspect;
}

/** Answers like the recorded daemon; counts requests. */
export class RecordedEngine implements EngineApi {
  readonly requests: string[] = [];
  listAnswer: ContainerListEntry[] = containersListFixture();
  failNextContainerList = false;
  private readonly images: ImageFixture[];
  private readonly containers: ContainerFixture[];
  private readonly dataRoot: string;

  constructor(
    readonly endpoint: EngineEndpoint,
    private readonly infoAnswer: EngineInfo,
    private readonly answers: RecordedAnswers = {},
  ) {
    // A daemon reports its folders under its own data root: the recording's paths move with it.
    this.dataRoot = infoAnswer.DockerRootDir ?? RECORDED_DATA_ROOT;
    this.images = (answers.images ?? IMAGE_FIXTURE_NAMES.map(imageFixture)).map((fixture) => ({ ...fixture, inspect: rebased(fixture.inspect, this.dataRoot) }));
    this.containers = (answers.containers ?? CONTAINER_FIXTURE_NAMES.map(containerFixture)).map((fixture) => ({ ...fixture, inspect: rebased(fixture.inspect, this.dataRoot) }));
  }

  async info(): Promise<EngineInfo> {
    this.requests.push('info');
    return this.infoAnswer;
  }
  async version(): Promise<EngineVersion> {
    this.requests.push('version');
    return { Version: 'recorded' };
  }
  async listImages(): Promise<ImageListEntry[]> {
    this.requests.push('listImages');
    return imagesListFixture();
  }
  async inspectImage(reference: string): Promise<ImageInspect> {
    this.requests.push(`inspect ${reference}`);
    return this.findImage(reference).inspect;
  }
  async imageHistory(reference: string): Promise<ImageHistoryEntry[]> {
    this.requests.push(`history ${reference}`);
    return this.findImage(reference).history;
  }
  async listContainers(): Promise<ContainerListEntry[]> {
    this.requests.push('listContainers');
    if (this.failNextContainerList) {
      this.failNextContainerList = false;
      throw new Error('connect ECONNREFUSED /var/run/docker.sock');
    }
    return this.listAnswer;
  }
  async inspectContainer(reference: string): Promise<ContainerInspect> {
    this.requests.push(`inspectContainer ${reference}`);
    const found = this.containers.find(({ inspect }) => inspect.Id === reference || inspect.Id.startsWith(reference) || inspect.Name === `/${reference}`);
    if (!found) {
      throw new EngineNotFoundError(reference, `No such container: ${reference}`);
    }
    return this.answers.inspectContainerAs ? rebased(this.answers.inspectContainerAs(found), this.dataRoot) : found.inspect;
  }
  /** The archive this test gave for an image, or a 404 as a daemon without it answers. */
  async saveImage(reference: string, file: string, options: SaveImageOptions = {}): Promise<number> {
    this.requests.push(`export ${reference}`);
    const archive = this.answers.archives?.[this.findImage(reference).inspect.Id];
    if (!archive) {
      throw new EngineNotFoundError(reference, `no archive recorded for ${reference}`);
    }
    await pipeline(Readable.from([archive]), fs.createWriteStream(file), { signal: options.signal });
    // In two pieces, as a socket would hand it over.
    const cut = Math.floor(archive.length / 3);
    options.onData?.(archive.subarray(0, cut));
    options.onData?.(archive.subarray(cut));
    options.onBytes?.(archive.length);
    return archive.length;
  }
  async events(): Promise<Readable> {
    this.requests.push('events');
    return Readable.from([]);
  }

  private findImage(reference: string): ImageFixture {
    const image = this.images.find(
      ({ inspect }) =>
        inspect.Id === reference || inspect.Id.startsWith(`sha256:${reference}`) || (inspect.RepoTags ?? []).some((tag) => tag === reference || tag === `${reference}:latest`),
    );
    if (!image) {
      throw new EngineNotFoundError(reference, `No such image: ${reference}`);
    }
    return image;
  }
}

let materialized: string | undefined;

/**
 * A data root on disk made from the recorded layerdb, image configs and container mounts of every
 * fixture (what root sees under /var/lib/docker/image/overlay2), so root's code path reads real
 * files. Made once per process, removed at exit.
 */
export function recordedDataRoot(): string {
  if (materialized) {
    return materialized;
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dle-recorded-root-'));
  const image = path.join(root, 'image', 'overlay2');
  for (const name of IMAGE_FIXTURE_NAMES) {
    const fixture = imageFixture(name);
    fs.mkdirSync(path.join(image, 'imagedb', 'content', 'sha256'), { recursive: true });
    fs.writeFileSync(path.join(image, 'imagedb', 'content', 'sha256', digestHex(fixture.inspect.Id)), JSON.stringify(fixture.config));
    for (const chainId of chainIdsOf(fixture.inspect.RootFS?.Layers ?? [])) {
      const raw = fixture.layerdb[digestHex(chainId)];
      const dir = path.join(image, 'layerdb', 'sha256', digestHex(chainId));
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'cache-id'), raw.cacheId);
      fs.writeFileSync(path.join(dir, 'diff'), raw.diff);
      fs.writeFileSync(path.join(dir, 'size'), raw.size);
      if (raw.parent) {
        fs.writeFileSync(path.join(dir, 'parent'), raw.parent);
      }
    }
  }
  for (const name of CONTAINER_FIXTURE_NAMES) {
    const fixture = containerFixture(name);
    const dir = path.join(image, 'layerdb', 'mounts', fixture.inspect.Id);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'mount-id'), fixture.mounts.mountId);
    fs.writeFileSync(path.join(dir, 'init-id'), fixture.mounts.initId);
    fs.writeFileSync(path.join(dir, 'parent'), fixture.mounts.parent);
  }
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  materialized = root;
  return root;
}

/** A data root no process can read: the catalog then takes what a docker-group user gets. */
export const UNREADABLE_DATA_ROOT = '/nonexistent/docker-root';

/** Where the fixtures were recorded. */
const RECORDED_DATA_ROOT = '/var/lib/docker';

/** The data root a catalog of `recordedCatalog(as)` sees. */
export function dataRootAs(as: 'root' | 'user'): string {
  return as === 'root' ? recordedDataRoot() : UNREADABLE_DATA_ROOT;
}

/** GraphDriver paths of a daemon whose data root is `dataRoot` (the recording's, moved). */
export function rebased<T extends { GraphDriver?: { Name?: string; Data?: Record<string, string> | null } | null }>(inspect: T, dataRoot: string): T {
  const data = inspect.GraphDriver?.Data;
  if (!data) {
    return inspect;
  }
  const moved = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, value.split(RECORDED_DATA_ROOT).join(dataRoot)]));
  return { ...inspect, GraphDriver: { ...inspect.GraphDriver, Data: moved } };
}

/**
 * The production catalog over the recorded daemon, its paths moved to the data root: `root` reads
 * the recorded data root from disk (layerdb, image configs), `user` gets only what the Engine API
 * says (GraphDriver, history), as a docker-group user does.
 */
export function recordedCatalog(as: 'root' | 'user', info: EngineInfo = infoFixture(), endpoint = LOCAL_SOCKET_ENDPOINT, answers: RecordedAnswers = {}) {
  const dataRoot = dataRootAs(as);
  const engine = new RecordedEngine(endpoint, { ...info, DockerRootDir: dataRoot }, answers);
  return { engine, catalog: new ImageCatalog(engine, silentLogger) };
}

/** One recorded image's layers, as the catalog builds them for root or for a docker-group user. */
export function recordedImageLayers(name: ImageFixtureName, as: 'root' | 'user'): Promise<ImageLayers> {
  const fixture = imageFixture(name);
  return recordedCatalog(as).catalog.imageLayers(fixture.inspect.Id);
}
