import { Dirent, promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { FileEntryNode } from './fileEntryNode';
import { MessageNode } from './messageNode';
import { TreeContext, TreeNode } from './treeNode';

/** A folder listing beyond this many entries is cut, with a message saying how many were left out. */
const MAX_ENTRIES = 2000;

/** The entries of a real folder under the data root, read only, folders first. */
export async function listDirectory(parent: TreeNode, directory: string, context: TreeContext): Promise<TreeNode[]> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(directory, { withFileTypes: true });
  } catch (error) {
    context.log.warn(`[tree] cannot list ${directory}: ${(error as Error).message}`);
    return [unreadableNode(parent, directory, error as NodeJS.ErrnoException)];
  }
  if (entries.length === 0) {
    return [new MessageNode(parent, 'empty', vscode.l10n.t('(empty folder)'))];
  }
  entries.sort((a, b) => Number(b.isDirectory()) - Number(a.isDirectory()) || a.name.localeCompare(b.name));
  const shown = entries.slice(0, MAX_ENTRIES);
  const nodes: TreeNode[] = await Promise.all(shown.map((entry) => FileEntryNode.create(parent, path.join(directory, entry.name), entry, context)));
  if (entries.length > shown.length) {
    nodes.push(new MessageNode(parent, 'more', vscode.l10n.t('… {0} more entries not shown', entries.length - shown.length)));
  }
  return nodes;
}

function unreadableNode(parent: TreeNode, directory: string, error: NodeJS.ErrnoException): MessageNode {
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    const user = safeUserName();
    return new MessageNode(
      parent,
      'unreadable',
      vscode.l10n.t('Not readable by user {0}: {1}', user, directory),
      'warning',
      vscode.l10n.t(
        "Docker's data root belongs to root (mode 0710, image/ 0700), so even members of the docker group cannot read layer folders. The IDs and paths above still come from the Engine API. To browse the files, run as root (e.g. `sudo ls {0}`) or use rootless Docker, whose data root belongs to you.",
        directory,
      ),
    );
  }
  if (error.code === 'ENOENT') {
    return new MessageNode(
      parent,
      'missing',
      vscode.l10n.t('Folder does not exist on this machine: {0}', directory),
      'warning',
      vscode.l10n.t('The layer may have been deleted since the view was loaded (refresh), or the daemon keeps its data elsewhere (another machine, a VM).'),
    );
  }
  return new MessageNode(parent, 'error', vscode.l10n.t('Cannot read {0}: {1}', directory, error.message), 'error');
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return String(process.getuid?.() ?? '?');
  }
}
