/**
 * The recorded containers (test/fixtures/daemon-20.10-overlay2/container-*.json, containers.json) and
 * a containerd-image-store variant of them, for the container model and ImageCatalog tests.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ContainerInspect, ContainerListEntry, EngineInfo } from '../../../src/core/engine/engineTypes';
import { DAEMON_FIXTURES, FIXTURES_DIR } from './fixtures';

export const CONTAINERD_FIXTURES = path.join(FIXTURES_DIR, 'daemon-26-containerd');

/** `{ inspect, mounts, overlayEntries }` of container-<name>.json. */
export interface ContainerFixture {
  inspect: ContainerInspect;
  /** The raw text of image/overlay2/layerdb/mounts/<container id>/{mount-id,init-id,parent}. */
  mounts: { mountId: string; initId: string; parent: string };
  overlayEntries: Record<string, string[]>;
}

export type ContainerFixtureName = 'dle-container' | 'dle-exited';
export const CONTAINER_FIXTURE_NAMES: readonly ContainerFixtureName[] = ['dle-container', 'dle-exited'];

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** A fresh copy each call, so a test may mutate it. */
export function containerFixture(name: ContainerFixtureName): ContainerFixture {
  return readJson<ContainerFixture>(path.join(DAEMON_FIXTURES, `container-${name}.json`));
}

/** GET /containers/json?all=1 as recorded. */
export function containersListFixture(): ContainerListEntry[] {
  return readJson<ContainerListEntry[]>(path.join(DAEMON_FIXTURES, 'containers.json'));
}

/** The recorded /info, its data root moved where no machine has one: unit tests read no real daemon's files. */
export function containerdInfoFixture(): EngineInfo {
  return { ...readJson<EngineInfo>(path.join(CONTAINERD_FIXTURES, 'info.json')), DockerRootDir: '/nonexistent/docker-26-root' };
}

/**
 * The recorded container as the containerd image store reports it: GraphDriver `{"Name":"overlayfs","Data":null}`
 * (that daemon's recording has no containers, but its images have exactly this GraphDriver shape).
 */
export function containerdStyleInspect(name: ContainerFixtureName): ContainerInspect {
  return { ...containerFixture(name).inspect, GraphDriver: { Name: 'overlayfs', Data: null } };
}
