/** A layer read from a tar the test writes: what an image archive's layer is, from tar specs. */
import * as fs from 'fs';
import * as path from 'path';
import { ArchiveLayerFileSystem } from '../../../src/core/archive/archiveLayerFileSystem';
import { LayerIndex } from '../../../src/core/archive/layerIndex';
import { indexTarFile } from '../../../src/core/archive/tarFile';
import { TarSpec, tarOf } from './tarBuilder';

/** Writes the tar into `folder` (a new file each call) and indexes it. */
export async function tarLayer(folder: string, specs: TarSpec[]): Promise<ArchiveLayerFileSystem> {
  const file = path.join(folder, `${Math.random().toString(16).slice(2)}.tar`);
  fs.writeFileSync(file, tarOf(specs));
  const index = new LayerIndex();
  await indexTarFile(file, { offset: 0 }, (entry) => index.add(entry));
  return new ArchiveLayerFileSystem(index, { path: file, offset: 0 });
}
