/**
 * The Dockerfile commands: Link Dockerfile to Image…, the lenses' reveal targets, Go to Dockerfile
 * Step on a layer, and Build Image and Explore (docker build in a task, with BuildKit when the CLI
 * has buildx, then the file linked to the image and the image shown).
 */
import { execFile } from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';
import { DockerfileImages } from '../connection/dockerfileImages';
import { EngineConnection } from '../connection/engineConnection';
import { CommandTarget, ImageRef } from '../contracts/commandTargets';
import { DOCKERFILE_GLOB, isDockerIgnoreFile } from '../contracts/dockerfileFiles';
import { shortId } from '../core/digest';
import { dockerCliEnvironment } from '../core/dockerfile/buildEnvironment';
import { buildTargets, parseDockerfile } from '../core/dockerfile/dockerfileStages';
import { bestTarget, matchQuality, matchRank } from '../core/dockerfile/imageForDockerfile';
import { Logger } from '../core/logger';
import { imageDisplayName } from '../core/model/image';
import { pickImage } from './pickTargets';
import { registerCommand } from './registerCommand';

const MAX_DOCKERFILES = 200;

export interface DockerfileCommandDeps {
  connection: EngineConnection;
  dockerfiles: DockerfileImages;
  log: Logger;
  revealLayer(image: ImageRef, index: number): Promise<void>;
  revealImage(image: ImageRef): Promise<void>;
}

export function registerDockerfileCommands(context: vscode.ExtensionContext, deps: DockerfileCommandDeps): void {
  const { connection, dockerfiles, log } = deps;
  const documentUri = (uri?: unknown) => (uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri);
  const showImages = () => vscode.commands.executeCommand('workbench.view.extension.dockerLayers');
  context.subscriptions.push(
    registerCommand(
      'dockerLayers.dockerfile.linkImage',
      async (uri?: unknown) => {
        const file = documentUri(uri);
        if (!file) {
          return;
        }
        const picked = await pickImage(connection, vscode.l10n.t('Select the image {0} was built into', path.basename(file.fsPath)));
        if (picked) {
          await dockerfiles.setLink(file, { imageId: picked.id, name: picked.tags.length ? imageDisplayName(picked) : shortId(picked.id) });
        }
      },
      log,
    ),
    registerCommand(
      'dockerLayers.dockerfile.revealLayer',
      async (image: ImageRef, index: number) => {
        await showImages();
        await deps.revealLayer(image, index);
      },
      log,
    ),
    registerCommand(
      'dockerLayers.dockerfile.revealImage',
      async (image: ImageRef) => {
        await showImages();
        await deps.revealImage(image);
      },
      log,
    ),
    registerCommand('dockerLayers.layer.goToDockerfileStep', (target?: CommandTarget) => goToDockerfileStep(target, deps), log),
    registerCommand('dockerLayers.dockerfile.buildAndExplore', (uri?: unknown) => buildAndExplore(documentUri(uri), deps), log),
  );
}

/** Opens the line of a workspace Dockerfile that made the layer: the linked file first, then any whose instructions match the image. */
async function goToDockerfileStep(target: CommandTarget | undefined, deps: DockerfileCommandDeps): Promise<void> {
  const layerTarget = target?.layerTarget?.();
  if (!layerTarget) {
    return;
  }
  const { catalog } = await deps.connection.get();
  const image = await catalog.imageLayers(layerTarget.image.imageId);
  const files = (await vscode.workspace.findFiles(DOCKERFILE_GLOB, '**/node_modules/**', MAX_DOCKERFILES)).filter((file) => !isDockerIgnoreFile(file));
  // BuildKit provenance names the file and the lines exactly: a workspace file of that name whose instructions match.
  const lines = await catalog.provenance(image.image.id).catch(() => undefined);
  const provenanceLines = lines?.layers.get(layerTarget.index) ?? (lines && lines.layers.size > 0 && layerTarget.index < Math.min(...lines.layers.keys()) ? lines.fromLines : undefined);
  if (lines && provenanceLines) {
    const named = files.filter((file) => file.path.endsWith(`/${lines.filename.replace(/^\.?\//, '')}`));
    for (const file of named) {
      const document = await vscode.workspace.openTextDocument(file);
      const best = bestTarget(buildTargets(parseDockerfile(document.getText())), image.steps);
      if (best && matchQuality(best.match) !== 'none' && provenanceLines[1] < document.lineCount) {
        const [first] = provenanceLines;
        // Provenance gives an instruction's first line; the selection covers its continuation lines too.
        const last = best.chain.instructions.find((instruction) => instruction.startLine === first)?.endLine ?? provenanceLines[1];
        await vscode.window.showTextDocument(document, { selection: new vscode.Range(first, 0, last, document.lineAt(last).text.length), preview: true });
        return;
      }
    }
  }
  // Every workspace Dockerfile whose instructions match the image, best first (the linked one before any other).
  const candidates: { file: vscode.Uri; lines: [number, number]; rank: number }[] = [];
  for (const file of files) {
    const text = Buffer.from(await vscode.workspace.fs.readFile(file)).toString('utf8');
    const best = bestTarget(buildTargets(parseDockerfile(text)), image.steps);
    if (!best || matchQuality(best.match) === 'none') {
      continue;
    }
    const hit = best.match.matches.find(({ step }) => step?.layerIndex === layerTarget.index);
    const layerIndexes = best.match.matches.flatMap(({ step }) => (step?.layerIndex === undefined ? [] : [step.layerIndex]));
    // A layer below the stage's first one is the base image's: its FROM line.
    const belowStage = layerIndexes.length > 0 && layerTarget.index < Math.min(...layerIndexes);
    const lines: [number, number] | undefined = hit ? [hit.instruction.startLine, hit.instruction.endLine] : belowStage ? [best.chain.stage.fromLine, best.chain.stage.fromLine] : undefined;
    if (lines) {
      candidates.push({ file, lines, rank: matchRank(best.match) + (deps.dockerfiles.link(file)?.imageId === image.image.id ? 1e9 : 0) });
    }
  }
  const chosen = candidates.sort((a, b) => b.rank - a.rank)[0];
  if (chosen) {
    const document = await vscode.workspace.openTextDocument(chosen.file);
    const [first, last] = chosen.lines;
    await vscode.window.showTextDocument(document, { selection: new vscode.Range(first, 0, last, document.lineAt(last).text.length), preview: true });
    return;
  }
  void vscode.window.showInformationMessage(
    vscode.l10n.t('No Dockerfile in this workspace has the step that made layer {0} of {1}.', layerTarget.index, layerTarget.image.name),
  );
}

