import * as vscode from 'vscode';
import { HistorySource, HistoryStep } from '../../core/model/historySteps';
import { contextValues } from '../../contracts/contextValues';
import { toDimmedItemUri } from '../../contracts/dimmedItemUri';
import { TreeNode } from './treeNode';

/** A history step that changed only metadata (ENV, LABEL, CMD, …): a dimmed leaf in its place. */
export class EmptyStepNode implements TreeNode {
  readonly id: string;

  constructor(
    readonly parent: TreeNode,
    private readonly step: HistoryStep,
    private readonly source: HistorySource,
  ) {
    this.id = `${parent.id}/step/${step.position}`;
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.step.step, vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.description = vscode.l10n.t('no layer');
    item.iconPath = new vscode.ThemeIcon('symbol-constant', new vscode.ThemeColor('disabledForeground'));
    item.resourceUri = toDimmedItemUri(this.id);
    item.contextValue = contextValues.emptyStep();
    const guess = this.source === 'engine history (inferred)' ? `\n\n${vscode.l10n.t('Inferred from the Engine history (the image config was not readable).')}` : '';
    item.tooltip = `${this.step.createdBy ?? this.step.step}\n\n${vscode.l10n.t('Metadata only: this step made no layer.')}${guess}`;
    return item;
  }

  async getChildren(): Promise<TreeNode[]> {
    return [];
  }
}
