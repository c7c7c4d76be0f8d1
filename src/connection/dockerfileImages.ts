/**
 * Which image each Dockerfile was built into, and which history step each of its instructions
 * made: the link the user chose (Link Dockerfile to Image…, remembered per workspace), else the
 * newest local image whose history matches (findImageForDockerfile). Results are cached per
 * document version and dropped when images change (the Engine's events) or a link changes; the
 * chain IDs that filter candidates by the FROM image are kept per image ID (an ID names fixed
 * layers) until the connection changes.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { DockerfileInstruction, buildTargets, parseDockerfile } from '../core/dockerfile/dockerfileStages';
import { DockerfileMatch } from '../core/dockerfile/historyMatch';
import { CANDIDATE_IMAGES, FILTERED_IMAGES, bestTarget, findImageForDockerfile, matchQuality, matchRank } from '../core/dockerfile/imageForDockerfile';
import { withProvenance } from '../core/dockerfile/provenance';
import { Debouncer } from '../core/debouncer';
import type { ImageInspect } from '../core/engine/engineTypes';
import { changesImages } from '../core/engine/relevantEvents';
import { Logger } from '../core/logger';
import { chainIdsOf } from '../core/model/chainIds';
import { ImageLayers } from '../core/model/imageLayers';
import { EngineConnection } from './engineConnection';
import { EngineEvents } from './engineEvents';

const LINKS_KEY = 'dockerLayers.dockerfileLinks';
const EVENTS_SETTLE_MS = 500;


export interface DockerfileLink {
  imageId: string;
  /** The tag or short ID the user picked, for the lens text. */
  name: string;
}

export interface DockerfileImage {
  image: ImageLayers;
  /** How the image was chosen. */
  linked: boolean;
  match: DockerfileMatch;
  quality: 'complete' | 'partial' | 'none';
  /** The FROM line of the stage the image was built from. */
  fromLine: number;
  instructions: DockerfileInstruction[];
  /** The match was corrected by the image's BuildKit provenance (exact lines). */
  provenance: boolean;
}

/** A Dockerfile's image, or none found: then whether only the newest images were looked at. */
export type DockerfileSearch =
  | { found: DockerfileImage }
  /** `newestSearched`: only that many of the newest images were looked at (the others would cost a request each). */
  | { found: undefined; newestSearched?: number };

