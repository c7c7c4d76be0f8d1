/**
 * Dockerfile ↔ layers in the editor: a CodeLens on each instruction with the layer it made (its
 * size and share of the image, `layer N of IMAGE`, click to reveal it), "no layer" for metadata
 * steps, and where the image was built from another version of the file, which lines differ. A
 * hover adds the layer's IDs and the largest files it added, once its files are at hand.
 */
import * as vscode from 'vscode';
import { DockerfileImages } from '../connection/dockerfileImages';
import { EngineConnection } from '../connection/engineConnection';
import { ImageRef, imageRefOf } from '../contracts/commandTargets';
import { isDockerIgnoreFile } from '../contracts/dockerfileFiles';
import { escape, markdownTable } from '../contracts/markdown';
import { shortId } from '../core/digest';
import { formatBytes, formatShare } from '../core/format';
import { Layer } from '../core/model/imageLayers';


const LARGEST_ADDED = 5;

export class DockerfileLensProvider implements vscode.CodeLensProvider, vscode.HoverProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(
    private readonly images: DockerfileImages,
    private readonly connection: EngineConnection,
  ) {
    this.onDidChangeCodeLenses = images.onDidChange;
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (isDockerIgnoreFile(document.uri)) {
      return [];
    }
    const search = await this.images.search(document);
    const found = search.found;
    const top = new vscode.Range(0, 0, 0, 0);
    const link = (title: string) => ({ title, command: 'dockerLayers.dockerfile.linkImage', arguments: [document.uri] });
    if (!found) {
      const noMatch =
        search.newestSearched === undefined
          ? vscode.l10n.t('$(search) No local image matches this Dockerfile: Link Dockerfile to Image…')
          : vscode.l10n.t('$(search) None of the {0} newest local images matches this Dockerfile: Link Dockerfile to Image…', search.newestSearched);
      return [
        new vscode.CodeLens(top, {
          ...link(noMatch),
          ...(search.newestSearched === undefined
            ? {}
            : { tooltip: vscode.l10n.t('Only the {0} newest images are compared with this file: each more would cost the Engine a request. Link it to an older image yourself.', search.newestSearched) }),
        }),
        new vscode.CodeLens(top, { title: vscode.l10n.t('$(play) Build Image and Explore'), command: 'dockerLayers.dockerfile.buildAndExplore', arguments: [document.uri] }),
      ];
    }
    const ref = imageRefOf(found.image, undefined);
    const layers = found.image.layers;
    const total = layers.reduce((sum, layer) => sum + (layer.size ?? 0), 0);
    const header = new vscode.Range(found.fromLine, 0, found.fromLine, 0);
    const lenses = [
      new vscode.CodeLens(header, {
        title: `$(package) ${ref.name} · ${vscode.l10n.t('{0} layers', layers.length)} · ${formatBytes(total)}${found.linked ? ` · ${vscode.l10n.t('linked')}` : ''}${found.provenance ? ` · ${vscode.l10n.t('lines from provenance')}` : ''}`,
        command: 'dockerLayers.dockerfile.revealImage',
        arguments: [ref],
        tooltip: vscode.l10n.t('{0} ({1}): reveal it in the Images view', ref.name, shortId(ref.imageId)),
      }),
      new vscode.CodeLens(header, link(found.linked ? vscode.l10n.t('Link to Another Image…') : vscode.l10n.t('Link Dockerfile to Image…'))),
    ];
    if (found.match.differingLines.length) {
      const lines = found.match.differingLines.map(([first, last]) => (first === last ? `${first + 1}` : `${first + 1}–${last + 1}`)).join(', ');
      const one = found.match.differingLines.length === 1 && found.match.differingLines[0][0] === found.match.differingLines[0][1];
      const differ = one ? vscode.l10n.t('image built from another version of this file: line {0} differs', lines) : vscode.l10n.t('image built from another version of this file: lines {0} differ', lines);
      lenses.push(new vscode.CodeLens(header, { title: `$(warning) ${differ}`, command: '' }));
    }
    for (const { instruction, step } of found.match.matches) {
      const range = new vscode.Range(instruction.startLine, 0, instruction.startLine, 0);
      if (!step) {
        if (instruction.keyword !== 'ONBUILD') {
          lenses.push(new vscode.CodeLens(range, { title: vscode.l10n.t('not in {0}: this line differs from its history', ref.name), command: '' }));
        }
        continue;
      }
      const layer = step.layerIndex === undefined ? undefined : layers[step.layerIndex];
      if (!layer) {
        lenses.push(new vscode.CodeLens(range, { title: vscode.l10n.t('no layer'), command: '', tooltip: vscode.l10n.t('This step changes only the image config.') }));
        continue;
      }
      const share = layer.size !== null ? ` (${formatShare(layer.size, total)})` : '';
      lenses.push(
        new vscode.CodeLens(range, {
          title: `${formatBytes(layer.size)}${share} · ${vscode.l10n.t('layer {0} of {1}', layer.index, ref.name)}`,
          command: 'dockerLayers.dockerfile.revealLayer',
          arguments: [ref, layer.index],
          tooltip: vscode.l10n.t('Reveal layer {0} in the Images view', layer.index),
        }),
      );
    }
    return lenses;
  }

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    if (isDockerIgnoreFile(document.uri)) {
      return undefined;
    }
    const found = await this.images.imageOf(document);
    const hit = found?.match.matches.find(({ instruction }) => position.line >= instruction.startLine && position.line <= instruction.endLine);
    const layer = hit?.step?.layerIndex === undefined ? undefined : found!.image.layers[hit.step.layerIndex];
    if (!found || !layer) {
      return undefined;
    }
    const ref = imageRefOf(found.image, undefined);
    const markdown = new vscode.MarkdownString(undefined, true);
    markdown.appendMarkdown(`**${escape(vscode.l10n.t('layer {0} of {1}', layer.index, ref.name))}** · ${formatBytes(layer.size)}\n\n`);
    markdown.appendMarkdown(markdownTable([
      [vscode.l10n.t('Diff ID'), `\`${layer.diffId}\``],
      [vscode.l10n.t('Chain ID'), `\`${layer.chainId}\``],
      [vscode.l10n.t('Step'), escape(layer.step?.step ?? '')],
    ]));
    markdown.appendMarkdown(`\n${await this.largestAdded(ref, layer)}\n`);
    return new vscode.Hover(markdown);
  }

  /** The layer's largest added files, when its files are at hand; reading them here could mean a download. */
  private async largestAdded(ref: ImageRef, layer: Layer): Promise<string> {
    const { catalog } = await this.connection.get();
    if (!(await catalog.filesAtHand(ref.imageId).catch(() => false))) {
      return `_${vscode.l10n.t("The layer's files are not read yet: expand it in the Images view, or run Show Image Summary, to see the largest files it added.")}_`;
    }
    const history = await catalog.fileHistory(ref.imageId);
    const added = [...(history.changes[layer.index]?.added ?? [])].sort((a, b) => b.size - a.size).slice(0, LARGEST_ADDED);
    if (added.length === 0) {
      return `_${vscode.l10n.t('The layer adds no file.')}_`;
    }
    return `**${vscode.l10n.t('Largest files added')}**\n\n${added.map((file) => `- \`${file.path.replace(/`/g, "'")}\` ${formatBytes(file.size)}`).join('\n')}`;
  }
}
