#!/usr/bin/env node
// Record Docker Engine fixtures for the unit tests (which never need Docker).
//
//   node test/setup/record-fixtures.mjs [--out DIR] [--data-root-out DIR] [--socket PATH] [--no-data-root] [--minimal]
//
// Needs a running daemon with the test images (start-dockerd.sh, build-test-images.sh). Run as
// root to also record what only root can read under the daemon's data root (image configs,
// layerdb, overlay2 folders). Node builtins only: the Engine API is spoken over the unix socket.
//
// Writes (default OUT = test/fixtures/daemon-<major.minor>-<driver>/):
//   info.json, version.json, images.json (GET /images/json), images-all.json (?all=1),
//   containers.json (?all=1), system-df.json,
//   image-<name>.json   { inspect, history, config, layerdb, overlayEntries }
//   container-<name>.json { inspect, mounts, overlayEntries }
//   save-dle-app.json   listing of `docker save dle-app:1.0` (entries, manifest, layer tar listings)
// --minimal (for the second, containerd-store daemon): only dle-base and dle-app, no containers.
// and a fake data root for dle-app (default test/fixtures/data-root-overlay2/).

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const dockerHost = process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice(7) : undefined;
const SOCKET = opt('--socket', dockerHost ?? '/var/run/docker.sock');
const IS_ROOT = process.getuid?.() === 0;
const MAX_COPY = 16 * 1024; // fake data root: copy files up to this size, list bigger ones as omitted

// ---------------------------------------------------------------- Engine API over the socket
function request(method, urlPath, { raw = false } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: SOCKET, method, path: urlPath, headers: { Host: 'docker' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode >= 400) {
          reject(new Error(`${method} ${urlPath}: HTTP ${res.statusCode} ${body.toString().trim()}`));
        } else {
          resolve(raw ? body : JSON.parse(body.toString() || 'null'));
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
const get = (p, o) => request('GET', p, o);
const q = (obj) => encodeURIComponent(JSON.stringify(obj));

// ---------------------------------------------------------------- helpers
const writeJson = (file, data) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
};
const readText = (file) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw e;
  }
};
const hex = (id) => id.replace(/^sha256:/, '');
const sha256 = async (s) => (await import('node:crypto')).createHash('sha256').update(s).digest('hex');

// chain[0] = diff[0]; chain[i] = sha256(chain[i-1] + " " + diff[i])
async function chainIds(diffIds) {
  const out = [];
  for (const d of diffIds) {
    out.push(out.length === 0 ? d : 'sha256:' + (await sha256(out[out.length - 1] + ' ' + d)));
  }
  return out;
}

// Opaque-folder xattr: node has no getxattr, so ask python3 or getfattr if present.
function opaqueXattr(dir) {
  for (const ns of ['trusted', 'user']) {
    const name = `${ns}.overlay.opaque`;
    try {
      const v = execFileSync('python3', ['-c', 'import os,sys;print(os.getxattr(sys.argv[1],sys.argv[2]).decode())', dir, name], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      if (v.toString().trim() === 'y') return name;
    } catch {
      try {
        const v = execFileSync('getfattr', ['--only-values', '-n', name, dir], { stdio: ['ignore', 'pipe', 'ignore'] });
        if (v.toString().trim() === 'y') return name;
      } catch {
        /* no such attribute, or no tool */
      }
    }
  }
  return null;
}

// ---------------------------------------------------------------- minimal tar reader (docker save)
function parseTar(buf) {
  const entries = [];
  let off = 0;
  let longName = null;
  let paxPath = null;
  const str = (b, s, n) => b.subarray(s, s + n).toString('utf8').replace(/\0.*$/s, '');
  const oct = (b, s, n) => parseInt(str(b, s, n).trim() || '0', 8);
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((x) => x === 0)) break;
    const size = oct(h, 124, 12);
    const type = String.fromCharCode(h[156] || 48);
    const prefix = str(h, 345, 155);
    let name = (prefix ? prefix + '/' : '') + str(h, 0, 100);
    const data = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = data.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    if (type === 'x') {
      const m = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      paxPath = m ? m[1] : null;
      continue;
    }
    if (type === 'g') continue;
    name = paxPath ?? longName ?? name;
    longName = paxPath = null;
    const kinds = { 0: 'file', 1: 'hardlink', 2: 'symlink', 3: 'char', 4: 'block', 5: 'dir', 6: 'fifo' };
    const e = { name, type: kinds[type] ?? type, size, mode: oct(h, 100, 8).toString(8) };
    const link = str(h, 157, 100);
    if (link) e.linkname = link;
    entries.push({ e, data });
  }
  return entries;
}

