/** What one `docker-layers` subcommand declares: its options (for node:util parseArgs) and how it runs. */
import { ImageCatalog } from '../core/imageCatalog';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** For the usage text: `--host H` names its value H. */
  valueName?: string;
  description: string;
}

export interface Invocation {
  /** The positionals after the subcommand's name. */
  operands: string[];
  options: Record<string, string | boolean | undefined>;
  /** The catalog over the endpoint the global options and the environment name; connects on first use. */
  catalog: () => Promise<ImageCatalog>;
  stdout: (text: string) => void;
}

export interface Subcommand {
  name: string;
  /** `[IMAGE...]`: what follows the name in the usage line. */
  operands: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** The exit code: 0 done, 1 the Engine or an image could not be reached. */
  run(invocation: Invocation): Promise<number>;
}
