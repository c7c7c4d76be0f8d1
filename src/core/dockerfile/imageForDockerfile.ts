/**
 * Which local image a Dockerfile was built into, when nobody said: the newest image whose history
 * holds the Dockerfile's instructions in order. A full match wins over a newer partial one; a
 * partial one counts only when most of the file matches, so an unrelated image is never taken.
 */
import { ImageLayers } from '../model/imageLayers';
import { DockerfileInstruction } from './dockerfileStages';
import { DockerfileMatch, matchHistory } from './historyMatch';

/** How many of the newest images are looked at: each costs the Engine an inspect and a history. */
export const CANDIDATE_IMAGES = 40;
/** Below this share of the file's instructions, an image is not taken for it. */
const PARTIAL_SHARE = 0.6;

export interface ImageMatch {
  image: ImageLayers;
  match: DockerfileMatch;
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

/**
 * The image to show for the instructions, from candidates newest first (`load` gives an image's
 * layers and steps; one that fails to load is skipped). Stops at the first complete match.
 */
export async function findImageForDockerfile(
  instructions: readonly DockerfileInstruction[],
  candidateIds: readonly string[],
  load: (id: string) => Promise<ImageLayers>,
  signal?: AbortSignal,
): Promise<ImageMatch | undefined> {
  let bestPartial: ImageMatch | undefined;
  for (const id of candidateIds.slice(0, CANDIDATE_IMAGES)) {
    signal?.throwIfAborted();
    const image = await load(id).catch(() => undefined);
    if (!image) {
      continue;
    }
    const match = matchHistory(instructions, image.steps);
    const quality = matchQuality(match);
    if (quality === 'complete') {
      return { image, match };
    }
    const better = !bestPartial || match.matched > bestPartial.match.matched || (match.matched === bestPartial.match.matched && match.trailing < bestPartial.match.trailing);
    if (quality === 'partial' && better) {
      bestPartial = { image, match };
    }
  }
  return bestPartial;
}
