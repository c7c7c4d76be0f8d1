/**
 * docker-layers-summary: documents, a Markdown summary of one image: dive's figures and its CI
 * rules' verdict (dive's defaults, or the workspace's .dive-ci), each layer's size and changes,
 * and the inefficient files with the layers that hold a copy. Reading the files may download the
 * image's archive, with progress and Cancel.
 */
import * as vscode from 'vscode';
import { withArchiveProgress } from '../connection/archiveProgress';
import { EngineConnection } from '../connection/engineConnection';
import { OpenedArchives } from '../connection/openedArchives';
import { layerRefOfImage } from '../contracts/commandTargets';
import { imageFiguresRows } from '../contracts/imageFigures';
import { escape, markdownTable } from '../contracts/markdown';
import { fromSummaryUri } from '../contracts/summaryUri';
import { DIVE_DEFAULT_RULES, DiveRuleSettings, diveRules, evaluateDiveRules, parseDiveCiFile } from '../core/analysis/diveRules';
import { layerBarChart, wastedBytesPerLayer } from '../core/analysis/layerBarChart';
import { layerChangeSummary } from '../core/analysis/layerChangeSummary';
import { formatBytes, truncate } from '../core/format';
import { layerStepLabel } from '../core/model/imageLayers';

/** The summary lists this many inefficient files; Show Wasted Space lists them all. */
const LISTED_FILES = 25;

export class ImageSummaryProvider implements vscode.TextDocumentContentProvider {
  constructor(
    private readonly connection: EngineConnection,
    private readonly archives: OpenedArchives,
  ) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const ref = fromSummaryUri(uri);
    try {
      return await this.summary(uri);
    } catch (error) {
      return `# ${escape(ref.name)}\n\n${vscode.l10n.t('Could not summarize {0}: {1}', ref.name, (error as Error).message)}\n`;
    }
  }

  private async summary(uri: vscode.Uri): Promise<string> {
    const ref = fromSummaryUri(uri);
    const catalog = await this.archives.catalogFor(layerRefOfImage(ref, 0), this.connection);
    const image = await catalog.imageLayers(ref.imageId);
    const [figures, history] = await withArchiveProgress(vscode.l10n.t('Reading the image archive from the Docker Engine'), (options) =>
      Promise.all([catalog.imageEfficiency(ref.imageId, options), catalog.fileHistory(ref.imageId, options)]),
    );
    const wasted = wastedBytesPerLayer(history, figures.inefficientFiles);
    const rules = evaluateDiveRules(diveRules(await ruleSettings()), figures);
    const lines = [
      `# ${escape(ref.name)}`,
      '',
      `\`${image.image.id}\` · ${vscode.l10n.t('{0} layers', image.layers.length)}${ref.archive ? ` · ${escape(ref.archive)}` : ''}`,
      '',
      `## ${vscode.l10n.t('Analysis')} (${vscode.l10n.t("dive's figures")})`,
      '',
      markdownTable(imageFiguresRows(figures)),
      `**${vscode.l10n.t("dive's CI rules")}**: ${rules.every((rule) => rule.pass) ? 'PASS' : 'FAIL'}`,
      '',
      ...rules.map((rule) => `- ${rule.limit === null ? 'SKIP' : rule.pass ? 'PASS' : 'FAIL'} \`${rule.name}\`${rule.limit === null ? '' : ` ${rule.limit}`}${rule.pass ? '' : `: ${escape(rule.message)}`}`),
      '',
      `## ${vscode.l10n.t('Layers')}`,
      '',
      '```text',
      ...layerBarChart(
        image.layers.map((layer) => ({ label: `${layer.index} · ${truncate(layerStepLabel(layer), 26)}`, bytes: figures.layerSizes[layer.index] ?? 0, wastedBytes: wasted[layer.index] })),
      ),
      '```',
      '',
      vscode.l10n.t('█ a layer\'s bytes, ▒ the part of them dive counts as wasted (copies of a path another layer also holds).'),
      '',
      `| # | ${vscode.l10n.t('Step')} | ${vscode.l10n.t('Size')} | ${vscode.l10n.t('Added')} | ${vscode.l10n.t('Modified')} | ${vscode.l10n.t('Deleted')} |`,
      '| ---: | --- | ---: | ---: | ---: | ---: |',
      ...image.layers.map((layer) => {
        const changes = layerChangeSummary(history, layer.index);
        const cell = (figures: { count: number; bytes: number }) => `${figures.count.toLocaleString()} (${formatBytes(figures.bytes)})`;
        return `| ${layer.index} | ${escape(truncate(layerStepLabel(layer), 70))} | ${formatBytes(figures.layerSizes[layer.index])} | ${cell(changes.added)} | ${cell(changes.modified)} | ${cell(changes.deleted)} |`;
      }),
      '',
      `## ${vscode.l10n.t('Inefficient files')}`,
      '',
    ];
    if (figures.inefficientFiles.length === 0) {
      lines.push(vscode.l10n.t('None: no path is in two layers.'));
    } else {
      lines.push(`| ${vscode.l10n.t('Copies')} | ${vscode.l10n.t('Wasted')} | ${vscode.l10n.t('Path')} | ${vscode.l10n.t('Layers')} |`, '| ---: | ---: | --- | --- |');
      for (const file of figures.inefficientFiles.slice(0, LISTED_FILES)) {
        lines.push(`| ${file.count} | ${formatBytes(file.wastedBytes)} | \`${file.path.replace(/`/g, "'")}\` | ${file.layers.join(', ')} |`);
      }
      if (figures.inefficientFiles.length > LISTED_FILES) {
        lines.push('', vscode.l10n.t('… and {0} more: run Show Wasted Space for all of them.', figures.inefficientFiles.length - LISTED_FILES));
      }
    }
    lines.push('', `_${vscode.l10n.t("Wasted bytes are dive's: every copy of a path that two or more layers hold. A removed folder is not counted as wasted (its path differs from its files' paths).")}_`, '');
    return lines.join('\n');
  }
}

/** dive's defaults, overridden by the `rules:` of a .dive-ci at the root of the first workspace folder. */
async function ruleSettings(): Promise<DiveRuleSettings> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    return { ...DIVE_DEFAULT_RULES };
  }
  const file = vscode.Uri.joinPath(folder.uri, '.dive-ci');
  const bytes = await vscode.workspace.fs.readFile(file).then(
    (content) => content,
    () => undefined,
  );
  return { ...DIVE_DEFAULT_RULES, ...(bytes ? parseDiveCiFile(Buffer.from(bytes).toString('utf8'), file.fsPath) : {}) };
}
