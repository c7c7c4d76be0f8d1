import * as vscode from 'vscode';

/**
 * Tree items can't be greyed out directly; a file decoration colours the label. Items that should
 * look dimmed (metadata-only history steps) carry a resourceUri of this scheme.
 */
export const DIMMED_ITEM_SCHEME = 'docker-layers-dimmed';

export function toDimmedItemUri(key: string): vscode.Uri {
  return vscode.Uri.from({ scheme: DIMMED_ITEM_SCHEME, path: `/${key}` });
}
