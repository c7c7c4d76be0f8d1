import { createHash } from 'crypto';

/**
 * Chain IDs of a layer stack, bottom first: chain[0] = diff[0],
 * chain[i] = sha256(chain[i-1] + " " + diff[i]). Unlike diff IDs they are unique per position,
 * so they key layers in the layerdb and here.
 */
export function chainIdsOf(diffIds: readonly string[]): string[] {
  const chainIds: string[] = [];
  for (const diffId of diffIds) {
    const parent = chainIds[chainIds.length - 1];
    chainIds.push(parent === undefined ? diffId : `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}`);
  }
  return chainIds;
}
