/**
 * Which folders of an overlay diff folder are opaque (replace the folder below instead of merging
 * with it). overlayfs marks them only with an extended attribute, `trusted.overlay.opaque=y`, or
 * `user.overlay.opaque=y` where it runs without privileges (rootless Docker and Podman), and Node
 * has no call that reads extended attributes. `getfattr` (Debian's and Ubuntu's package `attr`)
 * does, for a whole folder in one process. Overlay2 needs none of this as root: Docker keeps the
 * layer tar's own headers (tar-split). Podman's and containerd's snapshot folders do.
 */
import { normalizeLayerPath } from '../layerfs/layerPath';
import { childProcessModule } from '../loadedOnFirstUse';

/** The folders' marks could not be read: the folder alone does not tell what its layer removed. */
export class OpaqueMarksUnreadableError extends Error {
  constructor(
    readonly folder: string,
    readonly reason: string,
  ) {
    super(`cannot tell the opaque folders of ${folder}: ${reason}`);
    this.name = 'OpaqueMarksUnreadableError';
  }
}

const OPAQUE_ATTRIBUTE = /^(trusted|user)\.overlay\.opaque$/;
/** Only the opaque folders are printed, a handful a layer; warnings per file go to stderr. */
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
const DEADLINE_MS = 120_000;

/** In-layer paths (`/a/b`) of the folders under `diffDir` that overlayfs marks opaque. */
export function readOpaqueDirectories(diffDir: string, signal?: AbortSignal): Promise<Set<string>> {
  // -R walks the folder, -P never follows a symlink, -h reads a link's own attributes; -m picks the
  // two attribute names (getfattr's pattern is a regular expression), -e text prints values as text.
  const args = ['-R', '-P', '-h', '--absolute-names', '-m', '^(trusted|user)\\.overlay\\.opaque$', '-e', 'text', '-d', '--', diffDir];
  return new Promise((resolve, reject) => {
    childProcessModule().execFile('getfattr', args, { encoding: 'buffer', maxBuffer: MAX_OUTPUT_BYTES, timeout: DEADLINE_MS, signal, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const firstLine = stderr.toString('utf8').split('\n').find(Boolean);
        reject(
          new OpaqueMarksUnreadableError(
            diffDir,
            code === 'ENOENT'
              ? 'getfattr is not installed (Debian and Ubuntu: apt-get install attr)'
              : signal?.aborted
                ? 'cancelled'
                : (firstLine ?? error.message).trim().slice(0, 300),
          ),
        );
        return;
      }
      try {
        resolve(opaqueDirectoriesFromDump(stdout, diffDir));
      } catch (parseError) {
        reject(new OpaqueMarksUnreadableError(diffDir, `getfattr printed what is not a file name: ${(parseError as Error).message}`));
      }
    });
  });
}

/**
 * Parses `getfattr --absolute-names -d -e text` output: blocks of `# file: <name>` followed by
 * `attribute="value"` lines. getfattr writes a name's backslashes and unprintable bytes as `\ooo`
 * (octal), so a name with a newline still fits on its line. Paths outside `diffDir` are ignored.
 */
export function opaqueDirectoriesFromDump(dump: Buffer, diffDir: string): Set<string> {
  const opaque = new Set<string>();
  const root = diffDir.replace(/\/+$/, '');
  let file: string | undefined;
  for (const line of dump.toString('latin1').split('\n')) {
    if (line.startsWith('# file: ')) {
      file = unescapeOctal(line.slice('# file: '.length));
      continue;
    }
    const attribute = /^([^=]+)="(.*)"$/.exec(line);
    if (!file || !attribute || !OPAQUE_ATTRIBUTE.test(attribute[1]) || attribute[2] !== 'y') {
      continue;
    }
    if (file === root) {
      opaque.add('/');
    } else if (file.startsWith(`${root}/`)) {
      opaque.add(normalizeLayerPath(file.slice(root.length)));
    }
  }
  return opaque;
}

/** `\ooo` back to its byte; the rest is taken as the bytes it was read as (latin1), then as UTF-8. */
function unescapeOctal(text: string): string {
  const bytes = Buffer.from(
    text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))),
    'latin1',
  );
  return bytes.toString('utf8');
}
