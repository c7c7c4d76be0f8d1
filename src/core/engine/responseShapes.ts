/**
 * The shapes of the Engine's JSON answers, checked before anything reads them: a daemon (or a proxy
 * pretending to be one) can answer anything, and `.map is not a function` deep in the tree helps
 * nobody. Only the fields this code reads are checked; others pass untouched. IDs that become parts
 * of file paths or URLs must be full digests.
 */

/** What is wrong, and where: `[3].RepoTags[0]` and `is an object, not a string`. */
interface Problem {
  path: string;
  detail: string;
}

/** The first problem found in a value, or undefined. Paths are built only for a problem: checks run on every answer. */
export type ShapeCheck = (value: unknown) => Problem | undefined;

/** The first problem in an answer, as one line (`[3].RepoTags[0] is an object, not a string`), or undefined. */
export function shapeProblem(shape: ShapeCheck, value: unknown): string | undefined {
  const problem = shape(value);
  if (!problem) {
    return undefined;
  }
  const path = problem.path.startsWith('.') ? problem.path.slice(1) : problem.path;
  return `${path || 'the answer'} ${problem.detail}`;
}

const kindOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value);
const expected = (what: string, value: unknown): Problem => ({ path: '', detail: `is ${kindOf(value)}, not ${what}` });
const within = (segment: string, problem: Problem): Problem => ({ path: `${segment}${problem.path}`, detail: problem.detail });

const string: ShapeCheck = (value) => (typeof value === 'string' ? undefined : expected('a string', value));
const number: ShapeCheck = (value) => (typeof value === 'number' && Number.isFinite(value) ? undefined : expected('a number', value));
const boolean: ShapeCheck = (value) => (typeof value === 'boolean' ? undefined : expected('true or false', value));

function matching(pattern: RegExp, what: string): ShapeCheck {
  return (value) => (typeof value === 'string' && pattern.test(value) ? undefined : { path: '', detail: `is ${typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : kindOf(value)}, not ${what}` });
}

/** `sha256:` and 64 hex digits: what image IDs and layer digests must be. */
const digest = matching(/^sha256:[0-9a-f]{64}$/, 'a sha256 digest');
/** 64 hex digits: a container ID. */
const containerId = matching(/^[0-9a-f]{64}$/, 'a container ID');

function nullable(check: ShapeCheck): ShapeCheck {
  return (value) => (value === null ? undefined : check(value));
}

function arrayOf(check: ShapeCheck): ShapeCheck {
  return (value) => {
    if (!Array.isArray(value)) {
      return expected('an array', value);
    }
    for (let index = 0; index < value.length; index++) {
      const problem = check(value[index]);
      if (problem) {
        return within(`[${index}]`, problem);
      }
    }
    return undefined;
  };
}

function recordOf(check: ShapeCheck): ShapeCheck {
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return expected('an object', value);
    }
    for (const key in value) {
      const problem = check((value as Record<string, unknown>)[key]);
      if (problem) {
        return within(`.${key}`, problem);
      }
    }
    return undefined;
  };
}

/** An object whose listed fields, where present (or always, for `required`), pass their checks. */
function object(fields: Record<string, ShapeCheck>, required: readonly string[] = []): ShapeCheck {
  // Indexed loops over arrays made once: every Engine answer (two per image) goes through here.
  const names = Object.keys(fields);
  const checks = names.map((name) => fields[name]);
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return expected('an object', value);
    }
    const record = value as Record<string, unknown>;
    for (let index = 0; index < required.length; index++) {
      if (record[required[index]] === undefined) {
        return { path: `.${required[index]}`, detail: 'is missing' };
      }
    }
    for (let index = 0; index < names.length; index++) {
      const field = record[names[index]];
      if (field !== undefined) {
        const problem = checks[index](field);
        if (problem) {
          return within(`.${names[index]}`, problem);
        }
      }
    }
    return undefined;
  };
}

const strings = nullable(arrayOf(string));
const labels = nullable(recordOf(string));
const graphDriver = nullable(object({ Name: string, Data: labels }));

export const infoShape = object({
  DockerRootDir: string,
  Driver: string,
  DriverStatus: nullable(arrayOf(arrayOf(string))),
  SecurityOptions: strings,
  Rootless: boolean,
  OperatingSystem: string,
  ServerVersion: string,
  Containerd: nullable(object({ Address: string, Namespaces: nullable(object({ Containers: string, Plugins: string })) })),
});

export const versionShape = object({ Version: string, ApiVersion: string, Os: string, Arch: string, Components: nullable(arrayOf(object({ Name: string, Version: string }))) });

export const imageListShape = arrayOf(object({ Id: digest, RepoTags: strings, RepoDigests: strings, Created: number, Size: number, Labels: labels }, ['Id']));

export const imageInspectShape = object(
  {
    Id: digest,
    RepoTags: strings,
    RepoDigests: strings,
    Created: string,
    Size: number,
    Architecture: string,
    Os: string,
    Variant: string,
    GraphDriver: graphDriver,
    RootFS: object({ Type: string, Layers: nullable(arrayOf(digest)) }),
    Config: nullable(object({ Labels: labels, Cmd: strings, Entrypoint: strings })),
  },
  ['Id'],
);

export const imageHistoryShape = arrayOf(object({ Id: string, Created: number, CreatedBy: string, Tags: strings, Size: number, Comment: string }));

export const containerListShape = arrayOf(object({ Id: containerId, Names: strings, Image: string, ImageID: string, Created: number, State: string, SizeRw: number }, ['Id']));

export const containerInspectShape = object(
  { Id: containerId, Name: string, Image: string, Created: string, GraphDriver: graphDriver, SizeRw: number, State: nullable(object({ Status: string, Running: boolean })) },
  ['Id'],
);
