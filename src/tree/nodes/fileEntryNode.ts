import { Dirent, promises as fs } from 'fs';
import * as vscode from 'vscode';
import { formatBytes } from '../../core/format';
import { StorageProfile } from '../../core/storage/storageProfile';
import { toHostFileUri } from '../../providers/hostFileUri';
import { listDirectory } from './directoryListing';
import { ChildrenCache, TreeContext, TreeNode } from './treeNode';

type EntryKind = 'folder' | 'file' | 'symlink' | 'whiteout' | 'other';

/** A file or folder inside a layer folder; folders expand lazily, files open on click. */
export class FileEntryNode implements TreeNode {
  readonly id: string;
  private readonly children = new ChildrenCache();

  private constructor(
    readonly parent: TreeNode,
    readonly filePath: string,
    readonly name: string,
    readonly kind: EntryKind,
    private readonly detail: string | undefined,
    private readonly storage: StorageProfile,
    private readonly context: TreeContext,
  ) {
    // A segment of its own, so a file named like a message key cannot collide with a message node.
    this.id = `${parent.id}/f/${name}`;
  }

  /** Looks closer only where the entry type is not enough: symlinks (target) and devices (whiteouts). */
  static async create(parent: TreeNode, filePath: string, entry: Dirent, storage: StorageProfile, context: TreeContext): Promise<FileEntryNode> {
    if (entry.isDirectory()) {
      return new FileEntryNode(parent, filePath, entry.name, 'folder', undefined, storage, context);
    }
    if (entry.isSymbolicLink()) {
      const target = await fs.readlink(filePath).catch(() => '?');
      return new FileEntryNode(parent, filePath, entry.name, 'symlink', `→ ${target}`, storage, context);
    }
    if (entry.isCharacterDevice()) {
      // overlayfs marks a deleted file with a 0/0 character device.
      const stat = await fs.lstat(filePath).catch(() => undefined);
      if (stat && stat.rdev === 0) {
        return new FileEntryNode(parent, filePath, entry.name, 'whiteout', vscode.l10n.t('deleted (whiteout)'), storage, context);
      }
      return new FileEntryNode(parent, filePath, entry.name, 'other', vscode.l10n.t('character device'), storage, context);
    }
    if (entry.isFile()) {
      const stat = await fs.lstat(filePath).catch(() => undefined);
      return new FileEntryNode(parent, filePath, entry.name, 'file', stat ? formatBytes(stat.size) : undefined, storage, context);
    }
    return new FileEntryNode(parent, filePath, entry.name, 'other', undefined, storage, context);
  }

  getTreeItem(): vscode.TreeItem {
    const folder = this.kind === 'folder';
    const item = new vscode.TreeItem(this.name, folder ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.resourceUri = toHostFileUri(this.filePath);
    item.description = this.detail;
    item.tooltip = this.detail ? `${this.filePath}\n${this.detail}` : this.filePath;
    item.contextValue = `layerEntry:${this.kind}`;
    if (folder) {
      item.iconPath = vscode.ThemeIcon.Folder;
    } else if (this.kind === 'whiteout') {
      item.iconPath = new vscode.ThemeIcon('trash', new vscode.ThemeColor('gitDecoration.deletedResourceForeground'));
    } else {
      item.iconPath = vscode.ThemeIcon.File;
      if (this.kind === 'file' || this.kind === 'symlink') {
        item.command = { command: 'vscode.open', title: vscode.l10n.t('Open'), arguments: [item.resourceUri] };
      }
    }
    return item;
  }

  invalidate(): void {
    this.children.clear();
  }

  getChildren(): Promise<TreeNode[]> {
    if (this.kind !== 'folder') {
      return Promise.resolve([]);
    }
    return this.children.get(() => listDirectory(this, this.filePath, this.storage, this.context));
  }
}
