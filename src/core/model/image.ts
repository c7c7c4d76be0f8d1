import { ImageInspect, ImageListEntry } from '../engine/engineTypes';
import { compareCodeUnits } from './textOrder';

/** An image as the Images view and `docker-layers ls` list it. */
export interface ImageSummary {
  id: string;
  /** repo:tag names; empty for an untagged (dangling) image. */
  tags: string[];
  digests: string[];
  /** Seconds since the epoch. */
  created: number;
  size: number;
  architecture?: string;
  os?: string;
  variant?: string;
}

const NO_TAG = '<none>:<none>';
const NO_DIGEST = '<none>@<none>';

export function imageSummaryFromList(entry: ImageListEntry): ImageSummary {
  return {
    id: entry.Id,
    tags: (entry.RepoTags ?? []).filter((tag) => tag !== NO_TAG),
    digests: (entry.RepoDigests ?? []).filter((digest) => digest !== NO_DIGEST),
    created: entry.Created,
    size: entry.Size,
  };
}

export function imageSummaryFromInspect(inspect: ImageInspect): ImageSummary {
  return {
    id: inspect.Id,
    tags: (inspect.RepoTags ?? []).filter((tag) => tag !== NO_TAG),
    digests: (inspect.RepoDigests ?? []).filter((digest) => digest !== NO_DIGEST),
    created: inspect.Created ? Math.floor(Date.parse(inspect.Created) / 1000) : 0,
    size: inspect.Size ?? 0,
    architecture: inspect.Architecture,
    os: inspect.Os,
    ...(inspect.Variant ? { variant: inspect.Variant } : {}),
  };
}

/** How people name the image: its first tag, or `<none>` for a dangling one. */
export function imageDisplayName(image: Pick<ImageSummary, 'tags'>): string {
  return image.tags[0] ?? '<none>';
}

/** Newest first, then by name, as `docker images` orders them. */
export function compareImages(a: ImageSummary, b: ImageSummary): number {
  return b.created - a.created || compareCodeUnits(imageDisplayName(a), imageDisplayName(b)) || compareCodeUnits(a.id, b.id);
}
