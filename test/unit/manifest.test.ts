/**
 * The manifest's menus against the contextValues the tree nodes set: each item shows exactly the
 * actions that work on it (a Copy entry on a file row that copies nothing would be a lie).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { ALL_CONTEXT_VALUES } from '../../src/contracts/contextValues';
import { REPO_ROOT } from './helpers/fixtures';

interface MenuEntry {
  command?: string;
  submenu?: string;
  when?: string;
}

interface Manifest {
  contributes: { menus: Record<string, MenuEntry[]>; commands: { command: string }[] };
}

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;
const menus = manifest.contributes.menus;

/** Every contextValue a node can set: the tree nodes build them with the same module. */
const CONTEXT_VALUES = ALL_CONTEXT_VALUES;

/** Evaluates the `viewItem =~ /…/` part of a when clause (the only part that varies by item). */
function shows(entry: MenuEntry, contextValue: string): boolean {
  const match = /viewItem =~ \/(.+?)\/(?:\s|$)/.exec(entry.when ?? '');
  return match ? new RegExp(match[1]).test(contextValue) : true;
}

function itemActions(contextValue: string): string[] {
  const actions: string[] = [];
  for (const entry of menus['view/item/context']) {
    if (!shows(entry, contextValue)) {
      continue;
    }
    if (entry.command) {
      actions.push(entry.command);
    } else if (entry.submenu) {
      actions.push(...menus[entry.submenu].filter((inner) => shows(inner, contextValue)).map((inner) => inner.command!));
    }
  }
  return [...new Set(actions)].sort();
}

