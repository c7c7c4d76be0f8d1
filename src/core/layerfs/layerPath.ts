/**
 * Paths inside a layer: POSIX, absolute, normalised like a chroot does it. `..` stops at the
 * layer's root, so no name, however it is spelled, points outside the layer.
 */

/** `a/./b/../c`, `/../../etc` → `/a/c`, `/etc`. NUL bytes are refused: no file name holds one. */
export function normalizeLayerPath(raw: string): string {
  if (raw.includes('\0')) {
    throw new Error('a layer path cannot contain a NUL byte');
  }
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') {
      continue;
    }
    if (part === '..') {
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return `/${parts.join('/')}`;
}

/** The names from the root down: `/a/b` → ['a', 'b']; the root → []. */
export function layerPathSegments(layerPath: string): string[] {
  return normalizeLayerPath(layerPath).split('/').filter(Boolean);
}

export function joinLayerPath(directory: string, name: string): string {
  return normalizeLayerPath(`${directory}/${name}`);
}

export function layerPathParent(layerPath: string): string {
  const segments = layerPathSegments(layerPath);
  return `/${segments.slice(0, -1).join('/')}`;
}

export function layerPathName(layerPath: string): string {
  const segments = layerPathSegments(layerPath);
  return segments[segments.length - 1] ?? '';
}
