/**
 * The shapes of the Engine's JSON answers, checked before anything reads them: a daemon (or a proxy
 * pretending to be one) can answer anything, and `.map is not a function` deep in the tree helps
 * nobody. Only the fields this code reads are checked; others pass untouched. IDs that become parts
 * of file paths or URLs must be full digests.
 */

/** The first problem found, as a path into the answer (`[3].RepoTags[0]: not a string`), or undefined. */
export type ShapeCheck = (value: unknown, at: string) => string | undefined;

const kindOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value);
const expected = (what: string, value: unknown, at: string): string => `${at || 'the answer'} is ${kindOf(value)}, not ${what}`;

const string: ShapeCheck = (value, at) => (typeof value === 'string' ? undefined : expected('a string', value, at));
const number: ShapeCheck = (value, at) => (typeof value === 'number' && Number.isFinite(value) ? undefined : expected('a number', value, at));
const boolean: ShapeCheck = (value, at) => (typeof value === 'boolean' ? undefined : expected('true or false', value, at));

function matching(pattern: RegExp, what: string): ShapeCheck {
  return (value, at) => (typeof value === 'string' && pattern.test(value) ? undefined : `${at} is ${typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : kindOf(value)}, not ${what}`);
}

/** `sha256:` and 64 hex digits: what image IDs and layer digests must be. */
const digest = matching(/^sha256:[0-9a-f]{64}$/, 'a sha256 digest');
/** 64 hex digits: a container ID. */
const containerId = matching(/^[0-9a-f]{64}$/, 'a container ID');

function nullable(check: ShapeCheck): ShapeCheck {
  return (value, at) => (value === null ? undefined : check(value, at));
}

function arrayOf(check: ShapeCheck): ShapeCheck {
  return (value, at) => {
    if (!Array.isArray(value)) {
      return expected('an array', value, at);
    }
    for (let index = 0; index < value.length; index++) {
      const problem = check(value[index], `${at}[${index}]`);
      if (problem) {
        return problem;
      }
    }
    return undefined;
  };
}

function recordOf(check: ShapeCheck): ShapeCheck {
  return (value, at) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return expected('an object', value, at);
    }
    for (const [key, field] of Object.entries(value)) {
      const problem = check(field, `${at}.${key}`);
      if (problem) {
        return problem;
      }
    }
    return undefined;
  };
}

/** An object whose listed fields, where present (or always, for `required`), pass their checks. */
function object(fields: Record<string, ShapeCheck>, required: readonly string[] = []): ShapeCheck {
  return (value, at) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return expected('an object', value, at);
    }
    const record = value as Record<string, unknown>;
    for (const name of required) {
      if (record[name] === undefined) {
        return `${at ? `${at}.` : ''}${name} is missing`;
      }
    }
    for (const [name, check] of Object.entries(fields)) {
      if (record[name] !== undefined) {
        const problem = check(record[name], `${at ? `${at}.` : ''}${name}`);
        if (problem) {
          return problem;
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
