#!/usr/bin/env node
// Record Podman's Docker-compatible API for the unit tests (which never need Podman).
//
//   node test/setup/record-podman-fixtures.mjs [--socket PATH] [--out DIR] [--storage]
//
// Needs `podman system service --time=0 unix://<PATH>` (default: $DLE_PODMAN_HOST, else the socket
// test/setup/start-podman-service.sh starts, /tmp/dle-podman/run/podman.sock) and the images from
// build-podman-test-images.sh. Node builtins only: HTTP over the unix socket, as record-fixtures.mjs
// does for dockerd. Only the compat API is recorded, except `configHistory`.
//
// --storage records, instead of all below, containers-storage's own metadata for the dle-podman-*
// images and container (run as root: the storage is root's), into OUT/storage/, laid out as the
// storage root is, so a test can use that folder as one (the layer folders themselves are not copied):
//   overlay-layers/layers.json        the layers of those images and the container's (entries as Podman wrote them)
//   overlay-images/images.json        those images
//   overlay-images/<id>/=<base64>     each one's image config (the "big data" item named by its digest)
//   overlay-containers/containers.json  the container
//   api.json                          { storageRoot, version, images: { <name>: GET /images/{name}/json },
//                                       container: GET /containers/{name}/json }: the same objects
//                                       through the Docker-compatible API (GraphDriver paths under storageRoot)
//
// Writes (default OUT = test/fixtures/podman-<major.minor>/):
//   info.json, version.json, images.json (GET /images/json)
//   image-dle-podman-app.json        { inspect, history, configHistory }
//   container-dle-podman-container.json { inspect }
//   events.json                      GET /events while the recorder tags, commits and removes throwaway
//                                    objects (dle-podman-events*), to show Podman's action names
// `configHistory` is the image config's history (with `empty_layer`), from Podman's own
// /libpod/images/{name}/json: the ground truth the compat history lacks.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const SOCKET = opt('--socket', (process.env.DLE_PODMAN_HOST || '/tmp/dle-podman/run/podman.sock').replace(/^unix:\/\//, ''));
const STORAGE_IMAGES = ['localhost/dle-podman-base:latest', 'localhost/dle-podman-app:1.0', 'localhost/dle-podman-changes:1.0'];
const IMAGE = 'dle-podman-app:1.0';
const CONTAINER = 'dle-podman-container';

