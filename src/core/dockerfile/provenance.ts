/**
 * Exact Dockerfile lines from BuildKit provenance (`--provenance=mode=max`): the SLSA statement
 * BuildKit attaches to an image lists its LLB steps (`buildConfig.llbDefinition`) and, for each
 * step, the Dockerfile lines that made it (`buildkit@v1#metadata` → `source.locations`). Following
 * the result back to its base image, through each step's root file system, gives the steps that
 * committed the image's top layers, one layer per exec (RUN) or file (COPY, ADD, WORKDIR) step.
 * SLSA v0.2 and v1 are read; anything else gives no lines.
 */
import { HistoryStep } from '../model/historySteps';
import { DockerfileMatch, recordedStep, summarizeMatches } from './historyMatch';

export interface ProvenanceLines {
  /** The Dockerfile's name as the build saw it (`Dockerfile`, `docker/app.Dockerfile`). */
  filename: string;
  /** 0-based [first, last] lines of the instruction that made each layer, by layer index. */
  layers: Map<number, [number, number]>;
  /** The FROM line of the final stage, for the base image's layers. */
  fromLines?: [number, number];
}

const BUILDKIT_METADATA = 'https://mobyproject.org/buildkit@v1#metadata';

interface LlbStep {
  id?: string;
  op?: { Op?: Record<string, unknown> | null };
  inputs?: string[];
}

interface SourceInfo {
  filename?: string;
}

interface SourceLocations {
  locations?: Record<string, { locations?: { sourceIndex?: number; ranges?: { start?: { line?: number }; end?: { line?: number } }[] }[] }>;
  infos?: SourceInfo[];
}

const record = (value: unknown): Record<string, unknown> | undefined => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);

/**
 * The lines of each layer from a provenance statement, or undefined when it holds none (mode=min,
 * not SLSA, not a Dockerfile build) or is not what BuildKit writes: never a throw.
 */
export function provenanceLines(statement: unknown, layerCount: number): ProvenanceLines | undefined {
  try {
    return readLines(statement, layerCount);
  } catch {
    return undefined;
  }
}

function readLines(statement: unknown, layerCount: number): ProvenanceLines | undefined {
  const predicate = record(record(statement)?.predicate);
  if (!predicate) {
    return undefined;
  }
  // v0.2: predicate.buildConfig, predicate.metadata; v1: buildDefinition.internalParameters.buildConfig, runDetails.metadata.
  const buildConfig = record(predicate.buildConfig) ?? record(record(record(predicate.buildDefinition)?.internalParameters)?.buildConfig);
  const metadata = record(predicate.metadata) ?? record(record(predicate.runDetails)?.metadata);
  const steps = buildConfig?.llbDefinition;
  const source = record(record(metadata?.[BUILDKIT_METADATA])?.source) as SourceLocations | undefined;
  if (!Array.isArray(steps) || !source?.locations) {
    return undefined;
  }
  const byId = new Map<string, LlbStep>();
  const wellFormed: LlbStep[] = [];
  for (const raw of steps as unknown[]) {
    const step = record(raw) as LlbStep | undefined;
    if (typeof step?.id === 'string' && (step.inputs === undefined || (Array.isArray(step.inputs) && step.inputs.every((input) => typeof input === 'string')))) {
      byId.set(step.id, step);
      wellFormed.push(step);
    }
  }
  const chain = layerSteps(wellFormed, byId);
  if (!chain || chain.layers.length > layerCount) {
    return undefined;
  }
  let filename: string | undefined;
  // A step two stages share (the same base, the same RUN on it) lists one location per stage, in no
  // set order; the final stage comes last in the file, so its instruction is the latest.
  const linesOf = (id: string | undefined): [number, number] | undefined => {
    const locations = id ? record(source.locations?.[id])?.locations : undefined;
    let best: { lines: [number, number]; sourceIndex: unknown } | undefined;
    for (const raw of Array.isArray(locations) ? locations : []) {
      const location = record(raw) as { sourceIndex?: unknown; ranges?: unknown } | undefined;
      const range = Array.isArray(location?.ranges) ? (record(location.ranges[0]) as { start?: { line?: unknown }; end?: { line?: unknown } } | undefined) : undefined;
      const start = range?.start?.line;
      if (typeof start !== 'number' || !Number.isInteger(start) || start < 1 || (best && start - 1 <= best.lines[0])) {
        continue;
      }
      const endLine = range?.end?.line;
      const end = typeof endLine === 'number' && Number.isInteger(endLine) && endLine >= start ? endLine : start;
      best = { lines: [start - 1, end - 1], sourceIndex: location?.sourceIndex };
    }
    if (!best) {
      return undefined;
    }
    const info = Array.isArray(source.infos) ? record(source.infos[typeof best.sourceIndex === 'number' ? best.sourceIndex : 0]) : undefined;
    if (typeof info?.filename === 'string' && info.filename.length <= 4096) {
      filename ??= info.filename;
    }
    return best.lines;
  };
  const layers = new Map<number, [number, number]>();
  const below = layerCount - chain.layers.length;
  chain.layers.forEach((id, k) => {
    const lines = linesOf(id);
    if (lines) {
      layers.set(below + k, lines);
    }
  });
  const fromLines = linesOf(chain.base);
  if (layers.size === 0) {
    return undefined;
  }
  return { filename: filename ?? 'Dockerfile', layers, ...(fromLines ? { fromLines } : {}) };
}

