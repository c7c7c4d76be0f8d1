/** What Compare Images… found, handed from the command to the view that shows it. */
import { ImageComparison } from '../core/analysis/imageComparison';
import { ImageRef } from './commandTargets';

export interface ComparedSide {
  image: ImageRef;
  /** The top layer's index: the merged file system compared is as of it. */
  top: number;
  /** dive's size: Σ of the layers' tar entry sizes. */
  sizeBytes: number;
}

export interface ImagesCompared {
  from: ComparedSide;
  to: ComparedSide;
  comparison: ImageComparison;
}
