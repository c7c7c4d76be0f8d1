/**
 * The manifest's menus against the contextValues the tree nodes set: each item shows exactly the
 * actions that work on it (a Copy entry on a file row that copies nothing would be a lie).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from './helpers/fixtures';

interface MenuEntry {
  command?: string;
  submenu?: string;
  when?: string;
}

const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const menus = manifest.contributes.menus as Record<string, MenuEntry[]>;

/** Every contextValue a node sets (see src/tree/nodes). */
const CONTEXT_VALUES = [
  'image',
  'image:untagged',
  'layer',
  'layer:folder',
  'layerDirectory:image',
  'layerDirectory:image:local',
  'layerDirectory:container:local',
  'containerLayer:folder',
  'container:running',
  'container:exited',
  'layerEntry:file',
  'layerEntry:folder',
  'layerEntry:whiteout',
  'emptyStep',
  'message:error',
];

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
    image: ['dockerLayers.copy.imageId', 'dockerLayers.copy.tags', 'dockerLayers.image.inspect'],
    'image:untagged': ['dockerLayers.copy.imageId', 'dockerLayers.image.inspect'],
    'layer:folder': [
      'dockerLayers.copy.cacheId', 'dockerLayers.copy.chainId', 'dockerLayers.copy.diffId', 'dockerLayers.copy.imageId', 'dockerLayers.copy.tags',
      'dockerLayers.layer.copyPath', 'dockerLayers.layer.inspect', 'dockerLayers.layer.openInNewWindow', 'dockerLayers.layer.openInTerminal',
      'dockerLayers.layer.revealInExplorer', 'dockerLayers.layer.revealInOS',
    ],
    layer: ['dockerLayers.copy.chainId', 'dockerLayers.copy.diffId', 'dockerLayers.copy.imageId', 'dockerLayers.copy.tags', 'dockerLayers.layer.inspect'],
    'layerDirectory:container:local': [
      'dockerLayers.container.inspect', 'dockerLayers.copy.cacheId', 'dockerLayers.copy.containerId', 'dockerLayers.copy.imageId',
      'dockerLayers.layer.copyPath', 'dockerLayers.layer.openInNewWindow', 'dockerLayers.layer.openInTerminal',
      'dockerLayers.layer.revealInExplorer', 'dockerLayers.layer.revealInOS',
    ],
    'container:exited': ['dockerLayers.container.inspect', 'dockerLayers.copy.containerId', 'dockerLayers.copy.imageId'],
    'layerEntry:file': [],
    'layerEntry:folder': [],
    emptyStep: [],
    'message:error': [],
  };
  for (const [contextValue, actions] of Object.entries(expected)) {
    it(`offers ${contextValue} exactly the actions that work on it`, () => {
      assert.deepEqual(itemActions(contextValue), [...actions].sort());
    });
  }

  it('names only contributed commands in menus, and contributes a title for each', () => {
    const contributed = new Set((manifest.contributes.commands as { command: string }[]).map((command) => command.command));
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

  it('has a localized string for every %key% in the manifest', () => {
    const nls = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const keys = [...JSON.stringify(manifest).matchAll(/"%([^%"]+)%"/g)].map((match) => match[1]);
    assert.ok(keys.length > 20);
    for (const key of keys) {
      assert.ok(nls[key], `package.nls.json has ${key}`);
    }
  });
});
