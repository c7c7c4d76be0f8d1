/**
 * One Engine event stream for the whole extension, running only while someone needs live updates
 * (a visible view, an open inspect document). Subscribers also hear when the stream was lost and
 * when it came back, since events may have been missed in between.
 */
import * as vscode from 'vscode';
import { EngineEventStream } from '../core/engine/engineEventStream';
import { EngineEvent } from '../core/engine/engineTypes';
import { Logger, taggedLogger } from '../core/logger';
import { EngineConnection } from './engineConnection';

export type EngineEventNotice = { kind: 'event'; event: EngineEvent } | { kind: 'lost' } | { kind: 'reconnected' };

export class EngineEvents implements vscode.Disposable {
  private readonly subscribers = new Set<(notice: EngineEventNotice) => void>();
  private stream: EngineEventStream | undefined;
  private generation = 0;
  private lost = false;
  private readonly connectionListener: vscode.Disposable;

  constructor(
    private readonly connection: EngineConnection,
    private readonly log: Logger,
  ) {
    this.connectionListener = connection.onDidChange(() => {
      if (this.subscribers.size > 0) {
        void this.restart();
      }
    });
  }

  /** Listen while the returned disposable lives; the stream runs while anyone listens. */
  subscribe(listener: (notice: EngineEventNotice) => void): vscode.Disposable {
    this.subscribers.add(listener);
    if (this.subscribers.size === 1) {
      void this.restart();
    }
    return new vscode.Disposable(() => {
      this.subscribers.delete(listener);
      if (this.subscribers.size === 0) {
        this.stop();
      }
    });
  }

  private stop(): void {
    this.generation++;
    this.stream?.stop();
    this.stream = undefined;
  }

  private async restart(): Promise<void> {
    this.stop();
    const mine = this.generation;
    let engine;
    try {
      engine = (await this.connection.get()).engine;
    } catch {
      return; // Nothing to follow until the endpoint resolves; a setting change restarts.
    }
    if (mine !== this.generation || this.subscribers.size === 0) {
      return;
    }
    this.lost = false;
    this.stream = new EngineEventStream(
      engine,
      {
        types: ['image', 'container'],
        onEvent: (event) => this.notify({ kind: 'event', event }),
        onConnected: () => {
          if (this.lost) {
            this.lost = false;
            this.notify({ kind: 'reconnected' });
          }
        },
        onDisconnected: () => {
          // Once per outage; the retries stay quiet.
          if (!this.lost) {
            this.lost = true;
            this.notify({ kind: 'lost' });
          }
        },
      },
      taggedLogger(this.log, 'events'),
    );
    this.stream.start();
  }

  private notify(notice: EngineEventNotice): void {
    for (const subscriber of [...this.subscribers]) {
      subscriber(notice);
    }
  }

  dispose(): void {
    this.stop();
    this.subscribers.clear();
    this.connectionListener.dispose();
  }
}