function request(method, urlPath, body) {
  return new Promise((resolve, reject) => {
    const headers = { Host: 'podman', ...(body ? { 'Content-Type': 'application/json' } : {}) };
    const req = http.request({ socketPath: SOCKET, method, path: urlPath, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode >= 400) reject(new Error(`${method} ${urlPath}: HTTP ${res.statusCode} ${text.trim()}`));
        else resolve(text.trim() ? JSON.parse(text) : null);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}
const get = (urlPath) => request('GET', urlPath);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Removes what recordEvents makes; tolerates what is already gone. Removing the tag only untags dle-podman-app. */
async function removeThrowaways() {
  for (const urlPath of ['/containers/dle-podman-events-container', '/images/dle-podman-events:tag', '/images/dle-podman-events:commit']) {
    await request('DELETE', urlPath).catch((e) => {
      if (!/HTTP 404/.test(e.message)) throw e;
    });
  }
}

/** Listen to GET /events while tagging, creating, committing and removing throwaway objects. */
async function recordEvents() {
  const events = [];
  const req = http.request({ socketPath: SOCKET, method: 'GET', path: '/events', headers: { Host: 'podman' } }, (res) => {
    let buffered = '';
    res.on('data', (c) => {
      buffered += c.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) if (line.trim()) events.push(JSON.parse(line));
    });
  });
  req.on('error', () => {}); // destroyed at the end
  req.end();
  await sleep(1000);
  try {
    await request('POST', `/images/${encodeURIComponent(IMAGE)}/tag?repo=dle-podman-events&tag=tag`);
    await request('POST', '/containers/create?name=dle-podman-events-container', { Image: IMAGE });
    await request('POST', '/commit?container=dle-podman-events-container&repo=dle-podman-events&tag=commit', {});
  } finally {
    await removeThrowaways();
  }
  await sleep(2000);
  req.destroy();
  return events;
}

const writeJson = (file, data) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
};

/** containers-storage's metadata for the test images and container, filtered from the storage root. */
async function recordStorage(out, version) {
  const info = await get('/info');
  const storageRoot = info.DockerRootDir;
  const readStorage = (...parts) => JSON.parse(fs.readFileSync(path.join(storageRoot, ...parts), 'utf8'));
  const images = readStorage('overlay-images', 'images.json').filter((image) => (image.names ?? []).some((name) => STORAGE_IMAGES.includes(name)));
  if (images.length !== STORAGE_IMAGES.length) {
    throw new Error(`expected the images ${STORAGE_IMAGES.join(', ')} in ${storageRoot}, found ${images.length}: run build-podman-test-images.sh`);
  }
  const containers = readStorage('overlay-containers', 'containers.json').filter((container) => (container.names ?? []).includes(CONTAINER));
  const allLayers = readStorage('overlay-layers', 'layers.json');
  const byId = new Map(allLayers.map((layer) => [layer.id, layer]));
  const kept = new Set(containers.map((container) => container.layer));
  for (const image of images) {
    for (let id = image.layer; id; id = byId.get(id)?.parent) kept.add(id);
  }
  const dir = path.join(out, 'storage');
  fs.rmSync(dir, { recursive: true, force: true });
  writeJson(path.join(dir, 'overlay-layers', 'layers.json'), allLayers.filter((layer) => kept.has(layer.id)));
  writeJson(path.join(dir, 'overlay-images', 'images.json'), images);
  writeJson(path.join(dir, 'overlay-containers', 'containers.json'), containers);
  for (const image of images) {
    // The config, byte for byte: its sha256 is the image ID.
    const name = '=' + Buffer.from(`sha256:${image.id}`).toString('base64');
    fs.mkdirSync(path.join(dir, 'overlay-images', image.id), { recursive: true });
    fs.writeFileSync(path.join(dir, 'overlay-images', image.id, name), fs.readFileSync(path.join(storageRoot, 'overlay-images', image.id, name)));
  }
  const api = { storageRoot, version: version.Version, images: {}, container: await get(`/containers/${encodeURIComponent(CONTAINER)}/json`) };
  for (const name of STORAGE_IMAGES) api.images[name] = await get(`/images/${encodeURIComponent(name)}/json`);
  writeJson(path.join(dir, 'api.json'), api);
  console.log(`recorded the containers-storage metadata of ${storageRoot} (Podman ${version.Version}) into ${path.relative(ROOT, dir)}:`);
  console.log(`  ${images.length} images, ${kept.size} of ${allLayers.length} layers, ${containers.length} container`);
}

async function main() {
  const version = await get('/version');
  if (!(version.Components ?? []).some((c) => c.Name === 'Podman Engine')) {
    throw new Error(`the daemon at ${SOCKET} is not Podman (${version.Version})`);
  }
  const [major, minor] = version.Version.split('.');
  const out = path.resolve(opt('--out', path.join(ROOT, 'test', 'fixtures', `podman-${major}.${minor}`)));
  if (args.includes('--storage')) {
    await recordStorage(out, version);
    return;
  }
  const ref = encodeURIComponent(IMAGE);
  const inspect = await get(`/images/${ref}/json`);
  const history = await get(`/images/${ref}/history`);
  const libpod = await get(`/v${version.Version}/libpod/images/${ref}/json`);
  const container = await get(`/containers/${encodeURIComponent(CONTAINER)}/json`);

  writeJson(path.join(out, 'version.json'), version);
  writeJson(path.join(out, 'info.json'), await get('/info'));
  writeJson(path.join(out, 'images.json'), await get('/images/json'));
  writeJson(path.join(out, 'image-dle-podman-app.json'), { inspect, history, configHistory: libpod.History ?? null });
  writeJson(path.join(out, `container-${CONTAINER}.json`), { inspect: container });
  const events = await recordEvents();
  writeJson(path.join(out, 'events.json'), events);

  console.log(`recorded from Podman ${version.Version} (API ${version.ApiVersion}) into ${path.relative(ROOT, out)}:`);
  console.log(`  image-dle-podman-app.json  ${inspect.Id}  ${inspect.RootFS.Layers.length} layers`);
  console.log(`  container-${CONTAINER}.json  ${container.Id.slice(0, 12)}  upper ${container.GraphDriver?.Data?.UpperDir ?? '?'}`);
  console.log(`  events.json  ${events.map((e) => `${e.Type} ${e.Action}`).join(', ')}`);
}

main().catch((e) => {
  console.error('record-podman-fixtures: ERROR: ' + (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' ? `no Podman service at ${SOCKET} (${e.code})` : e.stack));
  process.exit(1);
});
