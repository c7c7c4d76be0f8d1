/**
 * A later tier-up to V8's optimizing compiler, for the CLI's own process. Most runs last about a
 * second. V8 would spend it optimizing every warm function with TurboFan on a second thread, which
 * on a small machine takes a core from the daemon the run waits for, for code ready when the run is
 * nearly over. Tier-up 8 × later leaves that to code that stays hot (docs/benchmarks.md, "The
 * docker-group user's full tree"). Never for the extension: VS Code's extension host is not ours.
 */
import * as v8 from 'v8';

/**
 * V8's default `--interrupt-budget`, by V8 version (major.minor), where the later tier-up was
 * measured: Node 20's. Another V8's default differs, and one without the flag prints an error.
 */
const DEFAULT_INTERRUPT_BUDGET: Readonly<Record<string, number>> = { '11.3': 66 * 1024 };

const LATER = 8;

/** The V8 flag for this V8 version (`process.versions.v8`), or undefined where its default is not known. */
export function laterTierUpFlag(v8Version: string): string | undefined {
  const budget = DEFAULT_INTERRUPT_BUDGET[v8Version.split('.').slice(0, 2).join('.')];
  return budget === undefined ? undefined : `--interrupt-budget=${LATER * budget}`;
}

/**
 * Sets it for this process. Call once the CLI's modules have loaded: a changed flag makes V8 refuse
 * Node's code cache for the built-in modules loaded after it (zlib, https and child_process took
 * 22 ms instead of 12 ms).
 */
export function delayTierUp(): void {
  const flag = laterTierUpFlag(process.versions.v8);
  if (flag) {
    v8.setFlagsFromString(flag);
  }
}
