/**
 * The order and filter of the image list: sorted by created, name or size, ties broken the same
 * way every time (images created in the same second keep one order), and filtered by repository,
 * tag or ID, as Filter Images… asks.
 */
import { ImageSummary, compareImages, imageDisplayName } from './image';
import { digestHex } from '../digest';
import { compareCodeUnits } from './textOrder';

export type ImageSortKey = 'created' | 'name' | 'size';

const byName = (a: ImageSummary, b: ImageSummary) => compareCodeUnits(imageDisplayName(a), imageDisplayName(b));
const byId = (a: ImageSummary, b: ImageSummary) => compareCodeUnits(a.id, b.id);

/** A new list in the order asked for: newest, A–Z, or largest first; then by name, then by ID. */
export function sortImages(images: readonly ImageSummary[], by: ImageSortKey): ImageSummary[] {
  const compare =
    by === 'name'
      ? (a: ImageSummary, b: ImageSummary) => byName(a, b) || b.created - a.created || byId(a, b)
      : by === 'size'
        ? (a: ImageSummary, b: ImageSummary) => b.size - a.size || byName(a, b) || byId(a, b)
        : compareImages;
  return [...images].sort(compare);
}

/**
 * The images a filter matches: every word of it (case-insensitive) in a tag, a digest, the ID
 * (with or without `sha256:`) or `<none>` for untagged ones. An empty filter matches all.
 */
export function filterImages(images: readonly ImageSummary[], filter: string | undefined): ImageSummary[] {
  const words = (filter ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) {
    return [...images];
  }
  return images.filter((image) => {
    const haystack = [...image.tags, ...image.digests, image.id, digestHex(image.id), ...(image.tags.length ? [] : ['<none>'])].join('\n').toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
}
