/**
 * A stand-in for the `vscode` module, with only its plain parts (events, disposables, l10n), so
 * the thin shell classes that need no more than those (connection/openedArchives.ts) run under
 * plain mocha. Installed when imported: import it before the module under test.
 */
import Module from 'module';
import * as path from 'path';

class EventEmitter<T> {
  private readonly listeners = new Set<(event: T) => void>();
  readonly event = (listener: (event: T) => void) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(event: T): void {
    for (const listener of [...this.listeners]) {
      listener(event);
    }
  }
  dispose(): void {
    this.listeners.clear();
  }
}

class Disposable {
  constructor(private readonly callOnDispose: () => void) {}
  dispose(): void {
    this.callOnDispose();
  }
}

const vscodeStub = {
  EventEmitter,
  Disposable,
  l10n: { t: (message: string, ...args: unknown[]) => message.replace(/\{(\d+)\}/g, (_, at: string) => String(args[Number(at)])) },
};

const STUB_FILE = path.join(__dirname, 'vscode.stub.js');
const loader = Module as unknown as { _resolveFilename(request: string, ...rest: unknown[]): string };
if (!require.cache[STUB_FILE]) {
  const stub = new Module(STUB_FILE);
  stub.filename = STUB_FILE;
  stub.loaded = true;
  stub.exports = vscodeStub;
  require.cache[STUB_FILE] = stub;
  const resolve = loader._resolveFilename.bind(loader);
  loader._resolveFilename = (request: string, ...rest: unknown[]) => (request === 'vscode' ? STUB_FILE : resolve(request, ...rest));
}

/** A memento as the extension host keeps one: get() sees an update at once, the update settles later. */
export class MemoryMemento {
  private readonly values = new Map<string, unknown>();
  keys(): readonly string[] {
    return [...this.values.keys()];
  }
  get<T>(key: string, fallback?: T): T | undefined {
    return this.values.has(key) ? (this.values.get(key) as T) : fallback;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, value);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
