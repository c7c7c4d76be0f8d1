/**
 * Faults of the real daemon while the view is open: an image deleted while expanded, dockerd
 * stopping and starting again, a socket this user may not open. Near the end of the suite (zz…):
 * the restart test stops the daemon every other test uses.
 */
import * as assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { promises as fs, existsSync, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import * as vscode from 'vscode';
import type { DockerLayersApi } from '../../src/extension';
import type { EngineStatus } from '../../src/tree/imagesTreeProvider';
import { docker, isRoot, openView, rootNodes, skipUnless, waitFor } from './support';

const run = promisify(execFile);
const PIDFILE = '/var/run/docker.pid';
/** out/test/extension → the checkout, where test/setup/start-dockerd.sh is. */
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Counts the dialogs the extension raises (a storm of them is what this must not cause). */
function countDialogs(): { count: () => number; dispose: () => void } {
  const window = vscode.window as unknown as Record<string, (...args: unknown[]) => Thenable<unknown>>;
  const names = ['showErrorMessage', 'showWarningMessage'];
  const originals = names.map((name) => window[name]);
  let shown = 0;
  names.forEach((name, index) => {
    window[name] = (...args: unknown[]) => {
      shown++;
      return originals[index].apply(vscode.window, args);
    };
  });
  return {
    count: () => shown,
    dispose: () => names.forEach((name, index) => (window[name] = originals[index])),
  };
}

describe('faults of the real daemon, with the view open', function () {
  this.timeout(180_000);
  let api: DockerLayersApi;

  before(async function () {
    api = await openView();
  });

  it('an image deleted while expanded leaves the view, with no error dialog', async function () {
    const context = await fs.mkdtemp(path.join(os.tmpdir(), 'dle-deleted-'));
    const tag = `dle-deleted-probe:${Date.now()}`;
    await fs.writeFile(path.join(context, 'Dockerfile'), `FROM dle-base:latest\nRUN echo ${Date.now()} > /deleted.txt\n`);
    const dialogs = countDialogs();
    try {
      await docker('build', '-q', '--network', 'none', '-t', tag, context);
      const id = (JSON.parse(await docker('image', 'inspect', tag)) as { Id: string }[])[0].Id;
      const node = await waitFor('the new image in the view', async () => (await rootNodes(api)).find((candidate) => candidate.id === `image/${id}`), 15_000);
      assert.equal((await node.getChildren()).length, 2, 'expanded: its two layers');
      await docker('rmi', tag);
      await waitFor('the deleted image gone from the view', async () => !(await rootNodes(api)).some((candidate) => candidate.id === `image/${id}`), 15_000);
      assert.equal(dialogs.count(), 0, 'no dialog for a deleted image');
    } finally {
      dialogs.dispose();
      await docker('rmi', '-f', tag).catch(() => undefined);
      await fs.rm(context, { recursive: true, force: true });
    }
  });

  it('dockerd stopping shows the unreachable state within seconds, and its return brings the images back by itself', async function () {
    skipUnless(this, isRoot && existsSync(PIDFILE), 'stopping and starting dockerd needs root and its default pidfile');
    const pid = Number(readFileSync(PIDFILE, 'utf8').trim());
    skipUnless(this, readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dockerd', `${PIDFILE} does not name a running dockerd`);
    await waitFor('the images in the view', async () => (await rootNodes(api)).length > 0);
    const statuses: { at: number; status: EngineStatus }[] = [];
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const listener = api.views.images.provider.onDidChangeStatus((status) => statuses.push({ at: Date.now(), status }));
    const dialogs = countDialogs();
    try {
      const stopped = Date.now();
      process.kill(pid, 'SIGTERM');
      await waitFor('dockerd to exit', () => !existsSync(`/proc/${pid}`), 30_000);
      // No refresh command: the lost event stream is what makes the view look again.
      const down = await waitFor('the unreachable state', () => statuses.find(({ status }) => status.state === 'unreachable'), 20_000);
      console.log(`      unreachable state ${down.at - stopped} ms after dockerd was told to stop`);
      assert.deepEqual(await rootNodes(api), [], 'no rows: the welcome view shows');
      const restarted = Date.now();
      await run('bash', [path.join(REPO_ROOT, 'test', 'setup', 'start-dockerd.sh')], { timeout: 90_000 });
      const back = await waitFor('the images back without a refresh', async () => ((await rootNodes(api)).length > 0 ? Date.now() : undefined), 60_000);
      console.log(`      images back ${back - restarted} ms after dockerd was started again (its start included)`);
      assert.equal(statuses.at(-1)?.status.state, 'ok', statuses.map(({ status }) => status.state).join(' → '));
      assert.deepEqual(rejections, [], 'no unhandled rejection in the extension host');
      assert.equal(dialogs.count(), 0, 'no dialog: the view says it');
    } finally {
      dialogs.dispose();
      listener.dispose();
      process.off('unhandledRejection', onRejection);
      // Whatever happened above, the daemon is there for the tests after this one.
      await run('bash', [path.join(REPO_ROOT, 'test', 'setup', 'start-dockerd.sh')], { timeout: 90_000 });
    }
  });

  it('a socket this user may not open gets the permission message', async function () {
    skipUnless(this, !isRoot, 'root opens any socket: the permission check needs a user without privileges');
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'dle-no-permission-'));
    const socket = path.join(folder, 'docker.sock');
    // What a socket owned by another user, or a file left in its place, is to this user.
    await fs.writeFile(socket, '');
    await fs.chmod(socket, 0o000);
    const configuration = vscode.workspace.getConfiguration('dockerLayers');
    const statuses: EngineStatus[] = [];
    const listener = api.views.images.provider.onDidChangeStatus((status) => statuses.push(status));
    try {
      await configuration.update('host', `unix://${socket}`, vscode.ConfigurationTarget.Global);
      const status = await waitFor('the unreachable state', async () => {
        await rootNodes(api);
        return statuses.find((candidate) => candidate.state === 'unreachable');
      });
      assert.equal(status.error?.kind, 'permission');
      assert.match(status.error?.message ?? '', /permission denied on the socket/);
      assert.ok(status.error?.message.includes(socket), status.error?.message);
    } finally {
      listener.dispose();
      await configuration.update('host', undefined, vscode.ConfigurationTarget.Global);
      await fs.rm(folder, { recursive: true, force: true });
    }
    await waitFor('the images back after restoring the setting', async () => (await rootNodes(api)).length > 0);
  });
});
