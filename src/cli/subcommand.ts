/** What one `docker-layers` subcommand declares: its options (for node:util parseArgs) and how it runs. */
import { ArchiveCache } from '../core/archive/archiveCache';
import { ImageCatalog } from '../core/imageCatalog';
import { Platform } from '../core/model/platform';

/** Bad usage: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** For the usage text: `--host H` names its value H. */
  valueName?: string;
  description: string;
}

/** --platform, on the subcommands that read an image's layers. */
export const PLATFORM_OPTION: OptionSpec = {
  type: 'string',
  valueName: 'P',
  description: 'the platform of a multi-platform image to read: os/arch[/variant] (linux/amd64, linux/arm64/v8);\n' + 'an image that does not have it here is an error naming the platforms it has',
};

export interface Invocation {
  /** The positionals after the subcommand's name. */
  operands: string[];
  options: Record<string, string | boolean | undefined>;
  /** The catalog over the endpoint the global options and the environment name; connects on first use. */
  catalog: () => Promise<ImageCatalog>;
  /** --platform, checked: the platform of every image to read (catalog() and archive catalogs pick it). */
  platform?: Platform;
  /** Where archives go: $XDG_CACHE_HOME/docker-layer-explorer, or a folder removed at exit with --no-cache. */
  archives: () => Promise<ArchiveCache>;
  stdout: (text: string) => void;
  /** A warning on stderr (`docker-layers: warning: …`): something left out, the run goes on. */
  warn: (message: string) => void;
  /** The terminal's width, or undefined when stdout is no terminal (piped output is never cut). */
  columns: number | undefined;
}

export interface Subcommand {
  name: string;
  /** `[IMAGE...]`: what follows the name in the usage line. */
  operands: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** The exit code: 0 done, 1 the Engine or an image could not be reached. */
  run(invocation: Invocation): Promise<number>;
  /** The exit code when it could not run (default 1); 2 where 1 means a rule failed (analyze, LayerX's convention). */
  errorExitCode?: number;
}