describe('manifest menus', () => {
  const expected: Record<string, string[]> = {
    image: ['dockerLayers.copy.imageId', 'dockerLayers.copy.tags', 'dockerLayers.image.inspect', 'dockerLayers.image.pickPlatform', 'dockerLayers.files.findLargest', 'dockerLayers.image.compareWith', 'dockerLayers.image.showSizeMap', 'dockerLayers.image.showSummary', 'dockerLayers.image.showWastedSpace'],
    'image:untagged': ['dockerLayers.copy.imageId', 'dockerLayers.image.inspect', 'dockerLayers.image.pickPlatform', 'dockerLayers.files.findLargest', 'dockerLayers.image.compareWith', 'dockerLayers.image.showSizeMap', 'dockerLayers.image.showSummary', 'dockerLayers.image.showWastedSpace'],
    'layer:folder:local': [
      'dockerLayers.copy.cacheId', 'dockerLayers.copy.chainId', 'dockerLayers.copy.diffId', 'dockerLayers.copy.imageId', 'dockerLayers.copy.tags',
      'dockerLayers.layer.copyPath', 'dockerLayers.layer.inspect', 'dockerLayers.layer.openInNewWindow', 'dockerLayers.layer.openInTerminal',
      'dockerLayers.layer.revealInExplorer', 'dockerLayers.layer.revealInOS', 'dockerLayers.files.findLargest', 'dockerLayers.layer.goToDockerfileStep', 'dockerLayers.layer.showSizeMap',
    ],
    // A folder on the daemon's host (remote, Desktop's VM): its IDs and path, nothing that opens it here.
    'layer:folder': [
      'dockerLayers.copy.cacheId', 'dockerLayers.copy.chainId', 'dockerLayers.copy.diffId', 'dockerLayers.copy.imageId', 'dockerLayers.copy.tags',
      'dockerLayers.layer.copyPath', 'dockerLayers.layer.inspect', 'dockerLayers.files.findLargest', 'dockerLayers.layer.goToDockerfileStep', 'dockerLayers.layer.showSizeMap',
    ],
    layer: ['dockerLayers.copy.chainId', 'dockerLayers.copy.diffId', 'dockerLayers.copy.imageId', 'dockerLayers.copy.tags', 'dockerLayers.layer.inspect', 'dockerLayers.files.findLargest', 'dockerLayers.layer.goToDockerfileStep', 'dockerLayers.layer.showSizeMap'],
    'layerDirectory:image': [
      'dockerLayers.copy.cacheId', 'dockerLayers.copy.chainId', 'dockerLayers.copy.diffId', 'dockerLayers.copy.imageId', 'dockerLayers.copy.tags',
      'dockerLayers.layer.copyPath', 'dockerLayers.layer.inspect',
    ],
    'layerDirectory:container:local': [
      'dockerLayers.container.inspect', 'dockerLayers.copy.cacheId', 'dockerLayers.copy.containerId', 'dockerLayers.copy.imageId',
      'dockerLayers.layer.copyPath', 'dockerLayers.layer.openInNewWindow', 'dockerLayers.layer.openInTerminal',
      'dockerLayers.layer.revealInExplorer', 'dockerLayers.layer.revealInOS',
    ],
    'containerLayer:folder:local': [
      'dockerLayers.container.inspect', 'dockerLayers.copy.cacheId', 'dockerLayers.copy.containerId', 'dockerLayers.copy.imageId',
      'dockerLayers.layer.copyPath', 'dockerLayers.layer.openInNewWindow', 'dockerLayers.layer.openInTerminal',
      'dockerLayers.layer.revealInExplorer', 'dockerLayers.layer.revealInOS',
    ],
    'containerLayer:folder': ['dockerLayers.container.inspect', 'dockerLayers.copy.cacheId', 'dockerLayers.copy.containerId', 'dockerLayers.copy.imageId', 'dockerLayers.layer.copyPath'],
    'container:exited': ['dockerLayers.container.inspect', 'dockerLayers.copy.containerId', 'dockerLayers.copy.imageId'],
    // A file read from the image archive has no host path; one in a readable folder has.
    'layerEntry:file': ['dockerLayers.file.compareWithPrevious', 'dockerLayers.file.copyPathInImage', 'dockerLayers.file.openToSide', 'dockerLayers.file.saveCopyAs'],
    'layerEntry:file:host': ['dockerLayers.file.compareWithPrevious', 'dockerLayers.file.copyHostPath', 'dockerLayers.file.copyPathInImage', 'dockerLayers.file.openToSide', 'dockerLayers.file.saveCopyAs'],
    'layerEntry:directory': ['dockerLayers.file.copyPathInImage', 'dockerLayers.file.saveCopyAs'],
    'layerEntry:symlink:host': ['dockerLayers.file.compareWithPrevious', 'dockerLayers.file.copyHostPath', 'dockerLayers.file.copyPathInImage', 'dockerLayers.file.openToSide'],
    'layerEntry:whiteout': ['dockerLayers.file.compareWithPrevious', 'dockerLayers.file.copyPathInImage'],
    'layerFiles:changes': [],
    'layerFiles:merged': ['dockerLayers.files.findLargest'],
    comparisonGroup: [],
    'comparedPath:changed': [],
    archive: ['dockerLayers.archive.close'],
    emptyStep: [],
    'message:error': ['dockerLayers.retry'],
  };
  for (const [contextValue, actions] of Object.entries(expected)) {
    it(`offers ${contextValue} exactly the actions that work on it`, () => {
      assert.ok(CONTEXT_VALUES.includes(contextValue), `${contextValue} is a value the nodes set`);
      assert.deepEqual(itemActions(contextValue), [...actions].sort());
    });
  }

  it('names only contributed commands in menus, and contributes a title for each', () => {
    const contributed = new Set(manifest.contributes.commands.map((command) => command.command));
    for (const entries of Object.values(menus)) {
      for (const entry of entries) {
        if (entry.command) {
          assert.ok(contributed.has(entry.command), `${entry.command} is contributed`);
        }
      }
    }
    for (const contextValue of CONTEXT_VALUES) {
      for (const action of itemActions(contextValue)) {
        assert.ok(contributed.has(action), action);
      }
    }
  });

  it('matches every viewItem clause of every item menu to a context value some node sets', () => {
    const entries = [...menus['view/item/context'], ...Object.entries(menus).filter(([name]) => name.startsWith('dockerLayers.')).flatMap(([, inner]) => inner)];
    for (const entry of entries) {
      if (entry.when?.includes('viewItem')) {
        assert.ok(CONTEXT_VALUES.some((value) => shows(entry, value)), `${entry.command ?? entry.submenu}: "${entry.when}" matches some context value`);
      }
    }
  });

  it('offers Reveal, New Window, OS File Manager and Terminal only on folders on this machine', () => {
    const localOnly = ['dockerLayers.layer.revealInExplorer', 'dockerLayers.layer.openInNewWindow', 'dockerLayers.layer.revealInOS', 'dockerLayers.layer.openInTerminal'];
    for (const value of CONTEXT_VALUES) {
      const offered = itemActions(value).filter((action) => localOnly.includes(action));
      assert.deepEqual(offered, value.endsWith(':local') ? [...localOnly].sort() : [], value);
    }
  });

  it('has a localized string for every %key% in the manifest', () => {
    const nls = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const keys = [...JSON.stringify(manifest).matchAll(/"%([^%"]+)%"/g)].map((match) => match[1]);
    assert.ok(keys.length > 20);
    for (const key of keys) {
      assert.ok(nls[key], `package.nls.json has ${key}`);
    }
  });
});
