/**
 * What an IMAGE operand names: an image of the daemon (name[:tag], ID), or a saved image archive
 * on disk (`docker save` / `podman save` output, .tar.gz, an OCI layout folder), read with no
 * daemon at all through the same catalog.
 */
import { promises as fs } from 'fs';
import { ArchiveCache } from '../core/archive/archiveCache';
import { ArchiveEngine } from '../core/archive/archiveEngine';
import { ImageArchive } from '../core/archive/imageArchive';
import { ImageCatalog } from '../core/imageCatalog';
import { silentLogger } from '../core/logger';
import { Platform } from '../core/model/platform';
import { ArchiveStore } from '../core/storage/archive/archiveStore';

export interface ImageTarget {
  catalog: ImageCatalog;
  /** A reference the catalog resolves: the operand for the daemon, an image ID in an archive. */
  reference: string;
}

const ARCHIVE_NAME = /\.(tar|tgz|tar\.gz|tar\.zst)$/i;

/** A path, not a reference: an archive's file name, or an existing path that names a folder or file. */
export async function isArchiveOperand(operand: string): Promise<boolean> {
  if (ARCHIVE_NAME.test(operand)) {
    return true;
  }
  if (!/^[./~]/.test(operand) && !operand.includes('/')) {
    return false;
  }
  return fs.stat(operand).then(
    () => true,
    () => false,
  );
}

/**
 * A catalog over a saved archive: its images, layers and files, no daemon; decompressed copies go
 * into the cache, under its limit. With a platform, a multi-platform image shows that one.
 */
export async function archiveCatalog(file: string, cache: ArchiveCache, platform?: Platform): Promise<{ catalog: ImageCatalog; archive: ImageArchive }> {
  const archive = await cache.openSavedArchive(file);
  return { archive, catalog: new ImageCatalog(new ArchiveEngine(archive), silentLogger, { store: new ArchiveStore(archive), ...(platform ? { platform } : {}) }) };
}

/** Each operand's images, in the order given: an archive stands for every image it holds (a multi-platform image is one). */
export async function imageTargets(operands: readonly string[], daemon: () => Promise<ImageCatalog>, archives: () => Promise<ArchiveCache>, platform?: Platform): Promise<ImageTarget[]> {
  const targets: ImageTarget[] = [];
  for (const operand of operands) {
    if (await isArchiveOperand(operand)) {
      const { archive, catalog } = await archiveCatalog(operand, await archives(), platform);
      targets.push(...archive.images.map((image) => ({ catalog, reference: image.id })));
    } else {
      targets.push({ catalog: await daemon(), reference: operand });
    }
  }
  return targets;
}
