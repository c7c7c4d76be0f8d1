/**
 * A status bar item that names the engine and the storage in use (Docker 26.1.5 · overlay2), with
 * the endpoint, API version and data root in its tooltip; it follows the connection. Clicking it
 * opens Switch Engine…. Nothing is shown until the connection has been asked for (the views ask at once).
 */
import * as vscode from 'vscode';
import { EngineConnection } from '../connection/engineConnection';
import { escape, markdownTable } from '../contracts/markdown';
import { describeEngine } from '../core/engine/engineDescription';

export class EngineStatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('dockerLayers.engine', vscode.StatusBarAlignment.Left, -100);
  private readonly disposables: vscode.Disposable[];
  private generation = 0;

  constructor(private readonly connection: EngineConnection) {
    this.item.name = vscode.l10n.t('Docker Layers: Engine');
    this.item.command = 'dockerLayers.switchEngine';
    this.disposables = [this.item, connection.onDidChange(() => void this.update())];
    void this.update();
  }

  /** Reads /version and the storage again and shows them. */
  async update(): Promise<void> {
    const mine = ++this.generation;
    try {
      const { endpoint, engine, catalog } = await this.connection.get();
      const [version, profile] = await Promise.all([engine.version(), catalog.storage()]);
      if (mine !== this.generation) {
        return;
      }
      const description = describeEngine(endpoint, version, profile);
      this.item.text = `$(layers) ${description.short}`;
      this.item.tooltip = new vscode.MarkdownString(`**${escape(vscode.l10n.t('Docker Layers'))}**\n\n${markdownTable(description.details.map(([label, value]) => [escape(label), escape(value)]))}`);
      this.item.backgroundColor = undefined;
    } catch (error) {
      if (mine !== this.generation) {
        return;
      }
      this.item.text = `$(debug-disconnect) ${vscode.l10n.t('No Docker Engine')}`;
      this.item.tooltip = (error as Error).message;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    }
    this.item.show();
  }

  dispose(): void {
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }
}
