/**
 * Whether a layer folder can be opened from this process, and if not, the plain reason. Only reads
 * (access/stat); never changes permissions or anything else under the data root.
 */
import { constants, promises as fs } from 'fs';
import * as os from 'os';
import { Limitation } from './limitation';
import { StorageProfile } from './storageProfile';

export type FolderAccess =
  | { ok: true }
  /** The folder is on another machine (or in a VM): the front end words the limitation. */
  | { ok: false; reason: 'elsewhere'; limitation: Limitation }
  | { ok: false; reason: 'missing' | 'unreadable'; message: string };

export async function checkFolderAccess(folder: string, storage: StorageProfile): Promise<FolderAccess> {
  // The containerd store on this machine: its folders come from containerd's metadata, and are real.
  const localContainerd = storage.kind === 'containerd-snapshotter' && storage.location === 'local';
  if (storage.limitation && !localContainerd) {
    return { ok: false, reason: 'elsewhere', limitation: storage.limitation };
  }
  try {
    await fs.access(folder, constants.R_OK | constants.X_OK);
    return { ok: true };
  } catch (error) {
    return { ok: false, ...explainAccessError(error as NodeJS.ErrnoException, folder, storage) };
  }
}

/** Why a folder under the data root could not be read, in words for the user. */
export function explainAccessError(error: NodeJS.ErrnoException, folder: string, storage: StorageProfile): { reason: 'missing' | 'unreadable'; message: string } {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR') {
    return { reason: 'missing', message: explainFolderProblem('missing', folder, storage) };
  }
  if (error.code === 'EACCES' || error.code === 'EPERM') {
    return { reason: 'unreadable', message: explainFolderProblem('unreadable', folder, storage) };
  }
  return { reason: 'unreadable', message: `Cannot open ${folder}: ${error.message}` };
}

export function explainFolderProblem(problem: 'missing' | 'unreadable', folder: string, storage: StorageProfile): string {
  return problem === 'missing'
    ? `The folder ${folder} does not exist: the layer may have been deleted since the view loaded.`
    : unreadableMessage(folder, storage);
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
