import * as vscode from 'vscode';
import { MessageKind, contextValues } from '../../contracts/contextValues';
import { TreeNode } from './treeNode';

const ICONS: Record<MessageKind, vscode.ThemeIcon> = {
  info: new vscode.ThemeIcon('info'),
  warning: new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  error: new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground')),
};

/** A leaf that explains an empty or failed level in place, instead of a notification. */
export class MessageNode implements TreeNode {
  readonly id: string;

  constructor(
    readonly parent: TreeNode | undefined,
    key: string,
    private readonly message: string,
    private readonly kind: MessageKind = 'info',
    private readonly detail?: string,
  ) {
    this.id = `${parent?.id ?? 'root'}/message/${key}`;
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.message, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = ICONS[this.kind];
    item.tooltip = this.detail ? `${this.message}\n\n${this.detail}` : this.message;
    item.contextValue = contextValues.message(this.kind);
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    return [];
  }
}

/** The message node for an error while loading a level's children. */
export function errorNode(parent: TreeNode | undefined, what: string, error: unknown): MessageNode {
  const message = error instanceof Error ? error.message : String(error);
  return new MessageNode(parent, 'error', vscode.l10n.t('Could not load {0}: {1}', what, message), 'error');
}
