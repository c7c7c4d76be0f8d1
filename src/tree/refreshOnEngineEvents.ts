/**
 * Keeps the Images view current from the Engine's event stream: follows it only while the view is
 * visible (no traffic while hidden), debounces bursts (a build tags, untags and deletes in a row),
 * and reloads once on becoming visible and after every reconnect, since events may have been missed.
 */
import * as vscode from 'vscode';
import { EngineConnection } from '../connection/engineConnection';
import { EngineEventStream, eventAction } from '../core/engine/engineEventStream';
import { EngineEvent } from '../core/engine/engineTypes';
import { Logger, taggedLogger } from '../core/logger';

const DEBOUNCE_MS = 500;

/** Image actions that change what the view shows (pull, load, import, tag, untag, delete, build commit). */
const IMAGE_ACTIONS = new Set(['pull', 'load', 'import', 'tag', 'untag', 'delete', 'create', 'commit', 'prune']);

export function isRelevantImageEvent(event: EngineEvent): boolean {
  return event.Type === 'image' && IMAGE_ACTIONS.has(eventAction(event));
}

export function refreshOnEngineEvents(
  view: vscode.TreeView<unknown>,
  connection: EngineConnection,
  refresh: () => void,
  log: Logger,
): vscode.Disposable {
  let stream: EngineEventStream | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let generation = 0;
  let lostConnection = false;

  const scheduleRefresh = () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = undefined;
      refresh();
    }, DEBOUNCE_MS);
  };

  const stop = () => {
    generation++;
    stream?.stop();
    stream = undefined;
    clearTimeout(debounce);
  };

  const start = async () => {
    stop();
    if (!view.visible || !vscode.workspace.getConfiguration('dockerLayers').get<boolean>('autoRefresh', true)) {
      return;
    }
    const mine = ++generation;
    lostConnection = false;
    let engine;
    try {
      engine = (await connection.get()).engine;
    } catch {
      return; // The view shows why; a manual refresh or a setting change starts again.
    }
    if (mine !== generation) {
      return;
    }
    stream = new EngineEventStream(
      engine,
      {
        types: ['image'],
        onEvent: (event) => {
          if (isRelevantImageEvent(event)) {
            log.trace(`[events] image ${eventAction(event)} ${event.Actor?.ID ?? event.id ?? ''}`);
            scheduleRefresh();
          }
        },
        onConnected: () => {
          // Back after an outage (e.g. a daemon restart): events may have been missed.
          if (lostConnection) {
            lostConnection = false;
            scheduleRefresh();
          }
        },
        onDisconnected: () => {
          // Once per outage, so the view shows that the daemon went away; retries stay quiet.
          if (!lostConnection) {
            lostConnection = true;
            scheduleRefresh();
          }
        },
      },
      taggedLogger(log, 'events'),
    );
    stream.start();
  };

  const disposables = [
    view.onDidChangeVisibility((event) => {
      if (event.visible) {
        refresh();
      }
      void start();
    }),
    connection.onDidChange(() => void start()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('dockerLayers.autoRefresh')) {
        void start();
      }
    }),
  ];
  void start();
  return new vscode.Disposable(() => {
    stop();
    vscode.Disposable.from(...disposables).dispose();
  });
}