export class DockerfileImages implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when any answer may have changed (images, links, the connection). */
  readonly onDidChange = this.changed.event;
  private readonly cache = new Map<string, { version: number; result: Promise<DockerfileSearch> }>();
  /** Each image's chain IDs, by image ID: what filters candidates by the FROM image, one inspect each. */
  private readonly chainIds = new Map<string, Promise<readonly string[]>>();
  private readonly disposables: vscode.Disposable[];
  private subscription: vscode.Disposable | undefined;
  private readonly settle = new Debouncer(EVENTS_SETTLE_MS, () => this.invalidate());

  constructor(
    private readonly connection: EngineConnection,
    private readonly events: EngineEvents,
    private readonly state: vscode.Memento,
    private readonly log: Logger,
  ) {
    this.disposables = [
      this.changed,
      connection.onDidChange(() => {
        this.chainIds.clear();
        this.invalidate();
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        this.cache.delete(document.uri.toString());
        this.stopFollowingWhenNoneOpen();
      }),
    ];
  }

  link(uri: vscode.Uri): DockerfileLink | undefined {
    return this.links()[uri.toString()];
  }

  async setLink(uri: vscode.Uri, link: DockerfileLink | undefined): Promise<void> {
    const links = { ...this.links() };
    if (link) {
      links[uri.toString()] = link;
    } else {
      delete links[uri.toString()];
    }
    await this.state.update(LINKS_KEY, links);
    this.invalidate();
  }

  /** The image of a Dockerfile and the match of its instructions, or undefined when none is found. */
  async imageOf(document: vscode.TextDocument): Promise<DockerfileImage | undefined> {
    return (await this.search(document)).found;
  }

  /** The image of a Dockerfile, or none found and how far the search went. */
  search(document: vscode.TextDocument): Promise<DockerfileSearch> {
    this.followEvents();
    const key = document.uri.toString();
    const cached = this.cache.get(key);
    if (cached && cached.version === document.version) {
      return cached.result;
    }
    const result = this.resolve(document.uri, document.getText()).catch((error: Error): DockerfileSearch => {
      this.log.warn(`cannot match ${document.uri.fsPath} with an image: ${error.message}`);
      return { found: undefined };
    });
    this.cache.set(key, { version: document.version, result });
    return result;
  }

  private async resolve(uri: vscode.Uri, text: string): Promise<DockerfileSearch> {
    const chains = buildTargets(parseDockerfile(text));
    if (chains.length === 0) {
      return { found: undefined };
    }
    const { catalog } = await this.connection.get();
    const link = this.link(uri);
    if (link) {
      const image = await catalog.imageLayers(link.imageId);
      const best = bestTarget(chains, image.steps)!;
      return { found: await this.withLines(uri, { image, linked: true, match: best.match, quality: matchQuality(best.match), fromLine: best.chain.stage.fromLine, instructions: best.chain.instructions, provenance: false }) };
    }
    // The catalog lists images newest first.
    const newestFirst = (await catalog.listImages()).map((image) => image.id);
    const listed = new Set(newestFirst);
    for (const id of this.chainIds.keys()) {
      if (!listed.has(id)) {
        this.chainIds.delete(id); // Deleted images: their chain IDs are not needed again.
      }
    }
    const chainIds = (id: string) => this.chainIdsOf(id, (reference) => catalog.engine.inspectImage(reference));
    let best: DockerfileImage | undefined;
    let newestSearched: number | undefined;
    // The last stage first (a plain `docker build`); then each named stage, as `--target` builds it.
    for (const chain of chains) {
      // The FROM image, when it is local: a candidate must be built on it, and every image is looked at.
      // Not local (or `scratch`): no check, and only the newest images are read.
      const base = chain.base && chain.base !== 'scratch' ? await catalog.imageLayers(chain.base).catch(() => undefined) : undefined;
      const search = await findImageForDockerfile(chain.instructions, newestFirst, (id) => catalog.imageLayers(id), { base, chainIds });
      if (search.skipped > 0) {
        newestSearched = Math.max(newestSearched ?? 0, base ? FILTERED_IMAGES : CANDIDATE_IMAGES);
      }
      const found = search.found;
      if (found && (!best || matchRank(found.match) > matchRank(best.match))) {
        best = { ...found, linked: false, quality: matchQuality(found.match), fromLine: chain.stage.fromLine, instructions: chain.instructions, provenance: false };
      }
      if (best?.quality === 'complete') {
        break;
      }
    }
    if (!best) {
      return { found: undefined, ...(newestSearched !== undefined ? { newestSearched } : {}) };
    }
    return { found: await this.withLines(uri, best) };
  }

  /** An image's chain IDs from its inspect (no history: much cheaper than its layers), kept per image ID. */
  private chainIdsOf(id: string, inspect: (id: string) => Promise<ImageInspect>): Promise<readonly string[]> {
    let known = this.chainIds.get(id);
    if (!known) {
      const loading = inspect(id).then((found) => chainIdsOf(found.RootFS?.Layers ?? []));
      loading.catch(() => this.chainIds.delete(id));
      this.chainIds.set(id, loading);
      known = loading;
    }
    return known;
  }

  /** The match corrected by the image's provenance, when it has one for a file of this name. */
  private async withLines(uri: vscode.Uri, found: DockerfileImage): Promise<DockerfileImage> {
    const { catalog } = await this.connection.get();
    const lines = await catalog.provenance(found.image.image.id).catch((error: Error) => {
      this.log.warn(`cannot read the provenance of ${found.image.image.id}: ${error.message}`);
      return undefined;
    });
    if (!lines || path.posix.basename(lines.filename) !== path.basename(uri.path)) {
      return found;
    }
    const match = withProvenance(found.match, lines, found.image.steps);
    return { ...found, match, quality: matchQuality(match), provenance: true };
  }

  private links(): Record<string, DockerfileLink> {
    return this.state.get<Record<string, DockerfileLink>>(LINKS_KEY, {});
  }

  /**
   * Follows image events while a Dockerfile has been asked about and is open: a build or a deletion
   * can change every answer. A burst of events (a build tags, untags, deletes) settles first.
   */
  private followEvents(): void {
    this.subscription ??= this.events.subscribe((notice) => {
      if (notice.kind !== 'event' || changesImages(notice.event)) {
        this.settle.schedule();
      }
    });
  }

  private stopFollowingWhenNoneOpen(): void {
    if (this.cache.size === 0 && this.subscription) {
      this.subscription.dispose();
      this.subscription = undefined;
      this.settle.cancel();
    }
  }

  private invalidate(): void {
    this.cache.clear();
    this.changed.fire();
  }

  dispose(): void {
    this.settle.cancel();
    this.subscription?.dispose();
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }
}
