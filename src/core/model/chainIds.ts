import { createHash, hash } from 'crypto';

/** SHA-256 as hex. crypto.hash (Node 20.12+) is one call; createHash makes an object per digest, 7× slower on a thousand images' layers. */
const sha256Hex: (text: string) => string =
  typeof hash === 'function' ? (text) => hash('sha256', text, 'hex') : (text) => createHash('sha256').update(text).digest('hex');

/**
 * Chain IDs of a layer stack, bottom first: chain[0] = diff[0],
 * chain[i] = sha256(chain[i-1] + " " + diff[i]). Unlike diff IDs they are unique per position,
 * so they key layers in the layerdb and here.
 */
export function chainIdsOf(diffIds: readonly string[]): string[] {
  const chainIds: string[] = [];
  for (const diffId of diffIds) {
    const parent = chainIds[chainIds.length - 1];
    chainIds.push(parent === undefined ? diffId : `sha256:${sha256Hex(`${parent} ${diffId}`)}`);
  }
  return chainIds;
}
