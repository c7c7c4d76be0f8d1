/**
 * Reads the recorded daemon fixtures (test/fixtures, see its README) from the compiled test:
 * out/test/unit/helpers → ../../../../test/fixtures.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EngineEndpoint } from '../../../src/core/engine/engineEndpoint';
import { EngineInfo, ImageConfig, ImageHistoryEntry, ImageInspect, ImageListEntry } from '../../../src/core/engine/engineTypes';
import { HostFiles } from '../../../src/core/engine/hostFiles';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'fixtures');
export const DAEMON_FIXTURES = path.join(FIXTURES_DIR, 'daemon-20.10-overlay2');
/** A copy of /var/lib/docker for dle-app only (map /var/lib/docker to it). */
export const DATA_ROOT_FIXTURE = path.join(FIXTURES_DIR, 'data-root-overlay2');

if (!fs.existsSync(DAEMON_FIXTURES)) {
  throw new Error(`recorded fixtures not found at ${DAEMON_FIXTURES} (are the tests compiled into out/test/unit?)`);
}

/** The raw text of image/overlay2/layerdb/sha256/<chain hex>/{cache-id,diff,parent,size}. */
export interface LayerdbFixtureEntry {
  cacheId: string;
  diff: string;
  parent: string | null;
  size: string;
}

export interface ImageFixture {
  inspect: ImageInspect;
  history: ImageHistoryEntry[];
  config: ImageConfig;
  /** Keyed by chain ID hex, bottom layer first. */
  layerdb: Record<string, LayerdbFixtureEntry>;
  overlayEntries: Record<string, string[]>;
}

export type ImageFixtureName = 'dle-base' | 'dle-app' | 'dle-shared' | 'dangling';
export const IMAGE_FIXTURE_NAMES: readonly ImageFixtureName[] = ['dle-base', 'dle-app', 'dle-shared', 'dangling'];

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** A fresh copy each call, so a test may mutate it. */
export function imageFixture(name: ImageFixtureName): ImageFixture {
  return readJson<ImageFixture>(path.join(DAEMON_FIXTURES, `image-${name}.json`));
}

export function infoFixture(): EngineInfo {
  return readJson<EngineInfo>(path.join(DAEMON_FIXTURES, 'info.json'));
}

export function imagesListFixture(): ImageListEntry[] {
  return readJson<ImageListEntry[]>(path.join(DAEMON_FIXTURES, 'images.json'));
}

export interface DataRootManifest {
  dataRoot: string;
  driver: string;
  image: string;
  repoTags: string[];
  emptyDirs: string[];
  /** The containers whose layerdb mount entries it holds. */
  containers?: { id: string; name: string }[];
}

export function dataRootManifest(): DataRootManifest | undefined {
  const file = path.join(DATA_ROOT_FIXTURE, 'fixture-manifest.json');
  return fs.existsSync(file) ? readJson<DataRootManifest>(file) : undefined;
}

export const LOCAL_SOCKET_ENDPOINT: EngineEndpoint = { host: 'unix:///var/run/docker.sock', source: 'default socket' };

/** Layerdb chain hex keys in the fixture's order (bottom first), as "sha256:<hex>". */
export function layerdbChainIds(fixture: ImageFixture): string[] {
  return Object.keys(fixture.layerdb).map((hex) => `sha256:${hex}`);
}

/** HostFiles over an in-memory map: path → text; a path listed with `undefined` text exists but is not a file we read (a socket). */
export function memoryHostFiles(files: Record<string, string | undefined>): HostFiles & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async exists(filePath) {
      return Object.prototype.hasOwnProperty.call(files, filePath);
    },
    async readText(filePath) {
      reads.push(filePath);
      return files[filePath];
    },
  };
}

/** The recorded cache IDs of an image's layers, bottom first (IDs change on every re-recording: never pin them). */
export function recordedCacheIds(fixture: ImageFixture): string[] {
  return Object.values(fixture.layerdb).map((entry) => entry.cacheId);
}