async function recordSave(ref) {
  const tar = await get(`/images/${encodeURIComponent(ref)}/get`, { raw: true });
  const entries = parseTar(tar);
  const byName = new Map(entries.map((x) => [x.e.name, x]));
  const out = { ref, tarSize: tar.length, entries: entries.map((x) => x.e), manifest: null, repositories: null, layers: {} };
  for (const { e, data } of entries) {
    if (e.name === 'manifest.json') out.manifest = JSON.parse(data.toString());
    else if (e.name === 'repositories') out.repositories = JSON.parse(data.toString());
    else if (e.name === 'index.json' || e.name === 'oci-layout') out[e.name] = JSON.parse(data.toString());
  }
  // List every layer named by manifest.json: `<v1 id>/layer.tar` (before Engine 25, may be a symlink
  // to another layer's tar) or `blobs/sha256/<hex>` (OCI layout, may be gzip-compressed).
  for (const layerPath of out.manifest?.[0]?.Layers ?? []) {
    let x = byName.get(layerPath);
    if (x?.e.type === 'symlink') x = byName.get(path.posix.normalize(path.posix.join(path.posix.dirname(layerPath), x.e.linkname)));
    if (!x) continue;
    let data = x.data;
    const gz = data[0] === 0x1f && data[1] === 0x8b;
    if (gz) data = zlib.gunzipSync(data);
    out.layers[layerPath] = { gzip: gz, entries: parseTar(data).map((y) => y.e) };
  }
  return out;
}

// ---------------------------------------------------------------- data root (root only)
let dataRoot; // e.g. /var/lib/docker
let driver; // e.g. overlay2
const imageDir = () => path.join(dataRoot, 'image', driver);

function layerdbEntry(chainHex) {
  const dir = path.join(imageDir(), 'layerdb', 'sha256', chainHex);
  const cacheId = readText(path.join(dir, 'cache-id'));
  if (cacheId === null) return null;
  return {
    cacheId,
    diff: readText(path.join(dir, 'diff')),
    parent: readText(path.join(dir, 'parent')),
    size: readText(path.join(dir, 'size')),
  };
}
const overlayEntries = (id) => {
  try {
    return fs.readdirSync(path.join(dataRoot, driver, id)).sort();
  } catch {
    return null;
  }
};

async function recordImage(name, id) {
  const inspect = await get(`/images/${encodeURIComponent(id)}/json`);
  const history = await get(`/images/${encodeURIComponent(id)}/history`);
  const out = { inspect, history, config: null, configSource: null, layerdb: null, overlayEntries: null };
  if (IS_ROOT && dataRoot && driver === 'overlay2') {
    const cfg = readText(path.join(imageDir(), 'imagedb', 'content', 'sha256', hex(inspect.Id)));
    out.config = cfg === null ? null : JSON.parse(cfg);
    out.configSource = 'imagedb';
    out.layerdb = {};
    out.overlayEntries = {};
    for (const chain of await chainIds(inspect.RootFS?.Layers ?? [])) {
      const entry = layerdbEntry(hex(chain));
      out.layerdb[hex(chain)] = entry;
      if (entry) out.overlayEntries[entry.cacheId] = overlayEntries(entry.cacheId);
    }
  }
  if (!out.config) {
    // Not root, or no imagedb (containerd image store): take the config from `docker save`.
    const tar = parseTar(await get(`/images/${encodeURIComponent(id)}/get`, { raw: true }));
    const manifest = tar.find((x) => x.e.name === 'manifest.json');
    const cfgName = manifest && JSON.parse(manifest.data.toString())[0]?.Config;
    const cfg = cfgName && tar.find((x) => x.e.name === cfgName);
    if (cfg) {
      out.config = JSON.parse(cfg.data.toString());
      out.configSource = 'docker save';
    }
  }
  return out;
}

async function recordContainer(name) {
  const inspect = await get(`/containers/${encodeURIComponent(name)}/json`);
  const out = { inspect, mounts: null, overlayEntries: null };
  if (IS_ROOT && dataRoot && driver === 'overlay2') {
    const dir = path.join(imageDir(), 'layerdb', 'mounts', inspect.Id);
    out.mounts = {
      mountId: readText(path.join(dir, 'mount-id')),
      initId: readText(path.join(dir, 'init-id')),
      parent: readText(path.join(dir, 'parent')),
    };
    out.overlayEntries = {};
    for (const id of [out.mounts.mountId, out.mounts.initId]) if (id) out.overlayEntries[id] = overlayEntries(id);
  }
  return out;
}

