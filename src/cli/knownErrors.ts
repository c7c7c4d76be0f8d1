/** Errors that already say what went wrong and where, in one line: printed without a stack. */
import { DiveRuleError } from '../core/analysis/diveRules';
import { ArchiveFormatError } from '../core/archive/imageArchive';
import { TarFormatError } from '../core/archive/tarIndex';
import { isKnownEngineError } from '../core/engine/engineErrors';
import { LayerFsError } from '../core/layerfs/layerFileSystem';
import { LayerUnavailableError } from '../core/storage/openLocation';
import { limitationText } from './limitationText';

export function knownErrorMessage(error: unknown): string | undefined {
  if (error instanceof LayerUnavailableError) {
    return limitationText(error.limitation);
  }
  if (isKnownEngineError(error) || error instanceof ArchiveFormatError || error instanceof TarFormatError || error instanceof LayerFsError || error instanceof DiveRuleError) {
    return error.message;
  }
  return undefined;
}
