import { promises as fs } from 'fs';

/** The few file reads endpoint resolution needs, injectable so unit tests use fixtures. */
export interface HostFiles {
  exists(filePath: string): Promise<boolean>;
  /** The file's text, or undefined when it does not exist. */
  readText(filePath: string): Promise<string | undefined>;
}

export const nodeHostFiles: HostFiles = {
  async exists(filePath) {
    try {
      await fs.stat(filePath);
      return true;
    } catch {
      return false;
    }
  },
  async readText(filePath) {
    try {
      return await fs.readFile(filePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      throw error;
    }
  },
};
