/** Where local engines listen: the docker CLI's fallback sockets, and what Switch Engine… offers. */
import { promises as fs } from 'fs';
import * as path from 'path';

export const ROOTFUL_SOCKET = '/var/run/docker.sock';

/** Sockets a local Docker (or Podman) usually listens on, most common first. */
export function defaultSocketCandidates(env: NodeJS.ProcessEnv, homeDir: string): string[] {
  const candidates = [ROOTFUL_SOCKET];
  if (env.XDG_RUNTIME_DIR) {
    candidates.push(path.join(env.XDG_RUNTIME_DIR, 'docker.sock'));
  }
  candidates.push(
    path.join(homeDir, '.docker', 'run', 'docker.sock'),
    path.join(homeDir, '.docker', 'desktop', 'docker.sock'),
  );
  if (env.XDG_RUNTIME_DIR) {
    candidates.push(path.join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock'));
  }
  candidates.push('/run/podman/podman.sock');
  return candidates;
}

/**
 * The sockets of Docker and Podman on this machine that exist now: the ones the docker CLI's
 * fallback tries (rootful, rootless, Docker Desktop's), then Podman's (rootful, rootless, and a
 * Podman machine's API socket), each once.
 */
export async function localEngineSockets(env: NodeJS.ProcessEnv, homeDir: string): Promise<string[]> {
  const candidates = [
    ...defaultSocketCandidates(env, homeDir),
    path.join(homeDir, '.local', 'share', 'containers', 'podman', 'machine', 'podman.sock'),
    path.join(homeDir, '.local', 'share', 'containers', 'podman', 'machine', 'qemu', 'podman.sock'),
  ];
  const present: string[] = [];
  for (const socket of new Set(candidates)) {
    if ((await fs.stat(socket).catch(() => undefined))?.isSocket()) {
      present.push(socket);
    }
  }
  return present;
}
