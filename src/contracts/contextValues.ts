/**
 * The `contextValue` of every tree item, built only here: the manifest's `viewItem =~` clauses
 * match these, and test/unit/manifest.test.ts checks every clause against ALL_CONTEXT_VALUES.
 * Facets: `:folder` a layer has a folder; `:local` that folder is on this machine (Reveal works).
 */
import { LayerEntryKind } from '../core/layerfs/layerFileSystem';

export type MessageKind = 'info' | 'warning' | 'error';

const CONTAINER_STATES = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead', 'unknown'] as const;
const ENTRY_KINDS: readonly LayerEntryKind[] = ['file', 'directory', 'symlink', 'hardlink', 'whiteout', 'opaqueDirectory', 'other'];
const MESSAGE_KINDS: readonly MessageKind[] = ['info', 'warning', 'error'];

export const contextValues = {
  archive: () => 'archive',
  repositoryGroup: () => 'repositoryGroup',
  image: (tagged: boolean) => (tagged ? 'image' : 'image:untagged'),
  layer: (folder: 'none' | 'remote' | 'local') => (folder === 'none' ? 'layer' : folder === 'remote' ? 'layer:folder' : 'layer:folder:local'),
  layerDirectory: (owner: 'image' | 'container', local: boolean) => `layerDirectory:${owner}${local ? ':local' : ''}`,
  containerLayer: (local: boolean) => (local ? 'containerLayer:folder:local' : 'containerLayer:folder'),
  container: (state: string) => `container:${state}`,
  layerFiles: (mode: 'changes' | 'merged') => `layerFiles:${mode}`,
  /** `:host`: the entry is in a folder on this machine, so it has a host path to copy. */
  layerEntry: (kind: LayerEntryKind, onHost: boolean) => `layerEntry:${kind}${onHost ? ':host' : ''}`,
  emptyStep: () => 'emptyStep',
  comparisonGroup: () => 'comparisonGroup',
  comparedPath: (group: 'added' | 'removed' | 'changed') => `comparedPath:${group}`,
  message: (kind: MessageKind) => `message:${kind}`,
};

/** Every value the functions above can give (container states as the Engine reports them). */
export const ALL_CONTEXT_VALUES: readonly string[] = [
  contextValues.archive(),
  contextValues.repositoryGroup(),
  ...[true, false].map(contextValues.image),
  ...(['none', 'remote', 'local'] as const).map(contextValues.layer),
  ...(['image', 'container'] as const).flatMap((owner) => [false, true].map((local) => contextValues.layerDirectory(owner, local))),
  ...[false, true].map(contextValues.containerLayer),
  ...CONTAINER_STATES.map(contextValues.container),
  ...(['changes', 'merged'] as const).map(contextValues.layerFiles),
  ...ENTRY_KINDS.flatMap((kind) => [false, true].map((onHost) => contextValues.layerEntry(kind, onHost))),
  contextValues.emptyStep(),
  contextValues.comparisonGroup(),
  ...(['added', 'removed', 'changed'] as const).map(contextValues.comparedPath),
  ...MESSAGE_KINDS.map(contextValues.message),
];
