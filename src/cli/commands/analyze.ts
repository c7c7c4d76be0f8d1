/**
 * `docker-layers analyze IMAGE|ARCHIVE [--json] [--ci] [--lowest-efficiency R]
 * [--highest-wasted-bytes N] [--highest-user-wasted-percent R]`: dive's figures and its CI gate.
 * Rules come from the flags, else `.dive-ci` in the working folder, else dive's defaults: dive
 * 0.13's precedence (viper: a flag given beats the config file, which beats the flag's default). Exit
 * codes (LayerX's): 0 every rule passes (or no --ci), 1 a rule failed with --ci, 2 it could not run.
 * The JSON shape is a contract (README): change it only compatibly.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { DIVE_DEFAULT_RULES, DIVE_RULE_NAMES, DiveRuleError, DiveRuleResult, DiveRuleSettings, diveRules, evaluateDiveRules, parseDiveCiFile } from '../../core/analysis/diveRules';
import { ImageEfficiency } from '../../core/analysis/efficiency';
import { shortId } from '../../core/digest';
import { formatBytes, stripControlCharacters } from '../../core/format';
import { imageDisplayName } from '../../core/model/image';
import { ImageLayers, hasSeveralPlatforms } from '../../core/model/imageLayers';
import { Platform, formatPlatform } from '../../core/model/platform';
import { imageTargets } from '../imageTargets';
import { PLATFORM_OPTION, Subcommand, UsageError } from '../subcommand';

export interface ImageAnalysisJson {
  image: string;
  /** `os/arch[/variant]` of the layers analyzed, where known. */
  platform?: string;
  sizeBytes: number;
  userSizeBytes: number;
  wastedBytes: number;
  efficiency: number;
  /** null where dive divides by zero: nothing above the first layer. */
  userWastedPercent: number | null;
  inefficientFiles: { path: string; count: number; wastedBytes: number }[];
  rules: { name: string; limit: number | null; value: number | null; pass: boolean; disabled?: true }[];
  /** Every rule passed. */
  pass: boolean;
}

const FLAG_OF: Record<(typeof DIVE_RULE_NAMES)[number], string> = {
  lowestEfficiency: 'lowest-efficiency',
  highestWastedBytes: 'highest-wasted-bytes',
  highestUserWastedPercent: 'highest-user-wasted-percent',
};

export const analyzeCommand: Subcommand = {
  name: 'analyze',
  operands: 'IMAGE|ARCHIVE',
  summary:
    "dive's figures for an image: size, wasted bytes, efficiency, user wasted percent, inefficient files,\n" +
    "and dive's CI rules. Rules come from the flags, else .dive-ci in this folder, else dive's defaults\n" +
    '(lowest efficiency 0.9, highest user wasted percent 0.1, wasted bytes not checked); "disabled" turns one off.\n' +
    'Exit codes: 0 passed (or no --ci), 1 a rule failed and --ci was given, 2 the image could not be analyzed.',
  errorExitCode: 2,
  options: {
    json: { type: 'boolean', description: 'print JSON: { image, sizeBytes, userSizeBytes, wastedBytes, efficiency, userWastedPercent,\n  inefficientFiles, rules, pass }' },
    ci: { type: 'boolean', description: 'exit 1 when a rule fails (a CI gate, like dive --ci)' },
    'lowest-efficiency': { type: 'string', valueName: 'R', description: 'fail below this efficiency, 0..1 (default 0.9)' },
    'highest-wasted-bytes': { type: 'string', valueName: 'N', description: 'fail above this many wasted bytes: 20MB, 1.5GiB… (default disabled)' },
    'highest-user-wasted-percent': { type: 'string', valueName: 'R', description: 'fail above this share of the user layers wasted, 0..1 (default 0.1)' },
    platform: PLATFORM_OPTION,
  },
  async run({ operands, options, catalog, archives, stdout, warn, platform }) {
    if (operands.length !== 1) {
      throw new UsageError('analyze takes one IMAGE or ARCHIVE');
    }
    // The rules first: a bad threshold is reported before any download.
    const rules = diveRules(await ruleSettings(options, process.cwd(), warn));
    const targets = await imageTargets(operands, catalog, archives, platform);
    if (targets.length !== 1) {
      throw new UsageError(`${operands[0]} holds ${targets.length} images; analyze one of them by its ID`);
    }
    const [{ catalog: images, reference }] = targets;
    const layers = await images.imageLayers(reference);
    const figures = await images.imageEfficiency(layers.image.id);
    const results = evaluateDiveRules(rules, figures);
    const json = analysisJson(layers.image.id, figures, results, layers.platform);
    stdout(options.json ? `${JSON.stringify(json, null, 2)}\n` : analysisText(layers, figures, results));
    return options.ci && !json.pass ? 1 : 0;
  },
};