/** docker build of a Dockerfile in a task; on success the file is linked to the image, and the image shown. */
async function buildAndExplore(file: vscode.Uri | undefined, deps: DockerfileCommandDeps): Promise<void> {
  if (!file || file.scheme !== 'file') {
    void vscode.window.showWarningMessage(vscode.l10n.t('Build Image and Explore builds a Dockerfile saved on this machine.'));
    return;
  }
  const folder = path.dirname(file.fsPath);
  const suggested = `${path.basename(folder).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'image'}:latest`;
  const tag = await vscode.window.showInputBox({
    title: vscode.l10n.t('Build Image and Explore'),
    prompt: vscode.l10n.t('Tag for the image built from {0}', path.basename(file.fsPath)),
    value: suggested,
    validateInput: (value) => (/^[a-z0-9][a-z0-9._\-/]*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?$/.test(value) ? undefined : vscode.l10n.t('Not a valid image tag')),
  });
  if (!tag) {
    return;
  }
  // The file as the editor shows it is what gets built.
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === file.toString());
  if (open?.isDirty && !(await open.save())) {
    return;
  }
  const { endpoint } = await deps.connection.get();
  // The Engine the view shows, whichever way it was chosen (setting, context, environment, a socket found).
  const engineEnv = dockerCliEnvironment(endpoint, process.env);
  const buildKit = await hasBuildx(engineEnv);
  const env: Record<string, string> = { ...engineEnv, DOCKER_BUILDKIT: buildKit ? '1' : '0' };
  deps.log.info(`[dockerfile] building ${tag} against ${endpoint.host} (${endpoint.source}${endpoint.contextName ? ` ${endpoint.contextName}` : ''})`);
  const task = new vscode.Task(
    { type: 'process', dockerLayersBuild: file.fsPath },
    vscode.TaskScope.Workspace,
    vscode.l10n.t('Build {0}', tag),
    'Docker Layers',
    // --load: with a buildx builder other than the Engine's own, the image would stay in the builder.
    new vscode.ProcessExecution('docker', ['build', ...(buildKit ? ['--load'] : []), ...buildArguments(), '-t', tag, '-f', file.fsPath, folder], { cwd: folder, env }),
  );
  const exitCode = await runTask(task);
  if (exitCode === undefined) {
    void vscode.window.showWarningMessage(vscode.l10n.t('The build of {0} was stopped.', path.basename(file.fsPath)));
    return;
  }
  if (exitCode !== 0) {
    void vscode.window.showErrorMessage(vscode.l10n.t("docker build of {0} failed (exit code {1}): see the task's terminal.", path.basename(file.fsPath), exitCode));
    return;
  }
  const { engine, catalog } = await deps.connection.get();
  catalog.invalidate();
  const built = await engine.inspectImage(tag);
  await deps.dockerfiles.setLink(file, { imageId: built.Id, name: tag });
  await vscode.commands.executeCommand('workbench.view.extension.dockerLayers');
  await vscode.commands.executeCommand('dockerLayers.images.refresh');
  await deps.revealImage({ imageId: built.Id, name: tag }).catch((error: Error) => deps.log.warn(`cannot reveal ${tag}: ${error.message}`));
  await vscode.window.showTextDocument(file, { preview: false });
}

/**
 * Runs a task to its end: its process's exit code, or undefined when it was stopped or its process
 * never started (the task then ends without a process end). Listens before starting, so no end is missed.
 */
async function runTask(task: vscode.Task): Promise<number | undefined> {
  let execution: vscode.TaskExecution | undefined;
  let exitCode: number | undefined;
  const listeners: vscode.Disposable[] = [];
  try {
    const ended = new Promise<void>((resolve) => {
      listeners.push(
        vscode.tasks.onDidEndTaskProcess((event) => {
          if (event.execution === execution) {
            exitCode = event.exitCode;
          }
        }),
        vscode.tasks.onDidEndTask((event) => {
          if (event.execution === execution) {
            resolve();
          }
        }),
      );
    });
    execution = await vscode.tasks.executeTask(task);
    await ended;
    return exitCode;
  } finally {
    for (const listener of listeners) {
      listener.dispose();
    }
  }
}

/** dockerLayers.dockerfile.buildArguments: strings only (a setting file can hold anything). */
function buildArguments(): string[] {
  const value = vscode.workspace.getConfiguration('dockerLayers').get<unknown>('dockerfile.buildArguments', []);
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/** Whether the docker CLI has the buildx plugin (BuildKit builds), as `docker buildx version` tells, with the build's endpoint. */
function hasBuildx(engineEnv: Record<string, string | undefined>): Promise<boolean> {
  return new Promise((resolve) => execFile('docker', ['buildx', 'version'], { timeout: 10_000, env: { ...process.env, ...engineEnv } }, (error) => resolve(!error)));
}
