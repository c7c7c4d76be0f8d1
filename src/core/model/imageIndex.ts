/**
 * An image index (OCI `application/vnd.oci.image.index.v1+json`, or Docker's manifest list): the
 * image manifest of each platform. Read from containerd's content store and from saved archives,
 * both untrusted: every entry is checked, the rest is left out.
 */
import { isFullDigest } from '../digest';
import { Platform, platformOf } from './platform';

/** One platform's image manifest, as the index names it. */
export interface IndexManifest {
  platform: Platform;
  /** The manifest's digest, `sha256:<hex>`. */
  digest: string;
}

/** BuildKit puts its attestations (provenance, SBOM) in the index as manifests of platform unknown/unknown. */
export const ATTESTATION_REFERENCE_TYPE = 'attestation-manifest';

interface Descriptor {
  digest?: unknown;
  platform?: { os?: unknown; architecture?: unknown; variant?: unknown };
  annotations?: Record<string, unknown>;
}

/** Whether a descriptor of an index is an attestation manifest, not a platform's image. */
export function isAttestationDescriptor(descriptor: unknown): boolean {
  const { annotations, platform } = (descriptor ?? {}) as Descriptor;
  return annotations?.['vnd.docker.reference.type'] === ATTESTATION_REFERENCE_TYPE || (platform?.os === 'unknown' && platform.architecture === 'unknown');
}

/**
 * The platforms' manifests of an image index, in its order; undefined when the JSON is no index
 * (an image manifest, which has a config instead). Attestations and entries without a sha256
 * digest or a platform of plain names are left out; a manifest named twice counts once.
 */
export function platformManifests(json: unknown): IndexManifest[] | undefined {
  const manifests = (json as { manifests?: unknown } | undefined)?.manifests;
  if (typeof json !== 'object' || json === null || !Array.isArray(manifests) || 'config' in json) {
    return undefined;
  }
  const found: IndexManifest[] = [];
  for (const raw of manifests) {
    if (typeof raw !== 'object' || raw === null || isAttestationDescriptor(raw)) {
      continue;
    }
    const descriptor = raw as Descriptor;
    const platform = platformOf(descriptor.platform?.os, descriptor.platform?.architecture, descriptor.platform?.variant);
    if (!platform || typeof descriptor.digest !== 'string' || !isFullDigest(descriptor.digest) || found.some((each) => each.digest === descriptor.digest)) {
      continue;
    }
    found.push({ platform, digest: descriptor.digest });
  }
  return found;
}
