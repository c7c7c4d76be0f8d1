/**
 * Image platforms (`os/architecture[/variant]`) as OCI image indexes name them, and how one is
 * matched against another: containerd's rules, simplified to what picking one of an index needs.
 * Architectures go by their OCI names (x86_64 → amd64, aarch64 → arm64); a missing variant stands
 * for the architecture's default (arm64 → v8, arm → v7, amd64 → v1), so `linux/arm64` picks
 * `linux/arm64/v8`.
 */
import { Limitation } from '../storage/limitation';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** One platform of an image index, as the index names it. */
export interface PlatformChoice {
  platform: Platform;
  /** The platform's manifest digest in the index. */
  manifestDigest: string;
  /** Whether its manifest and config are here (a pull of one platform leaves the others out). */
  present: boolean;
}

/** What a backend knows of an image's platforms. */
export type ImagePlatforms =
  /** An image index: its platforms, attestations left out. */
  | { kind: 'index'; choices: PlatformChoice[] }
  /** One image manifest: one platform. */
  | { kind: 'single' }
  /** The backend cannot tell: only the Engine's default platform can be shown; the limitation says why. */
  | { kind: 'unknown'; limitation: Limitation };

/** The platform a `--platform` value names, or a tree row, asked for and not there. */
export class PlatformNotFoundError extends Error {
  constructor(
    readonly reference: string,
    readonly wanted: Platform,
    /** The platforms the image has here. */
    readonly present: readonly Platform[],
    /** The platforms its index names whose content is not here. */
    readonly absent: readonly Platform[] = [],
    /** Why the other platforms could not be looked for, when they could not. */
    readonly limitation?: Limitation,
  ) {
    const has = present.length > 0 ? present.map(formatPlatform).join(', ') : 'none here';
    const notHere = absent.length > 0 ? `; named in its index but not here: ${absent.map(formatPlatform).join(', ')}` : '';
    super(
      limitation
        ? `${reference}: only its default platform (${has}) can be read here, not ${formatPlatform(wanted)}`
        : `${reference} has no ${formatPlatform(wanted)} here (platforms: ${has}${notHere})`,
    );
    this.name = 'PlatformNotFoundError';
  }
}

/** A name part as registries and containerd write them; anything else is not taken. */
const PART = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/** `os/arch[/variant]`, each part lowercase letters, digits, `.`, `_`, `-`; undefined when it is not one. */
export function parsePlatform(text: string): Platform | undefined {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || !parts.every((part) => PART.test(part))) {
    return undefined;
  }
  const [os, architecture, variant] = parts;
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** A platform from untrusted fields (an index, a config, the Engine): undefined unless os and architecture are plain names. */
export function platformOf(os: unknown, architecture: unknown, variant?: unknown): Platform | undefined {
  if (typeof os !== 'string' || typeof architecture !== 'string' || !PART.test(os) || !PART.test(architecture)) {
    return undefined;
  }
  return typeof variant === 'string' && PART.test(variant) ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

const ARCHITECTURE_ALIASES: Record<string, { architecture: string; variant?: string }> = {
  x86_64: { architecture: 'amd64' },
  'x86-64': { architecture: 'amd64' },
  aarch64: { architecture: 'arm64' },
  armhf: { architecture: 'arm', variant: 'v7' },
  armel: { architecture: 'arm', variant: 'v6' },
  i386: { architecture: '386' },
  i686: { architecture: '386' },
};

const DEFAULT_VARIANTS: Record<string, string> = { arm64: 'v8', arm: 'v7', amd64: 'v1' };

/** The platform in OCI names with its variant spelled out: `linux/aarch64` → `linux/arm64/v8`. */
export function normalizePlatform(platform: Platform): Platform {
  const alias = ARCHITECTURE_ALIASES[platform.architecture];
  const architecture = alias?.architecture ?? platform.architecture;
  let variant = platform.variant ?? alias?.variant;
  if (variant && /^\d+$/.test(variant)) {
    variant = `v${variant}`; // containerd accepts `arm64/8`
  }
  variant ??= DEFAULT_VARIANTS[architecture];
  return variant ? { os: platform.os, architecture, variant } : { os: platform.os, architecture };
}

/** The same platform once both are normalized: `linux/arm64` is `linux/arm64/v8`, `linux/amd64/v1` is `linux/amd64`. */
export function samePlatform(a: Platform, b: Platform): boolean {
  const [x, y] = [normalizePlatform(a), normalizePlatform(b)];
  return x.os === y.os && x.architecture === y.architecture && x.variant === y.variant;
}

/**
 * The choice a wanted platform picks: the same platform (variants defaulted), else, when the
 * wanted one names no variant, the only choice of its os and architecture (`linux/arm` → the one
 * `linux/arm/v6`). Present choices win over absent ones.
 */
export function matchPlatform<T extends { platform: Platform; present?: boolean }>(wanted: Platform, choices: readonly T[]): T | undefined {
  const ordered = [...choices].sort((a, b) => Number(b.present !== false) - Number(a.present !== false));
  const exact = ordered.find((choice) => samePlatform(wanted, choice.platform));
  if (exact || wanted.variant) {
    return exact;
  }
  const target = normalizePlatform(wanted);
  const sameArchitecture = ordered.filter((choice) => {
    const candidate = normalizePlatform(choice.platform);
    return candidate.os === target.os && candidate.architecture === target.architecture;
  });
  const distinct = new Set(sameArchitecture.map((choice) => formatPlatform(normalizePlatform(choice.platform))));
  return distinct.size === 1 ? sameArchitecture[0] : undefined;
}

/** Node's process.arch in OCI names. */
const NODE_ARCHITECTURES: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };

/**
 * This machine's platform for Linux containers, as a daemon on it picks one of an index by
 * default. Only used where the daemon's storage is read on its own machine.
 */
export function hostPlatform(): Platform {
  const architecture = NODE_ARCHITECTURES[process.arch] ?? process.arch;
  const armVersion = (process.config.variables as { arm_version?: unknown }).arm_version;
  return architecture === 'arm' && typeof armVersion === 'string' && /^\d+$/.test(armVersion) ? { os: 'linux', architecture, variant: `v${armVersion}` } : { os: 'linux', architecture };
}
