/**
 * Modules only some runs need, loaded when first used rather than when the bundle starts: each
 * costs every start of the CLI (and of the extension) milliseconds to load, and `ls` of a local
 * engine uses none of them. Types come from `import type`; these give the values.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

/** TLS endpoints (https://, tcp:// with TLS). */
export const httpsModule = (): typeof import('https') => require('https') as typeof import('https');

/** gzip layers and tar-split files. */
export const zlibModule = (): typeof import('zlib') => require('zlib') as typeof import('zlib');

/** getfattr, for opaque folders marked by xattrs. */
export const childProcessModule = (): typeof import('child_process') => require('child_process') as typeof import('child_process');

/** .dive-ci files. */
export const yamlModule = (): typeof import('yaml') => require('yaml') as typeof import('yaml');

/** Dockerfiles. */
export const dockerfileAstModule = (): typeof import('dockerfile-ast') => require('dockerfile-ast') as typeof import('dockerfile-ast');
