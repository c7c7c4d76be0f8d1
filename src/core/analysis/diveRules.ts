/**
 * dive's CI rules, parsed and judged as dive 0.13 does (wagoodman/dive v0.13.1: runtime/ci/rule.go,
 * cmd/root.go, cmd/ci.go), so a pipeline's `.dive-ci` and thresholds carry over unchanged:
 * - defaults: lowestEfficiency 0.9, highestWastedBytes disabled, highestUserWastedPercent 0.1;
 * - "disabled" turns a rule off; so do "", "off" and "false", as in dive's main branch after 0.13
 *   (cmd/dive/cli/internal/command/ci/rules.go: isRuleDisabled), where 0.13 calls them misconfigured;
 * - the two ratios must lie in 0..1; bytes read as go-humanize's ParseBytes reads them (20MB,
 *   1.5GiB, 512k);
 * - a rule fails when efficiency < lowestEfficiency, wasted > highestWastedBytes, user wasted
 *   percent > highestUserWastedPercent.
 */
import { ImageEfficiency } from './efficiency';
import { yamlModule } from '../loadedOnFirstUse';

export type DiveRuleName = 'lowestEfficiency' | 'highestWastedBytes' | 'highestUserWastedPercent';

export const DIVE_RULE_NAMES: readonly DiveRuleName[] = ['lowestEfficiency', 'highestWastedBytes', 'highestUserWastedPercent'];

/** Each rule's setting as written (a flag's or a .dive-ci value, or dive's default). */
export type DiveRuleSettings = Record<DiveRuleName, string>;

export const DIVE_DEFAULT_RULES: Readonly<DiveRuleSettings> = { lowestEfficiency: '0.9', highestWastedBytes: 'disabled', highestUserWastedPercent: '0.1' };

/** A setting dive would refuse, in dive's words. */
export class DiveRuleError extends Error {}

export interface DiveRule {
  name: DiveRuleName;
  /** The threshold; null when the rule is disabled. */
  limit: number | null;
}

export interface DiveRuleResult extends DiveRule {
  /** The image's figure the rule judged (user wasted percent: null when the image adds nothing above its base). */
  value: number | null;
  /** A disabled rule passes. */
  pass: boolean;
  /** dive's sentence for a failure, or "disabled" / "passed". */
  message: string;
}

function isDisabled(value: string): boolean {
  return ['', 'disabled', 'off', 'false'].includes(value.trim().toLowerCase());
}

/** The rules from their settings; every bad setting is reported, in one error. */
export function diveRules(settings: DiveRuleSettings): DiveRule[] {
  const problems: string[] = [];
  const rules = DIVE_RULE_NAMES.map((name): DiveRule => {
    const value = settings[name];
    if (isDisabled(value)) {
      return { name, limit: null };
    }
    try {
      return { name, limit: name === 'highestWastedBytes' ? parseBytes(value) : parseRatio(name, value) };
    } catch (error) {
      problems.push((error as Error).message);
      return { name, limit: null };
    }
  });
  if (problems.length) {
    throw new DiveRuleError(problems.join('; '));
  }
  return rules;
}

/** A decimal ratio (Go's ParseFloat, less its inf and nan), then dive's range check. */
function parseRatio(name: DiveRuleName, text: string): number {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) {
    throw new DiveRuleError(`invalid ${name} config value, given "${text}"`);
  }
  const value = Number(text);
  if (value < 0 || value > 1) {
    throw new DiveRuleError(`${name} config value is outside allowed range (0-1), given '${text}'`);
  }
  return value;
}

/** go-humanize's size names: SI (k = 1000) and IEC (ki = 1024), with or without the b. */
const BYTE_UNITS: Record<string, number> = (() => {
  const units: Record<string, number> = { '': 1, b: 1 };
  for (const [power, letter] of ['k', 'm', 'g', 't', 'p', 'e'].entries()) {
    units[letter] = units[`${letter}b`] = 1000 ** (power + 1);
    units[`${letter}i`] = units[`${letter}ib`] = 1024 ** (power + 1);
  }
  return units;
})();

