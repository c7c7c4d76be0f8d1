/** Output of any size, written in pieces: a listing of 100,000 files never sits in memory as one string. */

/** Joins small pieces into writes of about 64 KiB (stdout is synchronous for files and pipes on Linux). */
export function writeBuffered(chunks: Iterable<string>, write: (text: string) => void): void {
  let pending: string[] = [];
  let length = 0;
  for (const chunk of chunks) {
    pending.push(chunk);
    length += chunk.length;
    if (length >= 65536) {
      write(pending.join(''));
      pending = [];
      length = 0;
    }
  }
  if (pending.length) {
    write(pending.join(''));
  }
}
