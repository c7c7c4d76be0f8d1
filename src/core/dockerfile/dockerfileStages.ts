/**
 * A Dockerfile's build stages and their instructions, as the history matcher needs them: each
 * instruction's keyword, its arguments as the builders record them (line continuations joined
 * under the file's escape character, heredocs kept), its flags, and its lines. Parsing is
 * dockerfile-ast's, the parser of the Dockerfile language server.
 */
import type { From, Instruction } from 'dockerfile-ast';
import { dockerfileAstModule } from '../loadedOnFirstUse';

/** Flags before the arguments (`--chown=app:app`, `--mount=type=cache,target="/a b"`), as builders write them. */
export const LEADING_FLAGS = /^(?:--[A-Za-z][\w-]*(?:=(?:"[^"]*"|[^\s"]*)*)?\s+)+/;

export interface DockerfileInstruction {
  /** Upper case: `RUN`, `COPY`, … */
  keyword: string;
  /** 0-based lines the instruction spans. */
  startLine: number;
  endLine: number;
  /** The arguments after the keyword and its flags, continuations joined as Docker joins them. */
  args: string;
  /** `--from=build` → { from: 'build' }. */
  flags: Record<string, string>;
  /** The JSON array of an exec-form instruction (`RUN ["sh", "-c", "x"]`), when it is one. */
  execForm?: string[];
  /** Heredoc bodies (`RUN <<EOT … EOT`), in order. */
  heredocs: string[];
}

export interface DockerfileStage {
  /** `AS build`, lower-cased as Docker compares stage names; undefined when unnamed. */
  name: string | undefined;
  /** What FROM names, as written (`${BASE}`, `build`, `alpine:3`). */
  from: string;
  fromLine: number;
  instructions: DockerfileInstruction[];
}

export interface ParsedDockerfile {
  stages: DockerfileStage[];
  /** ARGs before the first FROM, with their defaults: what FROM lines may use. */
  globalArgs: Record<string, string>;
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const dockerfile = dockerfileAstModule().DockerfileParser.parse(text);
  const stages: DockerfileStage[] = [];
  const globalArgs: Record<string, string> = {};
  let current: DockerfileStage | undefined;
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase();
    if (keyword === 'FROM') {
      const from = instruction as From;
      current = { name: from.getBuildStage()?.toLowerCase() ?? undefined, from: from.getImage() ?? '', fromLine: instruction.getRange().start.line, instructions: [] };
      stages.push(current);
      continue;
    }
    if (!current) {
      // ARGs before the first FROM parameterise FROM lines only: no step of any stage.
      const declared = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(?:"([^"]*)"|'([^']*)'|(\S*)))?/.exec((instruction.getArgumentsContent() ?? '').trim());
      if (keyword === 'ARG' && declared) {
        globalArgs[declared[1]] = declared[2] ?? declared[3] ?? declared[4] ?? '';
      }
      continue;
    }
    current.instructions.push(instructionOf(instruction, keyword));
  }
  return { stages, globalArgs };
}

function instructionOf(instruction: Instruction, keyword: string): DockerfileInstruction {
  const range = instruction.getRange();
  const flags: Record<string, string> = {};
  const withFlags = instruction as Instruction & { getFlags?: () => { getName(): string; getValue(): string | null }[] };
  for (const flag of withFlags.getFlags?.() ?? []) {
    flags[flag.getName().toLowerCase()] = flag.getValue() ?? '';
  }
  let args = instruction.getArgumentsContent() ?? '';
  // getArgumentsContent keeps the flags of COPY/ADD/RUN: the builders' history does not.
  args = args.replace(LEADING_FLAGS, '');
  const withHeredocs = instruction as Instruction & { getHeredocs?: () => { getName(): string }[] };
  const heredocs = (withHeredocs.getHeredocs?.() ?? []).map((heredoc) => heredocBody(args, heredoc.getName())).filter((body): body is string => body !== undefined);
  return { keyword, startLine: range.start.line, endLine: range.end.line, args, flags, execForm: execFormOf(args), heredocs };
}

/** The JSON array form's strings, or undefined for the shell form (or JSON that is not an array of strings). */
function execFormOf(args: string): string[] | undefined {
  const trimmed = args.trim();
  if (!trimmed.startsWith('[')) {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The body of `<<NAME` (or `<<-NAME`, `<<"NAME"`) in the arguments: the lines up to the line `NAME`. */
function heredocBody(args: string, name: string): string | undefined {
  const lines = args.split('\n');
  const opener = lines.findIndex((line) => new RegExp(`<<-?["']?${escapeRegExp(name)}["']?`).test(line));
  if (opener < 0) {
    return undefined;
  }
  const closer = lines.findIndex((line, index) => index > opener && line.trim() === name);
  return closer < 0 ? undefined : lines.slice(opener + 1, closer).join('\n') + '\n';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface StageChain {
  stage: DockerfileStage;
  instructions: DockerfileInstruction[];
  /** The image the chain starts FROM, global ARG defaults filled in (`${BASE}` → `alpine:3`); undefined when one has no default. */
  base: string | undefined;
}

/** The stages an image can be built from: the last (no --target), then every named one. */
export function buildTargets(dockerfile: ParsedDockerfile): StageChain[] {
  const named = dockerfile.stages.slice(0, -1).flatMap((stage) => (stage.name ? [stageChain(dockerfile, stage.name)] : []));
  return [stageChain(dockerfile), ...named].filter((chain): chain is StageChain => chain !== undefined);
}

/**
 * The instructions that built the image of a stage, bottom first: those of the stages it is FROM
 * (`FROM build AS final`), then its own. The target is a stage name, or the last stage.
 */
export function stageChain(dockerfile: ParsedDockerfile, target?: string): StageChain | undefined {
  const stages = dockerfile.stages;
  const index = target === undefined ? stages.length - 1 : stages.findIndex((stage) => stage.name === target.toLowerCase());
  if (index < 0) {
    return undefined;
  }
  const chain: DockerfileStage[] = [];
  let at: number = index;
  while (at >= 0 && chain.length <= stages.length) {
    const stage = stages[at];
    chain.unshift(stage);
    const from = stage.from.toLowerCase();
    at = stages.slice(0, at).findIndex((earlier) => earlier.name === from);
  }
  const base = chain[0].from.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced: string | undefined, bare: string | undefined) => dockerfile.globalArgs[braced ?? bare!] ?? '\0');
  return { stage: stages[index], instructions: chain.flatMap((stage) => stage.instructions), base: base.includes('\0') || base === '' ? undefined : base };
}
