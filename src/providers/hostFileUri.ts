import * as vscode from 'vscode';

/**
 * Files under Docker's data root are shown through this read-only scheme rather than `file:`, so an
 * editor opened on a layer file cannot save into Docker's storage.
 */
export const HOST_FILE_SCHEME = 'docker-layer-file';

export function toHostFileUri(absolutePath: string): vscode.Uri {
  return vscode.Uri.from({ scheme: HOST_FILE_SCHEME, path: absolutePath });
}

export function fromHostFileUri(uri: vscode.Uri): string {
  if (uri.scheme !== HOST_FILE_SCHEME) {
    throw new Error(`not a ${HOST_FILE_SCHEME}: URI: ${uri.toString()}`);
  }
  return uri.path;
}
