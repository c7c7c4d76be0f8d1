/** What core modules log through; the extension passes a LogOutputChannel, the CLI a stderr writer. */
export interface Logger {
  trace(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = {
  trace() {},
  info() {},
  warn() {},
  error() {},
};

/** Prefixes every line with a component tag: `[engine] GET /images/json 12 ms`. */
export function taggedLogger(logger: Logger, tag: string): Logger {
  return {
    trace: (message) => logger.trace(`[${tag}] ${message}`),
    info: (message) => logger.info(`[${tag}] ${message}`),
    warn: (message) => logger.warn(`[${tag}] ${message}`),
    error: (message) => logger.error(`[${tag}] ${message}`),
  };
}
