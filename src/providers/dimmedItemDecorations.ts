import * as vscode from 'vscode';
import { DIMMED_ITEM_SCHEME } from '../contracts/dimmedItemUri';

/** Dims the labels of items that carry a docker-layers-dimmed: resourceUri (see contracts/dimmedItemUri.ts). */
export class DimmedItemDecorations implements vscode.FileDecorationProvider {
  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    return uri.scheme === DIMMED_ITEM_SCHEME ? new vscode.FileDecoration(undefined, undefined, new vscode.ThemeColor('disabledForeground')) : undefined;
  }
}
