/**
 * The recorded Podman 4.3 Docker-compatible API (test/fixtures/podman-4.3, see its README section):
 * storage driver "overlay" under /var/lib/containers/storage, no layerdb, no `-init` layer.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EngineEndpoint } from '../../../src/core/engine/engineEndpoint';
import { ContainerInspect, EngineEvent, EngineInfo, ImageConfigHistoryEntry, ImageHistoryEntry, ImageInspect, ImageListEntry } from '../../../src/core/engine/engineTypes';
import { FIXTURES_DIR } from './fixtures';

export const PODMAN_FIXTURES = path.join(FIXTURES_DIR, 'podman-4.3');
export const PODMAN_STORAGE_ROOT = '/var/lib/containers/storage';
/** The socket the fixtures were recorded from (`podman system service unix://…`). */
export const PODMAN_SOCKET_ENDPOINT: EngineEndpoint = { host: 'unix:///run/dle-podman/podman.sock', source: '--host' };

export interface PodmanImageFixture {
  inspect: ImageInspect;
  /** GET /images/{name}/history (compat: no empty_layer flag). */
  history: ImageHistoryEntry[];
  /** The image config's history from /libpod/images/{name}/json: the empty_layer ground truth. */
  configHistory: ImageConfigHistoryEntry[];
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** Fresh copies each call, so a test may mutate them. */
export const podmanInfoFixture = (): EngineInfo => readJson<EngineInfo>(path.join(PODMAN_FIXTURES, 'info.json'));
export const podmanImagesListFixture = (): ImageListEntry[] => readJson<ImageListEntry[]>(path.join(PODMAN_FIXTURES, 'images.json'));
export const podmanImageFixture = (): PodmanImageFixture => readJson<PodmanImageFixture>(path.join(PODMAN_FIXTURES, 'image-dle-podman-app.json'));
export const podmanContainerInspect = (): ContainerInspect =>
  readJson<{ inspect: ContainerInspect }>(path.join(PODMAN_FIXTURES, 'container-dle-podman-container.json')).inspect;
/** GET /events while the recorder tagged, created, committed and removed throwaway objects. */
export const podmanEventsFixture = (): EngineEvent[] => readJson<EngineEvent[]>(path.join(PODMAN_FIXTURES, 'events.json'));
