/**
 * Why layer folders cannot be shown, as codes with their facts: the extension words them through
 * vscode.l10n, the CLI in English (src/cli/limitationText.ts). The core writes no sentences.
 */
export type Limitation =
  /** Docker's containerd image store: layers are containerd snapshots; the Engine API gives no paths. */
  | { code: 'containerdSnapshots' }
  /** The containerd store, whose metadata (which names the snapshot folders) this user cannot read. */
  | { code: 'containerdMetadataUnreadable'; file: string }
  /** vfs, btrfs, zfs, devicemapper …: no per-layer diff folder to map. */
  | { code: 'noDiffFolders'; driver: string }
  /** The daemon is on another machine: its paths are there, not here. */
  | { code: 'remoteHost'; host: string }
  /** Docker Desktop keeps its data inside its virtual machine. */
  | { code: 'desktopVm' }
  /** The Engine did not report a folder for every layer of the image. */
  | { code: 'notReported' }
  /** The Engine reported a layer folder outside its storage driver's folder: not shown, never read. */
  | { code: 'outsideDriverFolder'; reported: string; driverFolder: string }
  /**
   * The containerd store: an image's other platforms are listed only in containerd's content store
   * (the Engine, API < 1.48, shows its default one), which this user cannot read (`contentStore`)
   * or which is on another machine (`host`).
   */
  | { code: 'platformsUnlisted'; contentStore?: string; host?: string }
  /** A platform of a multi-platform image whose layers containerd has not unpacked here: no snapshot folders. */
  | { code: 'platformNotUnpacked'; platform: string };

export type LimitationCode = Limitation['code'];