/** Flags over .dive-ci over dive's defaults, rule by rule (dive 0.13; its later main branch lets the file win). */
async function ruleSettings(options: Record<string, string | boolean | undefined>, folder: string, warn: (message: string) => void): Promise<DiveRuleSettings> {
  const file = path.join(folder, '.dive-ci');
  const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      return undefined;
    }
    throw new DiveRuleError(`cannot read ${file}: ${error.code ?? error.message}`);
  });
  const fromFile = text === undefined ? {} : parseDiveCiFile(text, file, warn);
  const settings = { ...DIVE_DEFAULT_RULES, ...fromFile };
  for (const name of DIVE_RULE_NAMES) {
    const flag = options[FLAG_OF[name]];
    if (typeof flag === 'string') {
      settings[name] = flag;
    }
  }
  return settings;
}

export function analysisJson(image: string, figures: ImageEfficiency, results: readonly DiveRuleResult[], platform?: Platform): ImageAnalysisJson {
  return {
    image,
    ...(platform ? { platform: formatPlatform(platform) } : {}),
    sizeBytes: figures.sizeBytes,
    userSizeBytes: figures.userSizeBytes,
    wastedBytes: figures.wastedBytes,
    efficiency: figures.efficiency,
    userWastedPercent: figures.userWastedPercent,
    inefficientFiles: figures.inefficientFiles.map(({ path: file, count, wastedBytes }) => ({ path: file, count, wastedBytes })),
    rules: results.map(({ name, limit, value, pass }) => (limit === null ? { name, limit, value, pass, disabled: true as const } : { name, limit, value, pass })),
    pass: results.every((result) => result.pass),
  };
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(2)} %`;

/** dive's CI report, in its order: analysis, inefficient files, then each rule's verdict. */
function analysisText(image: ImageLayers, figures: ImageEfficiency, results: readonly DiveRuleResult[]): string {
  const lines = [
    `${stripControlCharacters(imageDisplayName(image.image))}  ${shortId(image.image.id)}${hasSeveralPlatforms(image) && image.platform ? `  ${formatPlatform(image.platform)}` : ''}  ${image.layers.length} layer${image.layers.length === 1 ? '' : 's'}`,
    '',
    'Analysis:',
    `  total size:          ${figures.sizeBytes} bytes (${formatBytes(figures.sizeBytes)})`,
    `  user size:           ${figures.userSizeBytes} bytes (${formatBytes(figures.userSizeBytes)}, every layer but the first)`,
    `  efficiency:          ${percent(figures.efficiency)}`,
    `  wastedBytes:         ${figures.wastedBytes} bytes (${formatBytes(figures.wastedBytes)})`,
    `  userWastedPercent:   ${figures.userWastedPercent === null ? 'n/a (no layers above the first)' : percent(figures.userWastedPercent)}`,
    // dive logs these and goes on; its figures, and so these, leave out the rest of the layer.
    ...(figures.stoppedLayers ?? []).map(
      ({ layer, path: deleted }) => `  note: as dive does, layer ${layer} is counted only up to ${stripControlCharacters(deleted)}, a whiteout of a path in no layer below`,
    ),
    '',
  ];
  if (figures.inefficientFiles.length === 0) {
    lines.push('Inefficient Files: (None)');
  } else {
    lines.push('Inefficient Files:', `  ${'Count'.padEnd(5)}  ${'Wasted Space'.padEnd(12)}  File Path`);
    for (const file of figures.inefficientFiles) {
      lines.push(`  ${String(file.count).padEnd(5)}  ${formatBytes(file.wastedBytes).padEnd(12)}  ${stripControlCharacters(file.path)}`);
    }
  }
  lines.push('', 'Results:');
  for (const result of results) {
    const status = result.limit === null ? 'SKIP' : result.pass ? 'PASS' : 'FAIL';
    lines.push(`  ${status}: ${result.name}${result.limit === null ? ': rule disabled' : result.pass ? '' : `: ${result.message}`}`);
  }
  const failed = results.filter((result) => !result.pass).length;
  const skipped = results.filter((result) => result.limit === null).length;
  lines.push(`Result:${failed ? 'FAIL' : 'PASS'} [Total:${results.length}] [Passed:${results.length - failed - skipped}] [Failed:${failed}] [Skipped:${skipped}]`);
  return `${lines.join('\n')}\n`;
}
