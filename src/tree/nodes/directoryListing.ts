import { Dirent, promises as fs } from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { explainAccessError } from '../../core/storage/folderAccess';
import { StorageProfile } from '../../core/storage/storageProfile';
import { FileEntryNode } from './fileEntryNode';
import { MessageNode } from './messageNode';
import { TreeContext, TreeNode } from './treeNode';

/** A folder listing beyond this many entries is cut, with a message saying how many were left out. */
const MAX_ENTRIES = 2000;

/** The entries of a real folder under the data root, read only, folders first. */
export async function listDirectory(parent: TreeNode, directory: string, storage: StorageProfile, context: TreeContext): Promise<TreeNode[]> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(directory, { withFileTypes: true });
  } catch (error) {
    context.log.warn(`[tree] cannot list ${directory}: ${(error as Error).message}`);
    const { reason, message } = explainAccessError(error as NodeJS.ErrnoException, directory, storage);
    const label = reason === 'missing' ? vscode.l10n.t('Folder does not exist: {0}', directory) : vscode.l10n.t('Not readable by this user: {0}', directory);
    return [new MessageNode(parent, reason, label, 'warning', message)];
  }
  if (entries.length === 0) {
    return [new MessageNode(parent, 'empty', vscode.l10n.t('(empty folder)'))];
  }
  entries.sort((a, b) => Number(b.isDirectory()) - Number(a.isDirectory()) || a.name.localeCompare(b.name));
  const shown = entries.slice(0, MAX_ENTRIES);
  const nodes: TreeNode[] = await Promise.all(shown.map((entry) => FileEntryNode.create(parent, path.join(directory, entry.name), entry, storage, context)));
  if (entries.length > shown.length) {
    nodes.push(new MessageNode(parent, 'more', vscode.l10n.t('… {0} more entries not shown', entries.length - shown.length)));
  }
  return nodes;
}
