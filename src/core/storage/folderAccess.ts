/**
 * Whether a layer folder can be opened from this process, and if not, the plain reason. Only reads
 * (access/stat); never changes permissions or anything else under the data root.
 */
import { constants, promises as fs } from 'fs';
import * as os from 'os';
import { StorageProfile } from './storageProfile';

export type FolderAccess =
  | { ok: true }
  | { ok: false; reason: 'elsewhere' | 'missing' | 'unreadable'; message: string };

export async function checkFolderAccess(folder: string, storage: StorageProfile): Promise<FolderAccess> {
  if (storage.limitation) {
    return { ok: false, reason: 'elsewhere', message: `${storage.limitation} (${folder})` };
  }
  try {
    await fs.access(folder, constants.R_OK | constants.X_OK);
    return { ok: true };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return { ok: false, reason: 'missing', message: `The folder ${folder} does not exist: the layer may have been deleted since the view loaded.` };
    }
    if (code === 'EACCES' || code === 'EPERM') {
      return { ok: false, reason: 'unreadable', message: unreadableMessage(folder, storage) };
    }
    return { ok: false, reason: 'unreadable', message: `Cannot open ${folder}: ${(error as Error).message}` };
  }
}

function unreadableMessage(folder: string, storage: StorageProfile): string {
  const user = currentUser();
  const root = storage.dataRoot ? `Docker's data root ${storage.dataRoot}` : "Docker's data root";
  return (
    `${folder} is not readable by user ${user}: ${root} belongs to root (normally mode 0710, image/ 0700), ` +
    'so members of the docker group cannot read layer folders. Nothing was changed. ' +
    `Use the copied path with sudo (sudo ls -la ${folder}), run as root, or use rootless Docker.`
  );
}

function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}
