/**
 * A saved image archive answering like a read-only Engine: its images, their inspect (from the
 * config) and history, no containers and no events. With the archive store (storage/archive/)
 * behind the same catalog, everything that shows images works with no daemon at all.
 */
import { PassThrough, Readable } from 'stream';
import { EngineApi } from '../engine/engineApi';
import { EngineEndpoint } from '../engine/engineEndpoint';
import { EngineNotFoundError } from '../engine/engineErrors';
import { ContainerInspect, ContainerListEntry, EngineInfo, EngineVersion, ImageHistoryEntry, ImageInspect, ImageListEntry } from '../engine/engineTypes';
import { ArchiveImage, ImageArchive } from './imageArchive';

export class ArchiveEngine implements EngineApi {
  readonly endpoint: EngineEndpoint;

  constructor(readonly archive: ImageArchive) {
    this.endpoint = { host: `archive:${archive.source}`, source: 'archive' };
  }

  async info(): Promise<EngineInfo> {
    return { Driver: 'archive', OperatingSystem: 'image archive', Images: this.archive.images.length, Containers: 0 };
  }

  async version(): Promise<EngineVersion> {
    return { Version: 'archive' };
  }

  async listImages(): Promise<ImageListEntry[]> {
    return this.archive.images.map((image) => ({ Id: image.id, RepoTags: image.repoTags, RepoDigests: [], Created: createdSeconds(image), Size: this.archive.storedBytes(image) }));
  }

  async inspectImage(reference: string): Promise<ImageInspect> {
    const image = this.find(reference);
    const { config } = image;
    return {
      Id: image.id,
      RepoTags: image.repoTags,
      RepoDigests: [],
      Created: config.created,
      Architecture: config.architecture,
      Os: config.os,
      Size: this.archive.storedBytes(image),
      GraphDriver: null,
      RootFS: { Type: 'layers', Layers: image.diffIds },
    };
  }

  async imageHistory(reference: string): Promise<ImageHistoryEntry[]> {
    const image = this.find(reference);
    return [...(image.config.history ?? [])].reverse().map((entry) => ({
      Id: '<missing>',
      Created: entry.created ? Math.floor(Date.parse(entry.created) / 1000) : 0,
      CreatedBy: entry.created_by ?? '',
      Size: 0,
      Comment: entry.comment ?? '',
    }));
  }

  async listContainers(): Promise<ContainerListEntry[]> {
    return [];
  }

  async inspectContainer(reference: string): Promise<ContainerInspect> {
    throw new EngineNotFoundError(reference, `No such container: ${reference} (an image archive holds no containers)`);
  }

  async saveImage(reference: string): Promise<number> {
    throw new EngineNotFoundError(reference, `${this.archive.source} is read where it is: there is nothing to export`);
  }

  async events(): Promise<Readable> {
    // An archive does not change: a stream that stays quiet until it is closed.
    return new PassThrough();
  }

  /** By full ID, ID prefix (with or without sha256:) or tag, as the Engine resolves references. */
  find(reference: string): ArchiveImage {
    const hex = reference.replace(/^sha256:/, '');
    const image = this.archive.images.find(
      (candidate) =>
        candidate.id === reference ||
        (/^[0-9a-f]{4,64}$/.test(hex) && candidate.id.startsWith(`sha256:${hex}`)) ||
        candidate.repoTags.some((tag) => tag === reference || tag === `${reference}:latest` || tag.replace(/^(docker\.io\/)?(library\/)?/, '') === reference),
    );
    if (!image) {
      throw new EngineNotFoundError(reference, `No such image in ${this.archive.source}: ${reference}`);
    }
    return image;
  }
}

function createdSeconds(image: ArchiveImage): number {
  const created = image.config.created ? Date.parse(image.config.created) : NaN;
  return Number.isFinite(created) ? Math.floor(created / 1000) : 0;
}
