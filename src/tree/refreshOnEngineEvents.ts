/**
 * Keeps a view current from the Engine's event stream: listens only while the view is visible (no
 * traffic while hidden), debounces bursts (a build tags, untags and deletes in a row), and reloads on
 * becoming visible and after the stream was lost, since events may have been missed. `refresh` is
 * told whether cached facts may be stale beyond the lists (the daemon went away and came back).
 */
import * as vscode from 'vscode';
import { EngineEvents } from '../connection/engineEvents';
import { Debouncer } from '../core/debouncer';
import { EngineEvent } from '../core/engine/engineTypes';

const DEBOUNCE_MS = 500;
/** A storm (a build making an image a second) refreshes the view at most this often, and at least. */
const STORM_REFRESH_MS = 2000;

export function refreshOnEngineEvents(
  view: vscode.TreeView<unknown>,
  events: EngineEvents,
  isRelevant: (event: EngineEvent) => boolean,
  refresh: (daemonRestarted: boolean) => void,
): vscode.Disposable {
  let subscription: vscode.Disposable | undefined;
  let daemonRestarted = false;
  const debouncer = new Debouncer(
    DEBOUNCE_MS,
    () => {
      const restarted = daemonRestarted;
      daemonRestarted = false;
      refresh(restarted);
    },
    { maxWaitMs: STORM_REFRESH_MS },
  );
  const scheduleRefresh = (restarted: boolean) => {
    daemonRestarted ||= restarted;
    debouncer.schedule();
  };
  const follow = () => {
    const wanted = view.visible && vscode.workspace.getConfiguration('dockerLayers').get<boolean>('autoRefresh', true);
    if (wanted && !subscription) {
      subscription = events.subscribe((notice) => {
        if (notice.kind !== 'event' || isRelevant(notice.event)) {
          scheduleRefresh(notice.kind !== 'event');
        }
      });
    } else if (!wanted && subscription) {
      subscription.dispose();
      subscription = undefined;
      debouncer.cancel();
    }
  };

  const disposables = [
    view.onDidChangeVisibility((event) => {
      if (event.visible) {
        refresh(false);
      }
      follow();
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('dockerLayers.autoRefresh')) {
        follow();
      }
    }),
  ];
  follow();
  return new vscode.Disposable(() => {
    subscription?.dispose();
    debouncer.cancel();
    vscode.Disposable.from(...disposables).dispose();
  });
}
