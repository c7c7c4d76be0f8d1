/** Errors that already say what went wrong and where, in one line: printed without a stack. */
import { DiveRuleError } from '../core/analysis/diveRules';
import { ArchiveFormatError } from '../core/archive/imageArchive';
import { TarFormatError } from '../core/archive/tarIndex';
import { isKnownEngineError } from '../core/engine/engineErrors';
import { LayerFsError } from '../core/layerfs/layerFileSystem';
import { PlatformNotFoundError } from '../core/model/platform';
import { BoltFormatError } from '../core/storage/containerd/boltReader';
import { SnapshotMetadataError } from '../core/storage/containerd/snapshotFolders';
import { OpaqueMarksUnreadableError } from '../core/storage/opaqueXattrs';
import { LayerUnavailableError } from '../core/storage/openLocation';
import { limitationText } from './limitationText';

export function knownErrorMessage(error: unknown): string | undefined {
  if (error instanceof LayerUnavailableError) {
    return limitationText(error.limitation);
  }
  if (error instanceof PlatformNotFoundError) {
    return error.limitation ? `${error.message}. ${limitationText(error.limitation)}` : error.message;
  }
  if (
    isKnownEngineError(error) ||
    error instanceof ArchiveFormatError ||
    error instanceof TarFormatError ||
    error instanceof LayerFsError ||
    error instanceof DiveRuleError ||
    error instanceof BoltFormatError ||
    error instanceof SnapshotMetadataError ||
    error instanceof OpaqueMarksUnreadableError
  ) {
    return error.message;
  }
  // The system's own errors (a cache folder this user cannot write, a full disk) name the call and the path.
  const system = error as NodeJS.ErrnoException;
  if (error instanceof Error && typeof system.code === 'string' && /^E[A-Z]+$/.test(system.code) && typeof system.syscall === 'string') {
    return system.message;
  }
  return undefined;
}
