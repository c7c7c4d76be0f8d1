/**
 * Change marks on the files of an image's layers, like git's: A added, M modified, D deleted, R an
 * opaque folder that replaces what the layers below put there. In a layer's Changes every entry is
 * marked; in Merged only what that layer itself wrote. Colours are git's theme colours.
 * (A tree item cannot be struck through: VS Code's FileDecoration has no strike-through. Deleted
 * entries carry the D badge, the deleted colour, a trash icon and "deleted" in their description.)
 */
import * as vscode from 'vscode';
import { EngineConnection } from '../connection/engineConnection';
import { OpenedArchives } from '../connection/openedArchives';
import { LAYER_SCHEME, fromLayerUri } from '../contracts/layerUri';
import { PathChange } from '../core/analysis/fileHistory';

const MARKS: Record<PathChange, { badge: string; color: string; tooltip: () => string }> = {
  added: { badge: 'A', color: 'gitDecoration.addedResourceForeground', tooltip: () => vscode.l10n.t('Added in this layer') },
  modified: { badge: 'M', color: 'gitDecoration.modifiedResourceForeground', tooltip: () => vscode.l10n.t('Modified in this layer') },
  deleted: { badge: 'D', color: 'gitDecoration.deletedResourceForeground', tooltip: () => vscode.l10n.t('Deleted in this layer') },
  replaced: { badge: 'R', color: 'gitDecoration.modifiedResourceForeground', tooltip: () => vscode.l10n.t('Replaced in this layer (an opaque folder hides what the layers below put here)') },
};

export class LayerChangeDecorations implements vscode.FileDecorationProvider {
  constructor(
    private readonly connection: EngineConnection,
    private readonly archives: OpenedArchives,
  ) {}

  async provideFileDecoration(uri: vscode.Uri): Promise<vscode.FileDecoration | undefined> {
    if (uri.scheme !== LAYER_SCHEME) {
      return undefined;
    }
    const change = await this.changeOf(uri).catch(() => undefined);
    if (!change) {
      return undefined;
    }
    const mark = MARKS[change];
    return new vscode.FileDecoration(mark.badge, mark.tooltip(), new vscode.ThemeColor(mark.color));
  }

  /** What the URI's layer did to its path. Only for listings already open: never starts a download. */
  private async changeOf(uri: vscode.Uri): Promise<PathChange | undefined> {
    const ref = fromLayerUri(uri);
    if (ref.layer.owner !== 'image' || ref.root === 'folder' || ref.path === '/') {
      return undefined;
    }
    const catalog = await this.archives.catalogFor(ref.layer, this.connection);
    const { imageId, index } = ref.layer;
    if (!catalog.builtFileHistory(imageId) && !(await catalog.filesAtHand(imageId))) {
      return undefined;
    }
    const node = (await catalog.fileHistory(imageId)).node(ref.path);
    if (!node) {
      return undefined;
    }
    const written = node.versions().find((version) => version.layer === index);
    if (!written) {
      return undefined;
    }
    // A whiteout of a path no layer below had still deletes, as the layer's own entries say.
    const change = node.changeAt(index) ?? (written.entry === null ? 'deleted' : undefined);
    const folder = written.entry?.kind === 'directory';
    // A folder a layer only passes through (to change what is in it) is not itself a change, as in git.
    return folder && change === 'modified' ? undefined : change;
  }
}
