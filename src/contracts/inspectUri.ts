import * as vscode from 'vscode';
import { InspectTarget } from './commandTargets';

/** Read-only JSON documents of image, layer and container inspects. */
export const INSPECT_SCHEME = 'docker-inspect';

/** The path's last segment is the tab title; the query says what to inspect. */
export function toInspectUri(target: InspectTarget): vscode.Uri {
  // A slash in a repository name would split the title; a division slash looks the same.
  const title = target.title.replace(/\//g, '∕');
  return vscode.Uri.from({ scheme: INSPECT_SCHEME, path: `/${title}.json`, query: JSON.stringify(target) });
}

export function fromInspectUri(uri: vscode.Uri): InspectTarget {
  if (uri.scheme !== INSPECT_SCHEME) {
    throw new Error(`not a ${INSPECT_SCHEME}: URI: ${uri.toString()}`);
  }
  const target = JSON.parse(uri.query) as InspectTarget;
  if (target.kind !== 'image' && target.kind !== 'layer' && target.kind !== 'container') {
    throw new Error(`unknown inspect target in ${uri.toString()}`);
  }
  return target;
}
