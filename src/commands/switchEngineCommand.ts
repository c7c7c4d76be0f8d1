/**
 * Switch Engine…: a quick pick of the Docker contexts and the Docker and Podman sockets found on
 * this machine, with "as the docker CLI does" first. The choice goes into the settings
 * `dockerLayers.context` or `dockerLayers.host` (the other one cleared), which the connection follows.
 */
import * as os from 'os';
import * as vscode from 'vscode';
import { EngineConnection } from '../connection/engineConnection';
import { listContexts } from '../core/engine/dockerContexts';
import { localEngineSockets } from '../core/engine/engineSockets';
import { dockerConfigDir } from '../core/engine/resolveEndpoint';
import { Logger } from '../core/logger';
import { registerCommand } from './registerCommand';

type EngineChoice = vscode.QuickPickItem & { host?: string; context?: string; enterHost?: true };

export function registerSwitchEngineCommand(context: vscode.ExtensionContext, connection: EngineConnection, log: Logger): void {
  context.subscriptions.push(registerCommand('dockerLayers.switchEngine', () => switchEngine(connection), log));
}

async function switchEngine(connection: EngineConnection): Promise<void> {
  const settings = vscode.workspace.getConfiguration('dockerLayers');
  const current = await connection.get().then(
    ({ endpoint }) => endpoint,
    () => undefined,
  );
  const [contexts, sockets] = await Promise.all([listContexts(dockerConfigDir(process.env, os.homedir())), localEngineSockets(process.env, os.homedir())]);
  const inUse = (item: { host?: string; context?: string }) =>
    current && ((item.context !== undefined && current.contextName === item.context) || (item.host !== undefined && current.host === item.host && !current.contextName));
  const mark = (item: EngineChoice): EngineChoice => (inUse(item) ? { ...item, description: `${item.description ?? ''} · ${vscode.l10n.t('in use')}`.replace(/^ · /, '') } : item);
  const items: EngineChoice[] = [
    { label: `$(sync) ${vscode.l10n.t('As the docker CLI does')}`, detail: vscode.l10n.t('DOCKER_HOST, DOCKER_CONTEXT, the current context, then the usual sockets'), host: '', context: '' },
    { label: vscode.l10n.t('Contexts'), kind: vscode.QuickPickItemKind.Separator },
    ...contexts.map((each) => mark({ label: `$(server-environment) ${each.name}`, description: each.host, detail: each.description, context: each.name })),
    { label: vscode.l10n.t('Sockets on this machine'), kind: vscode.QuickPickItemKind.Separator },
    ...sockets.map((socket) => mark({ label: `$(plug) ${socket}`, description: /podman/.test(socket) ? 'Podman' : /\/\.docker\/(run|desktop)\//.test(socket) ? 'Docker Desktop' : 'Docker', host: `unix://${socket}` })),
    { label: `$(edit) ${vscode.l10n.t('Enter a Host…')}`, detail: vscode.l10n.t('unix://…, tcp://host:2376, ssh://user@host'), enterHost: true },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Switch Engine'), placeHolder: current ? vscode.l10n.t('In use: {0}', current.host) : vscode.l10n.t('Choose the Docker or Podman Engine to explore') });
  if (!picked) {
    return;
  }
  let host = picked.host;
  if (picked.enterHost) {
    host = await vscode.window.showInputBox({ title: vscode.l10n.t('Switch Engine'), prompt: vscode.l10n.t('Docker host'), value: settings.get<string>('host', ''), validateInput: (value) => (/^(unix|tcp|ssh|npipe):\/\/\S+$|^\/\S+$/.test(value.trim()) ? undefined : vscode.l10n.t('unix://…, tcp://…, ssh://… or a socket path')) });
    if (host === undefined) {
      return;
    }
  }
  // One of the two, the other cleared: a host beats a context, and a stale one would win unseen.
  await settings.update('context', picked.context || undefined, vscode.ConfigurationTarget.Global);
  await settings.update('host', host?.trim() || undefined, vscode.ConfigurationTarget.Global);
}
