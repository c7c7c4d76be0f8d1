/** Content digests as the Engine writes them: `sha256:<64 hex>`. */

const FULL_SHA256 = /^sha256:[0-9a-f]{64}$/;

/** True for a full `sha256:<64 hex>` digest: the only IDs that may become part of a file path. */
export function isFullDigest(id: string): boolean {
  return FULL_SHA256.test(id);
}

/** "sha256:abc…" → "abc…" (layerdb folder names have no algorithm prefix). */
export function digestHex(digest: string): string {
  const colon = digest.indexOf(':');
  return colon === -1 ? digest : digest.slice(colon + 1);
}

/** The 12-character short form the docker CLI prints. */
export function shortId(id: string): string {
  return digestHex(id).slice(0, 12);
}