/**
 * From the result (the step with no op) down to the image source: the exec and file steps that
 * each committed a layer, bottom first, and the source step. Undefined when a step is one this
 * reader cannot follow (merge and diff steps of COPY --link, a loop, a missing input).
 */
function layerSteps(steps: readonly LlbStep[], byId: Map<string, LlbStep>): { layers: string[]; base: string | undefined } | undefined {
  const result = [...steps].reverse().find((step) => record(step.op) && (step.op!.Op === null || step.op!.Op === undefined));
  let current = result && inputStep(result, 0, byId);
  const layers: string[] = [];
  for (let guard = 0; current && guard <= steps.length; guard++) {
    const op = record(current.op?.Op) ?? {};
    if ('source' in op) {
      return { layers: layers.reverse(), base: current.id };
    }
    if ('exec' in op) {
      layers.push(current.id!);
      current = inputStep(current, rootMountInput(op.exec), byId);
    } else if ('file' in op) {
      layers.push(current.id!);
      current = inputStep(current, firstActionInput(op.file), byId);
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** The step an input refers to: `"step3:0"` → step3. */
function inputStep(step: LlbStep, index: number, byId: Map<string, LlbStep>): LlbStep | undefined {
  // -1 is no input (FROM scratch): the chain ends there, in no other stage.
  const input = index >= 0 ? step.inputs?.[index] : undefined;
  return typeof input === 'string' ? byId.get(input.replace(/:\d+$/, '')) : undefined;
}

/** An exec step's root file system: the input mounted at `/`. */
function rootMountInput(exec: unknown): number {
  const mounts = record(exec)?.mounts;
  const root = Array.isArray(mounts) ? mounts.map(record).find((mount) => mount?.dest === '/') : undefined;
  return typeof root?.input === 'number' ? root.input : 0;
}

/** A file step's base: the input of its first action (a copy's source is its secondary input). */
function firstActionInput(file: unknown): number {
  const actions = record(file)?.actions;
  const first = Array.isArray(actions) ? record(actions[0]) : undefined;
  return typeof first?.input === 'number' ? first.input : 0;
}

/**
 * A history match corrected by provenance: the instruction on each layer's provenance line made
 * that layer, even where the history's text cannot be compared (`RUN --mount`, `COPY --chmod`,
 * `ADD <url>`). For the Dockerfile the build read (same name); the line must still hold an
 * instruction of the step's keyword, or the file has changed since and the history match stands.
 */
export function withProvenance(match: DockerfileMatch, lines: ProvenanceLines, steps: readonly HistoryStep[]): DockerfileMatch {
  const matches = match.matches.map((each) => ({ ...each }));
  for (const [layerIndex, [first]] of lines.layers) {
    const step = steps.find((candidate) => candidate.layerIndex === layerIndex);
    const at = matches.findIndex(({ instruction }) => instruction.startLine === first);
    if (!step || at < 0 || recordedStep(step.createdBy)?.keyword !== matches[at].instruction.keyword) {
      continue;
    }
    for (const other of matches) {
      if (other.step === step) {
        other.step = undefined;
      }
    }
    matches[at].step = step;
  }
  return summarizeMatches(matches, steps);
}
