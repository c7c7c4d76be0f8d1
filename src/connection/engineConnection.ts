/**
 * The extension's connection to the Docker Engine: resolves the endpoint from the setting and the
 * environment, and starts over when `dockerLayers.host` changes. Views ask it for the catalog.
 * It owns the archive cache too: a change of `dockerLayers.archiveCacheSizeMB` evicts at once.
 */
import { watch } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { ArchiveCache } from '../core/archive/archiveCache';
import { EngineClient, REQUEST_TIMEOUT_MS } from '../core/engine/engineClient';
import { EngineEndpoint } from '../core/engine/engineEndpoint';
import { dockerConfigDir, resolveEndpoint } from '../core/engine/resolveEndpoint';
import { Debouncer } from '../core/debouncer';
import { nodeHostFiles } from '../core/engine/hostFiles';
import { ImageCatalog } from '../core/imageCatalog';
import { Logger, taggedLogger } from '../core/logger';
import { PromiseCache } from '../core/promiseCache';

export interface Connected {
  endpoint: EngineEndpoint;
  engine: EngineClient;
  catalog: ImageCatalog;
}

export class EngineConnection implements vscode.Disposable {
  private readonly connected = new PromiseCache<Connected>();
  /** What the current connection was made for, to tell whether a new resolution differs. */
  private connectedTo: string | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the endpoint may have changed: everything cached is stale. */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly log: Logger,
    /** Where image archives from the Engine are kept (the extension's global storage). */
    readonly archives: ArchiveCache,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('dockerLayers.host') || event.affectsConfiguration('dockerLayers.context') || event.affectsConfiguration('dockerLayers.requestTimeout')) {
          this.reset();
        }
        if (event.affectsConfiguration('dockerLayers.archiveCacheSizeMB')) {
          // A lower limit applies now, not after the next download.
          this.archives.evictToLimit().catch((error: Error) => this.log.warn(`[archives] cannot evict: ${error.message}`));
        }
      }),
      this.followDockerConfig(),
    );
  }

  /**
   * Follows `docker context use` in a terminal, as Container Tools does: config.json and
   * contexts/meta/ are watched, and a change (settled) resolves the endpoint again.
   */
  private followDockerConfig(): vscode.Disposable {
    const configDir = dockerConfigDir(process.env, os.homedir());
    const settle = new Debouncer(CONFIG_SETTLE_MS, () => {
      this.recheckEndpoint().catch((error: Error) => this.log.warn(`[engine] cannot recheck the endpoint: ${error.message}`));
    });
    // Folders, not files: config.json is replaced, not written in place, by the docker CLI; and
    // `docker context update` rewrites contexts/meta/<hash>/meta.json, one level down.
    const watchers = [
      { folder: configDir, recursive: false },
      { folder: path.join(configDir, 'contexts', 'meta'), recursive: true },
    ].flatMap(({ folder, recursive }) => {
      try {
        return [watch(folder, { persistent: false, recursive }, () => settle.schedule())];
      } catch {
        return []; // Not there (yet): nothing to follow.
      }
    });
    for (const watcher of watchers) {
      watcher.on('error', () => watcher.close());
    }
    return new vscode.Disposable(() => {
      settle.cancel();
      for (const watcher of watchers) {
        watcher.close();
      }
    });
  }

  /** The current connection (created on first use). Rejects when the endpoint cannot be resolved. */
  get(): Promise<Connected> {
    return this.connected.get(() => this.connect());
  }

  /** Drop the connection and caches; the next get() resolves the endpoint again. */
  reset(): void {
    this.connected.clear();
    this.connectedTo = undefined;
    this.changed.fire();
  }

  /**
   * Resolves the endpoint again, as the docker CLI does on every run (`docker context use`, a socket
   * that appeared since); starts over when it differs. True when it did.
   */
  async recheckEndpoint(): Promise<boolean> {
    let key: string | undefined;
    try {
      key = endpointKey(await this.resolve());
    } catch {
      key = undefined; // Broken configuration: let get() report it.
    }
    if (this.connectedTo !== undefined && key === this.connectedTo) {
      return false;
    }
    this.reset();
    return true;
  }

  private resolve(): Promise<EngineEndpoint> {
    const settings = vscode.workspace.getConfiguration('dockerLayers');
    return resolveEndpoint({
      explicitHost: { host: settings.get<string>('host', ''), source: 'setting' },
      explicitContext: { name: settings.get<string>('context', ''), source: 'context setting' },
      env: process.env,
      homeDir: os.homedir(),
      files: nodeHostFiles,
    });
  }

  private async connect(): Promise<Connected> {
    const endpoint = await this.resolve();
    this.connectedTo = endpointKey(endpoint);
    this.log.info(`[engine] endpoint ${endpoint.host} (${endpoint.source}${endpoint.contextName ? ` "${endpoint.contextName}"` : ''})`);
    const engineLog = taggedLogger(this.log, 'engine');
    const seconds = vscode.workspace.getConfiguration('dockerLayers').get<number>('requestTimeout', REQUEST_TIMEOUT_MS / 1000);
    const deadlineMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : REQUEST_TIMEOUT_MS;
    const engine = await EngineClient.connect(endpoint, engineLog, { deadlineMs });
    return { endpoint, engine, catalog: new ImageCatalog(engine, taggedLogger(this.log, 'catalog'), { archives: this.archives }) };
  }

  dispose(): void {
    vscode.Disposable.from(...this.disposables).dispose();
  }
}

/** config.json is written in a few steps: act once the folder is quiet. */
const CONFIG_SETTLE_MS = 300;

function endpointKey(endpoint: EngineEndpoint): string {
  return JSON.stringify({ host: endpoint.host, tls: endpoint.tls });
}
