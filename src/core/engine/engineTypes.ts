/** The parts of Engine API responses this extension reads (field names as the API spells them). */

export interface EngineInfo {
  ID?: string;
  Name?: string;
  ServerVersion?: string;
  Driver?: string;
  DriverStatus?: [string, string][] | null;
  DockerRootDir?: string;
  OperatingSystem?: string;
  OSType?: string;
  SecurityOptions?: string[] | null;
  /** Podman's compatible API: it says rootless here, not in SecurityOptions. */
  Rootless?: boolean;
  Images?: number;
  Containers?: number;
  /** API 1.46+: the containerd the daemon uses, when it uses one (null otherwise). */
  Containerd?: { Address?: string; Namespaces?: { Containers?: string; Plugins?: string } } | null;
}

export interface EngineVersion {
  Version?: string;
  ApiVersion?: string;
  MinAPIVersion?: string;
  Os?: string;
  Arch?: string;
  Components?: { Name: string; Version: string }[];
}

/** GET /images/json */
export interface ImageListEntry {
  Id: string;
  ParentId?: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created: number;
  Size: number;
  Containers?: number;
  Labels?: Record<string, string> | null;
}

export interface GraphDriverData {
  Name?: string;
  Data?: Record<string, string> | null;
}

/** GET /images/{name}/json */
export interface ImageInspect {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Parent?: string;
  Comment?: string;
  Created?: string;
  Author?: string;
  Architecture?: string;
  Variant?: string;
  Os?: string;
  Size?: number;
  GraphDriver?: GraphDriverData | null;
  RootFS?: { Type: string; Layers?: string[] | null };
  Config?: { Labels?: Record<string, string> | null; Cmd?: string[] | null; Entrypoint?: string[] | null } | null;
}

/** One entry of GET /images/{name}/history (newest first). */
export interface ImageHistoryEntry {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags?: string[] | null;
  Size: number;
  Comment: string;
}

/** One entry of the `history` array of an image config (oldest first). */
export interface ImageConfigHistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The image config blob (imagedb content, or `docker save`'s config). */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  history?: ImageConfigHistoryEntry[];
  rootfs?: { type: string; diff_ids?: string[] };
}

/** GET /containers/json?all=1 */
export interface ContainerListEntry {
  Id: string;
  Names?: string[];
  Image: string;
  ImageID: string;
  Command?: string;
  Created: number;
  State?: string;
  Status?: string;
  SizeRw?: number;
}

/** GET /containers/{id}/json */
export interface ContainerInspect {
  Id: string;
  Name: string;
  Image: string;
  Created?: string;
  State?: { Status?: string; Running?: boolean };
  Config?: { Image?: string };
  GraphDriver?: GraphDriverData | null;
  SizeRw?: number;
}

/** One message of GET /events; newer APIs drop the legacy status/id/from fields. */
export interface EngineEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  status?: string;
  id?: string;
  from?: string;
  time?: number;
  timeNano?: number;
}