// Copy a diff folder into the fake data root: small regular files, folders and symlinks as they are;
// whiteouts (char 0/0), opaque folders and big files cannot/should not go into git, so they are
// listed in special-entries.json instead.
function copyDiff(src, dst, rel, special) {
  fs.mkdirSync(dst, { recursive: true });
  const opaque = rel ? opaqueXattr(src) : null;
  if (opaque) special.push({ path: rel, kind: 'opaque', xattr: opaque });
  for (const name of fs.readdirSync(src).sort()) {
    const s = path.join(src, name);
    const d = path.join(dst, name);
    const r = rel + '/' + name;
    const st = fs.lstatSync(s);
    if (st.isDirectory()) copyDiff(s, d, r, special);
    else if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(s), d);
    else if (st.isCharacterDevice() && st.rdev === 0) special.push({ path: r, kind: 'whiteout' });
    else if (st.isFile() && st.size <= MAX_COPY) {
      fs.copyFileSync(s, d);
      fs.chmodSync(d, st.mode & 0o777);
    } else special.push({ path: r, kind: st.isFile() ? 'omitted' : 'special', size: st.size, mode: (st.mode & 0o7777).toString(8) });
  }
}

async function writeFakeDataRoot(outDir, appId, containers) {
  fs.rmSync(outDir, { recursive: true, force: true });
  const special = {}; // layer/mount id -> entries under <id>/diff
  const emptyDirs = [];
  const inspect = await get(`/images/${encodeURIComponent(appId)}/json`);
  const idHex = hex(inspect.Id);

  // imagedb: config + metadata, repositories.json trimmed to dle-app
  const put = (rel, text) => {
    fs.mkdirSync(path.dirname(path.join(outDir, rel)), { recursive: true });
    fs.writeFileSync(path.join(outDir, rel), text);
  };
  put(`image/${driver}/imagedb/content/sha256/${idHex}`, fs.readFileSync(path.join(imageDir(), 'imagedb/content/sha256', idHex)));
  const metaDir = path.join(imageDir(), 'imagedb/metadata/sha256', idHex);
  if (fs.existsSync(metaDir)) for (const f of fs.readdirSync(metaDir)) put(`image/${driver}/imagedb/metadata/sha256/${idHex}/${f}`, fs.readFileSync(path.join(metaDir, f)));
  const repos = JSON.parse(fs.readFileSync(path.join(imageDir(), 'repositories.json'), 'utf8'));
  put(`image/${driver}/repositories.json`, JSON.stringify({ Repositories: { 'dle-app': repos.Repositories['dle-app'] } }));

  const copyLayerFolder = (id) => {
    const src = path.join(dataRoot, driver, id);
    const dst = path.join(outDir, driver, id);
    fs.mkdirSync(dst, { recursive: true });
    for (const f of ['link', 'lower', 'committed']) {
      if (fs.existsSync(path.join(src, f))) fs.copyFileSync(path.join(src, f), path.join(dst, f));
    }
    const link = readText(path.join(src, 'link'));
    if (link) {
      fs.mkdirSync(path.join(outDir, driver, 'l'), { recursive: true });
      fs.symlinkSync(`../${id}/diff`, path.join(outDir, driver, 'l', link.trim()));
    }
    special[id] = [];
    copyDiff(path.join(src, 'diff'), path.join(dst, 'diff'), '', special[id]);
    if (special[id].length === 0) delete special[id];
    for (const sub of ['work', 'merged']) if (fs.existsSync(path.join(src, sub))) emptyDirs.push(`${driver}/${id}/${sub}`);
  };

  // layerdb + overlay2 folder for each layer of dle-app (tar-split.json.gz left out: binary, not needed)
  for (const chain of await chainIds(inspect.RootFS.Layers)) {
    const src = path.join(imageDir(), 'layerdb/sha256', hex(chain));
    for (const f of ['cache-id', 'diff', 'parent', 'size']) {
      if (fs.existsSync(path.join(src, f))) put(`image/${driver}/layerdb/sha256/${hex(chain)}/${f}`, fs.readFileSync(path.join(src, f)));
    }
    copyLayerFolder(readText(path.join(src, 'cache-id')));
  }
  // containers made from dle-app: layerdb/mounts + their RW and -init layer folders
  for (const c of containers) {
    const src = path.join(imageDir(), 'layerdb/mounts', c.Id);
    for (const f of ['mount-id', 'init-id', 'parent']) {
      if (fs.existsSync(path.join(src, f))) put(`image/${driver}/layerdb/mounts/${c.Id}/${f}`, fs.readFileSync(path.join(src, f)));
    }
    for (const f of ['init-id', 'mount-id']) {
      const id = readText(path.join(src, f));
      if (id) copyLayerFolder(id);
    }
  }
  // git keeps no empty folders: list every empty one so a test helper can recreate them.
  const walk = (dir) => {
    const names = fs.readdirSync(dir);
    if (names.length === 0) emptyDirs.push(path.relative(outDir, dir));
    for (const n of names) {
      const p = path.join(dir, n);
      if (fs.lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(outDir);
  writeJson(path.join(outDir, 'fixture-manifest.json'), {
    about: 'Fake copy of a real dockerd data root (dle-app only). See test/fixtures/README.md.',
    dataRoot,
    driver,
    image: inspect.Id,
    repoTags: inspect.RepoTags,
    containers: containers.map((c) => ({ id: c.Id, name: c.Name })),
    maxCopiedFileSize: MAX_COPY,
    emptyDirs: [...new Set(emptyDirs)].sort(),
    specialEntries: special,
  });
}

// ---------------------------------------------------------------- main
async function main() {
  const version = await get('/version');
  const info = await get('/info');
  dataRoot = info.DockerRootDir;
  driver = info.Driver;
  const [maj, min] = version.Version.split('.');
  const out = path.resolve(opt('--out', path.join(ROOT, 'test/fixtures', `daemon-${maj}.${min}-${driver}`)));
  const dataRootOut = path.resolve(opt('--data-root-out', path.join(ROOT, 'test/fixtures', `data-root-${driver}`)));
  if (!IS_ROOT) console.warn('WARNING: not root: config, layerdb, overlayEntries and the fake data root are not recorded');

  fs.mkdirSync(out, { recursive: true });
  writeJson(path.join(out, 'version.json'), version);
  writeJson(path.join(out, 'info.json'), info);
  writeJson(path.join(out, 'images.json'), await get('/images/json'));
  writeJson(path.join(out, 'images-all.json'), await get('/images/json?all=1'));
  writeJson(path.join(out, 'containers.json'), await get('/containers/json?all=1'));
  writeJson(path.join(out, 'system-df.json'), await get('/system/df'));

  // --minimal (second daemon): dle-base and dle-app only, no containers, no data root.
  const minimal = args.includes('--minimal');
  const dangling = minimal ? [{}] : await get(`/images/json?filters=${q({ dangling: ['true'], label: ['dockerLayers.role=dangling'] })}`);
  if (dangling.length === 0) throw new Error('no dangling test image: run test/setup/build-test-images.sh');
  const images = minimal
    ? { 'dle-base': 'dle-base:latest', 'dle-app': 'dle-app:latest' }
    : { 'dle-base': 'dle-base:latest', 'dle-app': 'dle-app:latest', 'dle-shared': 'dle-shared:latest', dangling: dangling[0].Id };
  const summary = [];
  for (const [name, ref] of Object.entries(images)) {
    const rec = await recordImage(name, ref);
    writeJson(path.join(out, `image-${name}.json`), rec);
    summary.push(`image-${name}.json  ${rec.inspect.Id}  ${rec.inspect.RootFS.Layers.length} layers`);
  }
  const containers = [];
  for (const name of minimal ? [] : ['dle-container', 'dle-exited']) {
    let rec;
    try {
      rec = await recordContainer(name);
    } catch (e) {
      console.warn(`WARNING: container ${name} not recorded: ${e.message}`);
      continue;
    }
    writeJson(path.join(out, `container-${name}.json`), rec);
    containers.push(rec.inspect);
    summary.push(`container-${name}.json  ${rec.inspect.Id.slice(0, 12)}  mount ${rec.mounts?.mountId ?? '?'}`);
  }
  writeJson(path.join(out, 'save-dle-app.json'), await recordSave('dle-app:1.0'));
  summary.push('save-dle-app.json');

  if (IS_ROOT && !minimal && !args.includes('--no-data-root') && driver === 'overlay2') {
    await writeFakeDataRoot(dataRootOut, 'dle-app:latest', containers);
    summary.push(`fake data root: ${path.relative(ROOT, dataRootOut)}`);
  }
  console.log(`recorded from Docker ${version.Version} (API ${version.ApiVersion}, ${driver}) into ${path.relative(ROOT, out)}:`);
  for (const s of summary) console.log('  ' + s);
}

main().catch((e) => {
  console.error('record-fixtures: ERROR: ' + (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? `no daemon at ${SOCKET} (${e.code})` : e.stack));
  process.exit(1);
});
