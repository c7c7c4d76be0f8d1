/**
 * Group by repository: images whose names share a namespace fold into one row, so a build host's
 * `perf/app-0001 … perf/app-0999` is one `perf/*` row with counts and a total, not a thousand.
 * An image goes where its display name (its first tag) puts it; untagged images group as `<none>`.
 * A group of one is no group: that image stays a row of its own.
 */
import { ImageSummary, imageDisplayName } from './image';

export interface ImageGroup {
  /** `perf/*`, `registry:5000/team/*`, `app` (one repository without a namespace), `<none>`. */
  key: string;
  /** In the order they were given. */
  images: ImageSummary[];
  /** The images' sizes added up (a layer two images share counts twice, as `docker images` would add them). */
  totalSize: number;
}

/** `perf/app:1` → `perf/*`; `app:1` → `app`; `localhost:5000/a/b:1` → `localhost:5000/a/*`; untagged → `<none>`. */
export function repositoryGroupOf(image: Pick<ImageSummary, 'tags'>): string {
  const name = imageDisplayName(image);
  if (name === '<none>') {
    return name;
  }
  // The tag follows the last colon after the last slash (a registry's port comes before a slash).
  const withoutDigest = name.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const tagColon = withoutDigest.indexOf(':', lastSlash + 1);
  const repository = tagColon >= 0 ? withoutDigest.slice(0, tagColon) : withoutDigest;
  const namespaceEnd = repository.lastIndexOf('/');
  return namespaceEnd >= 0 ? `${repository.slice(0, namespaceEnd)}/*` : repository;
}

/**
 * The list with every namespace of two or more images folded into a group, placed where its first
 * image was: the order asked for (newest first, by name, by size) is kept around the groups and in them.
 */
export function groupImages(images: readonly ImageSummary[]): (ImageSummary | ImageGroup)[] {
  const byKey = new Map<string, ImageSummary[]>();
  for (const image of images) {
    const key = repositoryGroupOf(image);
    const members = byKey.get(key);
    if (members) {
      members.push(image);
    } else {
      byKey.set(key, [image]);
    }
  }
  const placed = new Set<string>();
  const result: (ImageSummary | ImageGroup)[] = [];
  for (const image of images) {
    const key = repositoryGroupOf(image);
    const members = byKey.get(key)!;
    if (members.length === 1) {
      result.push(image);
    } else if (!placed.has(key)) {
      placed.add(key);
      result.push({ key, images: members, totalSize: members.reduce((sum, member) => sum + member.size, 0) });
    }
  }
  return result;
}

export function isImageGroup(entry: ImageSummary | ImageGroup): entry is ImageGroup {
  return 'key' in entry;
}
