/**
 * Which history step of an image each instruction of a Dockerfile made, for both builders:
 * - legacy: `/bin/sh -c #(nop) COPY file:<hash> in /dst`, `|2 A=1 B=2 /bin/sh -c <cmd>`;
 * - BuildKit: `RUN |2 A=1 B=2 /bin/sh -c <cmd> # buildkit`, `COPY <srcs> <dest> # buildkit`,
 *   `EXPOSE map[8080/tcp:{}]`, with `comment: buildkit.dockerfile.v0`.
 * The stage's instructions are aligned with the end of the history (a weighted longest common
 * subsequence): what comes before is the base image's, with any ONBUILD triggers it fired. An
 * instruction that finds no step with the same text, in order, is one the image was not built
 * from: the file was edited since, or the image is another one.
 */
import { HistoryStep } from '../model/historySteps';
import { DockerfileInstruction, LEADING_FLAGS } from './dockerfileStages';

export interface InstructionMatch {
  instruction: DockerfileInstruction;
  /** The history step it made; undefined when no step matches. */
  step: HistoryStep | undefined;
}

export interface DockerfileMatch {
  matches: InstructionMatch[];
  /** Instructions with a step. */
  matched: number;
  /** Instructions that a builder records (ONBUILD aside: BuildKit records none). */
  recorded: number;
  /** Lines of instructions with no step, as 0-based [first, last] ranges (adjacent ones merged). */
  differingLines: [number, number][];
  /** History steps after the last matched one: another Dockerfile's (an image built FROM this one), or removed lines. */
  trailing: number;
}

const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** What a history step says it ran, builder noise removed. */
export interface RecordedStep {
  keyword: string;
  /** For RUN: the command with the shell (`/bin/sh -c echo hi`) and no build-arg prefix. */
  text: string;
  /** Legacy COPY/ADD name their sources by content hash (`file:<hash> in /dst`): only the destination can be compared. */
  destinationOnly?: boolean;
  /**
   * RUN with build args in scope: `|2 A=1 B=2 ` came first. Values are not quoted there, so one
   * with a space leaves words of it before the command; the command is then the end of `text`.
   */
  afterArgs?: boolean;
}


