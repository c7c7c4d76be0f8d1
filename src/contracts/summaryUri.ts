import * as vscode from 'vscode';
import { ImageRef } from './commandTargets';

/** Read-only Markdown summaries of an image: dive's figures, each layer's changes, the inefficient files. */
export const SUMMARY_SCHEME = 'docker-layers-summary';

/** The path's last segment is the tab title; the query names the image. */
export function toSummaryUri(image: ImageRef): vscode.Uri {
  const title = image.name.replace(/\//g, '∕');
  return vscode.Uri.from({ scheme: SUMMARY_SCHEME, path: `/${title} summary.md`, query: JSON.stringify(image) });
}

export function fromSummaryUri(uri: vscode.Uri): ImageRef {
  if (uri.scheme !== SUMMARY_SCHEME) {
    throw new Error(`not a ${SUMMARY_SCHEME}: URI: ${uri.toString()}`);
  }
  const image = JSON.parse(uri.query) as Partial<ImageRef>;
  if (typeof image.imageId !== 'string' || typeof image.name !== 'string' || (image.archive !== undefined && typeof image.archive !== 'string')) {
    throw new Error(`unknown image in ${uri.toString()}`);
  }
  return image as ImageRef;
}
