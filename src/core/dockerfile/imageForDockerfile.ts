/**
 * Which local image a Dockerfile was built into, when nobody said: the newest image whose history
 * holds the Dockerfile's instructions in order. A full match wins over a newer partial one; a
 * partial one counts only when most of the file matches, so an unrelated image is never taken;
 * and when the FROM image is here, only images built on it count.
 *
 * Reading an image's history costs the Engine an inspect and a history request. When the FROM
 * image is here, the newest FILTERED_IMAGES are looked at: their chain IDs (one inspect each, kept
 * per image ID by the caller) say first whether each is built on the FROM image, and only those
 * are read. Otherwise (`FROM scratch`, a FROM image not pulled) only the newest CANDIDATE_IMAGES
 * are. Either way the search says how many it left out: on a build host with thousands of images
 * a lens must not cost thousands of requests.
 */
import { mapLimited } from '../mapLimited';
import { ImageLayers } from '../model/imageLayers';
import { DockerfileInstruction, StageChain } from './dockerfileStages';
import { DockerfileMatch, matchHistory } from './historyMatch';

/** How many of the newest images are read when they cannot be filtered by the FROM image first. */
export const CANDIDATE_IMAGES = 40;
/** How many of the newest images are filtered by the FROM image's chain IDs (an inspect each, once). */
export const FILTERED_IMAGES = 400;
/** Chain ID requests in flight at once while filtering. */
const FILTER_CONCURRENCY = 8;
/** Below this share of the file's instructions, an image is not taken for it. */
const PARTIAL_SHARE = 0.6;

export interface ImageMatch<Image extends Pick<ImageLayers, 'steps'> = ImageLayers> {
  image: Image;
  match: DockerfileMatch;
}

/** What a search found, and how many candidates it left unread (beyond the newest CANDIDATE_IMAGES). */
export interface ImageSearch<Image extends Pick<ImageLayers, 'steps'> = ImageLayers> {
  found: ImageMatch<Image> | undefined;
  /** Candidates not looked at: 0 when the FROM image's chain IDs filtered them all. */
  skipped: number;
}

/**
 * Whether a match is good enough to name the image: `complete` when every recorded instruction
 * matched and the history ends with the file's last step (an image built FROM this file's image
 * holds all of it too, followed by its own steps: that is only partial).
 */
export function matchQuality(match: DockerfileMatch): 'complete' | 'partial' | 'none' {
  if (match.recorded > 0 && match.matched === match.recorded && match.trailing === 0) {
    return 'complete';
  }
  return match.matched > 0 && match.matched / Math.max(1, match.recorded) >= PARTIAL_SHARE ? 'partial' : 'none';
}

/** Orders matches: complete first, then more instructions matched, then fewer steps after them. */
export function matchRank(match: DockerfileMatch): number {
  return (matchQuality(match) === 'complete' ? 1e6 : 0) + match.matched * 100 - Math.min(99, match.trailing);
}

/** The build target (buildTargets) an image's history matches best, and that match. */
export function bestTarget(chains: readonly StageChain[], steps: ImageLayers['steps']): { chain: StageChain; match: DockerfileMatch } | undefined {
  let best: { chain: StageChain; match: DockerfileMatch } | undefined;
  for (const chain of chains) {
    const match = matchHistory(chain.instructions, steps);
    if (!best || matchRank(match) > matchRank(best.match)) {
      best = { chain, match };
    }
  }
  return best;
}

/** What isBuiltOn needs of an image: its layers' chain IDs, bottom first. */
export interface ChainedLayers {
  layers: readonly { chainId: string }[];
}

/** Whether an image is built on another: its bottom layers are that image's, chain ID for chain ID. */
export function isBuiltOn(image: ChainedLayers, base: ChainedLayers): boolean {
  return base.layers.length <= image.layers.length && base.layers.every((layer, index) => image.layers[index].chainId === layer.chainId);
}

export interface SearchOptions {
  signal?: AbortSignal;
  /** The FROM image's layers, when it is here: only images built on it count. */
  base?: ChainedLayers;
  /** An image's chain IDs, bottom first, cheaper than `load`: with `base`, every candidate is filtered by it and none is left out. */
  chainIds?: (id: string) => Promise<readonly string[]>;
}

/**
 * The image to show for the instructions, from candidates newest first (`load` gives an image's
 * layers and steps; one that fails to load is skipped). Stops at the first complete match.
 */
export async function findImageForDockerfile<Image extends Pick<ImageLayers, 'steps'> & Partial<ChainedLayers>>(
  instructions: readonly DockerfileInstruction[],
  candidateIds: readonly string[],
  load: (id: string) => Promise<Image>,
  options: SearchOptions = {},
): Promise<ImageSearch<Image>> {
  const { signal, base, chainIds } = options;
  let candidates: readonly string[];
  let skipped = 0;
  if (base && chainIds) {
    const filtered = candidateIds.slice(0, FILTERED_IMAGES);
    skipped = candidateIds.length - filtered.length;
    const builtOn = await mapLimited(filtered, FILTER_CONCURRENCY, async (id) => {
      signal?.throwIfAborted();
      const ids = await chainIds(id).catch(() => undefined); // Gone meanwhile: not a candidate.
      return ids !== undefined && isBuiltOn({ layers: ids.map((chainId) => ({ chainId })) }, base);
    });
    candidates = filtered.filter((_, index) => builtOn[index]);
  } else {
    candidates = candidateIds.slice(0, CANDIDATE_IMAGES);
    skipped = candidateIds.length - candidates.length;
  }
  return { found: await firstMatch(instructions, candidates, load, signal, base), skipped };
}

async function firstMatch<Image extends Pick<ImageLayers, 'steps'> & Partial<ChainedLayers>>(
  instructions: readonly DockerfileInstruction[],
  candidates: readonly string[],
  load: (id: string) => Promise<Image>,
  signal: AbortSignal | undefined,
  base: ChainedLayers | undefined,
): Promise<ImageMatch<Image> | undefined> {
  let bestPartial: ImageMatch<Image> | undefined;
  for (const id of candidates) {
    signal?.throwIfAborted();
    const image = await load(id).catch(() => undefined);
    // Built FROM another image than the file's (when that one is here to compare): not its image,
    // however well the last steps match (`COPY . .`, `CMD` end many Dockerfiles).
    if (!image || (base && image.layers && !isBuiltOn({ layers: image.layers }, base))) {
      continue;
    }
    const match = matchHistory(instructions, image.steps);
    const quality = matchQuality(match);
    if (quality === 'complete') {
      return { image, match };
    }
    if (quality === 'partial' && (!bestPartial || matchRank(match) > matchRank(bestPartial.match))) {
      bestPartial = { image, match };
    }
  }
  return bestPartial;
}