export function recordedStep(createdBy: string | undefined): RecordedStep | undefined {
  let text = (createdBy ?? '').trim().replace(/\s+# buildkit$/, '');
  if (!text) {
    return undefined;
  }
  const nop = /^(.*?)#\(nop\)\s*([A-Z]+)\b\s*([\s\S]*)$/.exec(text);
  if (nop) {
    const [, , keyword, rest] = nop;
    // `COPY --chown=65534:65534file:<hash> in /app`: the legacy builder glues its flags to the hashed sources.
    const legacyCopy = /^(?:--\S*?)?(?:file|dir|multi):[0-9a-f]{64} in (.*)$/s.exec(rest.trim());
    return legacyCopy && (keyword === 'COPY' || keyword === 'ADD') ? { keyword, text: legacyCopy[1].trim(), destinationOnly: true } : { keyword, text: rest };
  }
  const keyword = /^([A-Z]+)\s+/.exec(text);
  if (keyword && keyword[1] !== 'RUN') {
    return { keyword: keyword[1], text: text.slice(keyword[0].length) };
  }
  if (keyword) {
    text = text.slice(keyword[0].length);
  }
  // Build args in scope: `|2 A=1 B=2 ` before the command (legacy sorts them, BuildKit does not).
  const args = /^\|(\d+)\s+/.exec(text);
  if (args) {
    text = text.slice(args[0].length);
    for (let i = 0; i < Number(args[1]); i++) {
      text = text.replace(/^\S+=\S*\s+/, '');
    }
    return { keyword: 'RUN', text, afterArgs: true };
  }
  return { keyword: 'RUN', text };
}

const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();
/** Quotes, brackets and commas dropped: JSON forms and their history spellings compare equal. */
const loose = (text: string) => collapse(text.replace(/\\"/g, '"').replace(/"/g, '').replace(/[[\],]/g, ' '));
const ports = (text: string) => [...text.matchAll(/(\d+)(?:\/(tcp|udp|sctp))?/g)].map((match) => `${match[1]}/${match[2] ?? 'tcp'}`).sort().join(' ');
/**
 * Whether a recorded ARG declares the instruction's names, in order. Only names are compared:
 * BuildKit 0.14+ records the value in use (`--build-arg`, a global default), not the one written,
 * and values are not quoted there.
 */
function sameArgNames(written: string, recorded: string): boolean {
  const names = [...written.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)(?==|\s|$)/g)].map((match) => match[1]);
  let rest = recorded;
  for (const name of names) {
    const at = new RegExp(`(?:^|\\s)${name}(?:=|\\s|$)`).exec(rest);
    if (!at) {
      return false;
    }
    rest = rest.slice(at.index + at[0].length);
  }
  return names.length > 0;
}

/** A heredoc RUN records its body when the marker is the whole command (`RUN <<EOT`), else the command as written. */
function runCommand(instruction: DockerfileInstruction): string {
  const bare = /^<<-?(["']?)[A-Za-z_][\w-]*\1\s*$/.test(instruction.args.split('\n')[0].trim());
  return bare && instruction.heredocs.length ? instruction.heredocs.join('') : instruction.args;
}

/** Whether a step records this instruction (the shell in use for the shell forms of RUN, CMD, ENTRYPOINT). */
export function sameStep(instruction: DockerfileInstruction, recorded: RecordedStep, shell: readonly string[]): boolean {
  if (recorded.keyword !== instruction.keyword) {
    return false;
  }
  switch (instruction.keyword) {
    case 'RUN': {
      const command = collapse(instruction.execForm ? instruction.execForm.join(' ') : `${shell.join(' ')} ${runCommand(instruction)}`);
      const text = collapse(recorded.text.replace(LEADING_FLAGS, ''));
      return text === command || (recorded.afterArgs === true && text.endsWith(` ${command}`));
    }
    case 'COPY':
    case 'ADD': {
      // A heredoc's body is not recorded: its first line is. Flags are compared on neither side.
      const written = collapse(instruction.args.split('\n')[0]);
      if (recorded.destinationOnly) {
        const destination = instruction.execForm ? instruction.execForm[instruction.execForm.length - 1] : written.split(' ').pop();
        return destination === recorded.text;
      }
      const text = recorded.text.replace(LEADING_FLAGS, '');
      return written === collapse(text) || loose(written) === loose(text);
    }
    case 'EXPOSE':
      return ports(instruction.args) === ports(recorded.text);
    case 'ARG':
      return sameArgNames(instruction.args.replace(/"[^"]*"|'[^']*'/g, 'v'), recorded.text);
    case 'CMD':
    case 'ENTRYPOINT':
      // The shell form is recorded with the shell it runs under: `CMD ["/bin/sh" "-c" "node i.js"]`.
      return loose(instruction.args) === loose(recorded.text) || (!instruction.execForm && loose(`${shell.join(' ')} ${instruction.args}`) === loose(recorded.text));
    default:
      return loose(instruction.args) === loose(recorded.text);
  }
}

/** Matches a stage's instructions (stageChain) with an image's history steps (oldest first). */
export function matchHistory(instructions: readonly DockerfileInstruction[], steps: readonly HistoryStep[]): DockerfileMatch {
  const recorded = steps.map((step) => recordedStep(step.createdBy));
  const shells = shellsOf(instructions);
  const n = instructions.length;
  const m = steps.length;
  const same = (i: number, j: number) => recorded[j] !== undefined && sameStep(instructions[i], recorded[j], shells[i]);
  // A weighted longest common subsequence. History before the stage's first match is free (the
  // base image's steps); a history step skipped inside the stage costs SKIP, so the stage stays one
  // stretch but survives a few removed lines; a pair earns PAIR. Back-pointers record each cell's
  // choice, a continued stretch winning ties over a fresh start, so nothing matched is dropped.
  const PAIR = 4;
  const SKIP = 1;
  const NONE = -Infinity;
  type Move = 'pair' | 'start' | 'skipInstruction' | 'skipStep';
  const score = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(NONE));
  const move = Array.from({ length: n + 1 }, () => new Array<Move | undefined>(m + 1).fill(undefined));
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      let best = NONE;
      let choice: Move | undefined;
      const consider = (value: number, option: Move) => {
        if (value > best) {
          best = value;
          choice = option;
        }
      };
      if (same(i - 1, j - 1)) {
        consider(score[i - 1][j - 1] + PAIR, 'pair');
        consider(PAIR, 'start');
      }
      consider(score[i - 1][j], 'skipInstruction');
      consider(score[i][j - 1] - SKIP, 'skipStep');
      score[i][j] = best;
      move[i][j] = choice;
    }
  }
  let end = m;
  for (let j = m - 1; j > 0; j--) {
    if (score[n][j] > score[n][end]) {
      end = j;
    }
  }
  const stepOf = new Array<HistoryStep | undefined>(n).fill(undefined);
  for (let i = n, j = end; i > 0 && j > 0 && score[i][j] > NONE; ) {
    const choice = move[i][j];
    if (choice === 'pair' || choice === 'start') {
      stepOf[i - 1] = steps[j - 1];
      if (choice === 'start') {
        break;
      }
      i--;
      j--;
    } else if (choice === 'skipInstruction') {
      i--;
    } else {
      j--;
    }
  }
  return summarizeMatches(
    instructions.map((instruction, i) => ({ instruction, step: stepOf[i] })),
    steps,
  );
}

/** The figures of a list of instruction matches against the history they were matched with. */
export function summarizeMatches(matches: InstructionMatch[], steps: readonly HistoryStep[]): DockerfileMatch {
  // BuildKit records no ONBUILD instruction of the stage itself: not finding one is no difference.
  const counted = matches.filter((match) => match.instruction.keyword !== 'ONBUILD' || match.step);
  const differing = counted.filter((match) => !match.step).map((match): [number, number] => [match.instruction.startLine, match.instruction.endLine]);
  const lastMatched = Math.max(-1, ...matches.map(({ step }) => (step ? steps.indexOf(step) : -1)));
  return { matches, matched: counted.length - differing.length, recorded: counted.length, differingLines: mergeRanges(differing), trailing: lastMatched < 0 ? steps.length : steps.length - 1 - lastMatched };
}

/** The shell each instruction runs under: SHELL changes it for the instructions after it. */
function shellsOf(instructions: readonly DockerfileInstruction[]): (readonly string[])[] {
  let shell: readonly string[] = DEFAULT_SHELL;
  return instructions.map((instruction) => {
    const current = shell;
    if (instruction.keyword === 'SHELL' && instruction.execForm?.length) {
      shell = instruction.execForm;
    }
    return current;
  });
}

/** Adjacent and overlapping ranges merged: lines 5–6 and 7 → 5–7. */
function mergeRanges(ranges: [number, number][]): [number, number][] {
  const merged: [number, number][] = [];
  for (const [first, last] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const previous = merged[merged.length - 1];
    if (previous && first <= previous[1] + 1) {
      previous[1] = Math.max(previous[1], last);
    } else {
      merged.push([first, last]);
    }
  }
  return merged;
}
