/**
 * Turns a history `created_by` into the Dockerfile step people wrote:
 * `/bin/sh -c #(nop)  ENV A=b` → `ENV A=b`, `/bin/sh -c apk add x` → `RUN apk add x`,
 * `RUN /bin/sh -c make # buildkit` → `RUN make`.
 */
const METADATA_INSTRUCTIONS = new Set([
  'ARG', 'CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'SHELL',
  'STOPSIGNAL', 'USER', 'VOLUME',
]);

export function describeBuildStep(createdBy: string | undefined, comment?: string): string {
  let text = (createdBy ?? '').trim();
  if (!text) {
    return comment?.trim() ? comment.trim() : '(no build step recorded)';
  }
  if (text.endsWith('# buildkit')) {
    text = text.replace(/\s+# buildkit$/, '');
  }
  // Build args: "|2 A=1 B=2 /bin/sh -c …" (legacy) or "RUN |1 A=1 /bin/sh -c …" (BuildKit).
  text = text.replace(/^(RUN )?\|\d+(?:\s+\S+=\S*)*\s+(?=\/bin\/sh -c|cmd \/S \/C)/, '$1');
  const nop = /^(?:\/bin\/sh -c|cmd \/S \/C) #\(nop\)\s*/.exec(text);
  if (nop) {
    return collapse(text.slice(nop[0].length));
  }
  const shell = /^(?:\/bin\/sh -c|cmd \/S \/C)\s+/.exec(text);
  if (shell) {
    return collapse(`RUN ${text.slice(shell[0].length)}`);
  }
  const buildkitRun = /^RUN (?:\/bin\/sh -c|cmd \/S \/C)\s+/.exec(text);
  if (buildkitRun) {
    return collapse(`RUN ${text.slice(buildkitRun[0].length)}`);
  }
  return collapse(text);
}

/** The instruction keyword of a described step (`RUN`, `COPY`, …), or undefined. */
export function instructionOf(step: string): string | undefined {
  const match = /^([A-Z]+)\b/.exec(step);
  return match?.[1];
}

/**
 * Whether a step can only change metadata (never files). Used to guess which history entries made
 * layers when the image config's `empty_layer` flags are not available. WORKDIR is not: both
 * builders commit a layer when it has to create its folder.
 */
export function isMetadataOnlyStep(createdBy: string | undefined, described?: string): boolean {
  // `described`: describeBuildStep's of it, where the caller has it already (a thousand images' steps).
  const instruction = createdBy?.trim() ? instructionOf(described ?? describeBuildStep(createdBy)) : undefined;
  return instruction !== undefined && METADATA_INSTRUCTIONS.has(instruction);
}

function collapse(text: string): string {
  // Most steps have single spaces only: testing first spares a copy of each (thousands per listing).
  return (/\s\s|[^\S ]/.test(text) ? text.replace(/\s+/g, ' ') : text).trim();
}
