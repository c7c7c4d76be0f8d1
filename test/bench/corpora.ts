/**
 * The tree benchmark's corpora, built offline on the local dockerd by `docker load` of archives made
 * here (helpers/archiveBuilder.ts), so no registry, builder or network is needed and a thousand
 * images load in seconds:
 *   - `bench/small-NNNN:1`: small images of three layers each (a base layer they all share, two of
 *     their own), every tenth with two more tags (`:latest`, `bench/alias-NNNN:1`);
 *   - `bench/layers-100:1`: one image of 100 layers.
 * Idempotent: what is there is kept (image IDs are the configs' digests, so a rebuild gives the same
 * images). `npm run bench:clean` removes every `bench/*` image (the archive corpus too).
 */
import { execFile, spawn } from 'child_process';
import { savedArchive, SavedImage } from '../unit/helpers/archiveBuilder';
import { tarOf } from '../unit/helpers/tarBuilder';

export const SMALL_REPOSITORY_PREFIX = 'bench/small-';
/** The light corpus of the extension-host scale test: a thousand images that share their layers. */
export const VIEW_REPOSITORY_PREFIX = 'bench/view-';
export const MANY_LAYERS_IMAGE = 'bench/layers-100:1';
const LOAD_BATCH = 250;

const smallName = (index: number) => `${SMALL_REPOSITORY_PREFIX}${String(index).padStart(4, '0')}:1`;

/** A layer tar of one file. */
const layerOf = (name: string, content: string) => tarOf([{ name, content, mtime: 1_700_000_000 }]);

function docker(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', [...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => (error ? reject(new Error(`docker ${args[0]}: ${stderr || error.message}`)) : resolve(stdout)));
  });
}

/** `docker load` of archive bytes from stdin. */
function dockerLoad(bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['load', '--quiet'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker load exited ${code}: ${stderr.trim()}`))));
    child.stdin.end(bytes);
  });
}

/** The tags present, of those asked for. */
async function presentTags(reference: string): Promise<Set<string>> {
  const out = await docker(['image', 'ls', '--filter', `reference=${reference}`, '--format', '{{.Repository}}:{{.Tag}}']);
  return new Set(out.split('\n').filter(Boolean));
}

export interface CorpusReport {
  smallImages: number;
  /** The tags this run loaded (what a smoke run removes again). */
  builtTags: string[];
  buildMs: number;
}

/** Makes sure `count` small images and the 100-layer image exist; says how many had to be loaded. */
export async function ensureTreeCorpora(count: number, log: (line: string) => void): Promise<CorpusReport> {
  const started = Date.now();
  const present = await presentTags(`${SMALL_REPOSITORY_PREFIX}*`);
  const shared = layerOf('etc/bench-base', 'the layer every small bench image shares\n');
  const missing: SavedImage[] = [];
  for (let index = 0; index < count; index++) {
    const name = smallName(index);
    if (present.has(name)) {
      continue;
    }
    const extraTags = index % 10 === 0 ? [`${name.slice(0, -2)}:latest`, `bench/alias-${String(index).padStart(4, '0')}:1`] : [];
    missing.push({
      layers: [shared, layerOf(`app/${index}.txt`, `small image ${index}\n`), layerOf(`etc/bench-${index}`, `built for the tree benchmark\n${index}\n`)],
      repoTags: [name, ...extraTags],
      history: [{ created_by: 'bench base' }, { created_by: `/bin/sh -c echo ${index} > /app/${index}.txt` }, { created_by: `COPY bench-${index} /etc/ # buildkit` }],
    });
  }
  for (let from = 0; from < missing.length; from += LOAD_BATCH) {
    const batch = missing.slice(from, from + LOAD_BATCH);
    log(`bench: loading ${batch.length} small images (${from + batch.length} of ${missing.length} missing)…`);
    await dockerLoad(savedArchive(batch).bytes);
  }
  const builtTags = missing.flatMap((image) => image.repoTags);
  if (!(await presentTags(MANY_LAYERS_IMAGE)).has(MANY_LAYERS_IMAGE)) {
    builtTags.push(MANY_LAYERS_IMAGE);
    log(`bench: loading ${MANY_LAYERS_IMAGE}…`);
    const layers = Array.from({ length: 100 }, (_, index) => layerOf(`layers/${String(index).padStart(3, '0')}`, `layer ${index} of 100\n`));
    await dockerLoad(savedArchive([{ layers, repoTags: [MANY_LAYERS_IMAGE], history: layers.map((_, index) => ({ created_by: `/bin/sh -c echo ${index} > /layers/${index}` })) }]).bytes);
  }
  return { smallImages: count, builtTags, buildMs: Date.now() - started };
}

/**
 * `count` images `bench/view-NNNN:1` for the extension-host scale test (test/extension/zzScale.test.ts)
 * when the tree corpus is not loaded: each its own image (its own config and ID, as many rows in
 * the view) over the same three layers, so dockerd registers three layers, not two thousand, and a
 * thousand images load in seconds instead of minutes. Returns the tags it loaded.
 */
export async function ensureViewCorpus(count: number, log: (line: string) => void): Promise<string[]> {
  const present = await presentTags(`${VIEW_REPOSITORY_PREFIX}*`);
  const layers = [layerOf('etc/bench-base', 'the layer every view bench image shares\n'), layerOf('app/view.txt', 'a view bench image\n'), layerOf('etc/bench-view', 'for the scale test\n')];
  const missing: SavedImage[] = [];
  for (let index = 0; index < count; index++) {
    const name = `${VIEW_REPOSITORY_PREFIX}${String(index).padStart(4, '0')}:1`;
    if (!present.has(name)) {
      missing.push({ layers, repoTags: [name], history: [{ created_by: 'bench base' }, { created_by: `/bin/sh -c echo view ${index}` }, { created_by: `COPY view-${index} /etc/ # buildkit` }] });
    }
  }
  for (let from = 0; from < missing.length; from += LOAD_BATCH) {
    const batch = missing.slice(from, from + LOAD_BATCH);
    log(`bench: loading ${batch.length} view images (${from + batch.length} of ${missing.length} missing)…`);
    await dockerLoad(savedArchive(batch).bytes);
  }
  return missing.flatMap((image) => image.repoTags);
}

/** `npm run bench:clean`: every bench/* image, the archive corpus included (or just the tags given). */
export async function removeBenchImages(log: (line: string) => void, only?: readonly string[]): Promise<void> {
  const tags = only ? [...only] : [...(await presentTags('bench/*'))];
  for (let from = 0; from < tags.length; from += 200) {
    await docker(['rmi', '--force', ...tags.slice(from, from + 200)]);
  }
  log(`bench: removed ${tags.length} bench/* tag(s)`);
}
