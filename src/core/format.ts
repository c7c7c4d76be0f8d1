/** Sizes and ages as the docker CLI prints them (decimal units: 1 kB = 1000 B). */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) {
    return '?';
  }
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** "3 days ago", from seconds since the epoch. */
export function formatAge(createdSeconds: number, nowMs: number = Date.now()): string {
  if (!createdSeconds) {
    return 'unknown age';
  }
  const seconds = Math.max(0, Math.round(nowMs / 1000 - createdSeconds));
  const steps: [number, string][] = [
    [365 * 24 * 3600, 'year'],
    [30 * 24 * 3600, 'month'],
    [7 * 24 * 3600, 'week'],
    [24 * 3600, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of steps) {
    const count = Math.floor(seconds / size);
    if (count >= 1) {
      return `${count} ${name}${count === 1 ? '' : 's'} ago`;
    }
  }
  return 'just now';
}

/**
 * Text for a terminal: C0 and C1 control characters (escape sequences that clear the screen or set
 * the title) removed; a tab becomes a space. Names in images and build steps are untrusted.
 */
export function stripControlCharacters(text: string): string {
  return text.replace(/\t/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

/** Cuts text to `width` characters, ending in an ellipsis when cut. */
export function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1).trimEnd()}…`;
}

/** A part's share of a whole, for people: `12.3 %`, `< 0.1 %` for a sliver, `0 %` for nothing. */
export function formatShare(part: number, whole: number): string {
  if (whole <= 0 || part <= 0) {
    return '0 %';
  }
  const percent = (part / whole) * 100;
  return percent < 0.05 ? '< 0.1 %' : `${percent.toFixed(1)} %`;
}