/** go-humanize ParseBytes: digits, dots and commas, then an optional unit; the product truncated. */
export function parseBytes(text: string): number {
  const digits = /^[\d.,]*/.exec(text)![0];
  const number = digits.replace(/,/g, '');
  if (!/^(\d+\.?\d*|\.\d+)$/.test(number)) {
    throw new DiveRuleError(`invalid highestWastedBytes config value, given "${text}"`);
  }
  const unit = text.slice(digits.length).trim().toLowerCase();
  const multiplier = BYTE_UNITS[unit];
  if (multiplier === undefined) {
    throw new DiveRuleError(`invalid highestWastedBytes config value, given "${text}": unhandled size name: ${unit}`);
  }
  const bytes = Number(number) * multiplier;
  if (bytes >= 2 ** 64) {
    throw new DiveRuleError(`invalid highestWastedBytes config value, given "${text}": too large`);
  }
  return Math.trunc(bytes);
}

/** Each rule judged against the image's figures, as dive judges them. */
export function evaluateDiveRules(rules: readonly DiveRule[], figures: ImageEfficiency): DiveRuleResult[] {
  return rules.map((rule) => {
    const value = rule.name === 'lowestEfficiency' ? figures.efficiency : rule.name === 'highestWastedBytes' ? figures.wastedBytes : figures.userWastedPercent;
    if (rule.limit === null) {
      return { ...rule, value, pass: true, message: 'disabled' };
    }
    const limit = rule.limit;
    switch (rule.name) {
      case 'lowestEfficiency':
        return verdict(rule, value, limit > figures.efficiency, `image efficiency is too low (efficiency=${figures.efficiency.toFixed(2)} < threshold=${limit})`);
      case 'highestWastedBytes':
        return verdict(rule, value, figures.wastedBytes > limit, `too many bytes wasted (wasted-bytes=${figures.wastedBytes} > threshold=${limit})`);
      case 'highestUserWastedPercent': {
        // dive divides by a zero user size too: NaN (nothing wasted) passes, +Inf fails.
        const percent = figures.userWastedPercent ?? (figures.wastedBytes > 0 ? Number.POSITIVE_INFINITY : Number.NaN);
        return verdict(rule, value, percent > limit, `too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=${percent.toFixed(2)} > threshold=${limit})`);
      }
    }
  });
}

function verdict(rule: DiveRule, value: number | null, failed: boolean, failure: string): DiveRuleResult {
  return { ...rule, value, pass: !failed, message: failed ? failure : 'passed' };
}

/**
 * The `rules:` of a .dive-ci file, read as dive 0.13 reads it: through viper, which matches keys
 * in any case (`rules:` / `lowestEfficiency:`, `LowestEfficiency:`…). Keys it does not know (plugin
 * rules) are ignored, as dive ignores them; so are kebab-case ones (`lowest-efficiency:`): no dive
 * reads those in .dive-ci (its main branch takes them only in its own config file), so reading
 * them would change a verdict dive gives. `ignored` hears of each such kebab-case key.
 */
export function parseDiveCiFile(text: string, file = '.dive-ci', ignored?: (message: string) => void): Partial<DiveRuleSettings> {
  let document: unknown;
  try {
    document = yamlModule().parse(text);
  } catch (error) {
    throw new DiveRuleError(`failed to read ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const rules = document && typeof document === 'object' && !Array.isArray(document) ? valueOf(document as Record<string, unknown>, 'rules') : undefined;
  if (rules === undefined || rules === null) {
    return {};
  }
  if (typeof rules !== 'object' || Array.isArray(rules)) {
    throw new DiveRuleError(`failed to read ${file}: "rules" is not a mapping`);
  }
  const settings: Partial<DiveRuleSettings> = {};
  for (const name of DIVE_RULE_NAMES) {
    const value = valueOf(rules as Record<string, unknown>, name);
    const kebab = name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    if (ignored && valueOf(rules as Record<string, unknown>, kebab) !== undefined) {
      ignored(`${file}: rules.${kebab} is ignored, as dive ignores it there; write ${name}`);
    }
    if (value === undefined || value === null) {
      continue;
    }
    if (typeof value === 'object') {
      throw new DiveRuleError(`failed to read ${file}: rules.${name} is not a value`);
    }
    // A number or boolean as YAML wrote it: 0.95, false (dive reads every rule as a string).
    settings[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return settings;
}

/** A mapping's value under a key in any case, as viper reads it (the last one written wins). */
function valueOf(mapping: Record<string, unknown>, key: string): unknown {
  const wanted = key.toLowerCase();
  let found: unknown;
  for (const [name, value] of Object.entries(mapping)) {
    if (name.toLowerCase() === wanted) {
      found = value;
    }
  }
  return found;
}
