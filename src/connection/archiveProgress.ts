/**
 * Reading a layer can mean downloading the image's archive from the Engine first, which takes
 * long for a big image: after a moment a notification shows the progress, with Cancel. Quick
 * reads (a folder, a cached archive) show nothing.
 */
import * as vscode from 'vscode';
import { DownloadProgress } from '../core/archive/archiveCache';
import { formatBytes } from '../core/format';
import { OpenOptions } from '../core/imageCatalog';

const SHOW_AFTER_MS = 400;

export class CancelledError extends Error {
  constructor() {
    super(vscode.l10n.t('Cancelled'));
    this.name = 'CancelledError';
  }
}

export function withArchiveProgress<T>(title: string, run: (options: OpenOptions) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  let latest: DownloadProgress | undefined;
  let report: ((progress: DownloadProgress) => void) | undefined;
  const work = run({
    signal: abort.signal,
    onProgress: (progress) => {
      latest = progress;
      report?.(progress);
    },
  });
  let settled = false;
  void work.finally(() => (settled = true)).catch(() => undefined);
  const timer = setTimeout(() => {
    if (settled) {
      return;
    }
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      token.onCancellationRequested(() => abort.abort(new CancelledError()));
      let reported = 0;
      report = ({ bytes, expectedBytes }) => {
        const increment = expectedBytes ? ((bytes - reported) / expectedBytes) * 100 : undefined;
        reported = bytes;
        progress.report({ message: expectedBytes ? `${formatBytes(bytes)} / ${formatBytes(expectedBytes)}` : formatBytes(bytes), increment });
      };
      if (latest) {
        report(latest);
      }
      await work.catch(() => undefined);
    });
  }, SHOW_AFTER_MS);
  return work.finally(() => clearTimeout(timer));
}
