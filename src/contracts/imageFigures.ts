/** dive's figures of an image, as table rows for its tooltip and its summary. */
import * as vscode from 'vscode';
import { ImageEfficiency } from '../core/analysis/efficiency';
import { formatBytes } from '../core/format';

const percent = (ratio: number) => `${(ratio * 100).toFixed(2)} %`;

export function imageFiguresRows(figures: ImageEfficiency): [string, string][] {
  return [
    [vscode.l10n.t('Total size'), `${formatBytes(figures.sizeBytes)} (${figures.sizeBytes.toLocaleString()} bytes)`],
    [vscode.l10n.t('User size'), `${formatBytes(figures.userSizeBytes)} (${vscode.l10n.t('every layer but the first')})`],
    [vscode.l10n.t('Wasted'), `${formatBytes(figures.wastedBytes)} (${figures.wastedBytes.toLocaleString()} bytes, ${vscode.l10n.t('{0} files', figures.inefficientFiles.length)})`],
    [vscode.l10n.t('Efficiency'), percent(figures.efficiency)],
    [vscode.l10n.t('User wasted percent'), figures.userWastedPercent === null ? vscode.l10n.t('n/a (no layers above the first)') : percent(figures.userWastedPercent)],
  ];
}
