/**
 * The ssh:// host's key, checked against the user's known_hosts as `ssh -o StrictHostKeyChecking=yes`
 * checks it: a key known for the host is taken; a changed, revoked or unknown one is refused with
 * one line that says what to do. The docker CLI's `ssh` would ask about an unknown host; nothing
 * here can ask, so the line names the command that adds the key. The files are read at every login,
 * so a key added after a refusal is taken at the next attempt.
 *
 * ~/.ssh/config is not read (docker-modem's ssh2 connection does not read it either): no
 * UserKnownHostsFile, HostKeyAlias or CheckHostIP; the name looked up is the host as DOCKER_HOST or
 * the context writes it. Host certificates (@cert-authority) are not supported.
 */
import * as os from 'os';
import * as path from 'path';
import type { ServerHostKeyAlgorithm } from 'ssh2';
import type { EngineEndpoint } from './engineEndpoint';
import { EngineUnreachableError } from './engineErrors';
import { HostKeyVerdict, KnownHosts, defaultKnownHostsFiles, fingerprintOf, hostKeyVerdict, keyTypeOf, knownHostsName, knownKeyTypes, readKnownHosts } from './knownHosts';

export interface SshTarget {
  /** As in the URL: an IPv6 address in brackets. */
  host: string;
  port: number;
  username?: string;
}

/** ssh2's `hostVerifier` in its callback form: `key` is the host's key in wire format (no `hostHash`). */
export type HostVerifier = (key: Buffer, verify: (accepted: boolean) => void) => void;

export interface KnownHostsFiles {
  /** The user's file first: the one the hints name. Default: defaultKnownHostsFiles(). */
  files?: readonly string[];
  /** For `~` in messages. Default: os.homedir(). */
  home?: string;
}

/** Why each verifier last refused a key; ssh2 itself only says "Host denied (verification failed)". */
const refusals = new WeakMap<HostVerifier, EngineUnreachableError>();

/** The hostVerifier for ssh2 that takes only a key known_hosts lists for the target. */
export function knownHostsVerifier(endpoint: EngineEndpoint, target: SshTarget, where: KnownHostsFiles = {}): HostVerifier {
  const files = where.files ?? defaultKnownHostsFiles();
  const home = where.home ?? os.homedir();
  const verifier: HostVerifier = (key, verify) => {
    void readKnownHosts(files)
      .then(
        (known) => hostKeyRefusalFor(endpoint, target, key, known, { files, home }),
        (error: Error) => new EngineUnreachableError(endpoint, 'SSH_HOST_KEY_UNKNOWN', `SSH: the known hosts files cannot be read (${error.message}), so the host key cannot be checked`),
      )
      .then((refusal) => {
        if (refusal) {
          refusals.set(verifier, refusal);
        }
        verify(!refusal);
      });
  };
  return verifier;
}

/**
 * The refusal behind a failed SSH login, when `hostVerifier` (the login's option) refused the key:
 * ssh2's error for it names neither the host nor the reason.
 */
export function hostKeyRefusal(hostVerifier: unknown, error: unknown): EngineUnreachableError | undefined {
  if (typeof hostVerifier !== 'function' || !(error instanceof Error) || error.message !== 'Host denied (verification failed)') {
    return undefined;
  }
  return refusals.get(hostVerifier as HostVerifier);
}

/** The error that refuses `key` for the target, or undefined when known_hosts lists it for it. */
export function hostKeyRefusalFor(endpoint: EngineEndpoint, target: SshTarget, key: Buffer, known: KnownHosts, where: Required<KnownHostsFiles>): EngineUnreachableError | undefined {
  const verdict = hostKeyVerdict(known.entries, knownHostsName(target.host, target.port), key);
  if (verdict.kind === 'known') {
    return undefined;
  }
  const code = verdict.kind === 'revoked' ? 'SSH_HOST_KEY_REVOKED' : verdict.kind === 'unknown' ? 'SSH_HOST_KEY_UNKNOWN' : 'SSH_HOST_KEY_CHANGED';
  return new EngineUnreachableError(endpoint, code, refusalDetail(verdict, target, key, known, where));
}

function refusalDetail(verdict: Exclude<HostKeyVerdict, { kind: 'known' }>, target: SshTarget, key: Buffer, known: KnownHosts, { files, home }: Required<KnownHostsFiles>): string {
  const name = knownHostsName(target.host, target.port);
  const host = target.host.replace(/^\[(.*)\]$/, '$1');
  const port = target.port === 22 ? '' : ` -p ${target.port}`;
  const userFile = shown(files[0] ?? path.join(home, '.ssh', 'known_hosts'), home);
  const presented = `${keyTypeOf(key) ?? 'unknown type'} ${fingerprintOf(key)}`;
  const at = (entry: { file: string; line: number }) => `${shown(entry.file, home)}:${entry.line}`;
  const keyscan = `\`ssh-keyscan${port} ${shellWord(host)} >> ${userFile}\``;
  switch (verdict.kind) {
    case 'revoked':
      return `SSH: the host key for ${name} (${presented}) is marked @revoked in ${at(verdict.entry)}: refused`;
    case 'changed': {
      const [first] = verdict.known;
      const file = shown(first.file, home) === userFile ? '' : ` -f ${shellWord(first.file)}`;
      return (
        `SSH: the host key for ${name} (${presented}) does not match the one in ${at(first)}: possible man-in-the-middle attack, refused; ` +
        `if the host's key was changed on purpose, remove the old one with \`ssh-keygen${file} -R ${shellWord(name)}\` and add the new one`
      );
    }
    case 'other type': {
      const types = [...new Set(verdict.known.map((entry) => entry.keyType))].join(', ');
      return (
        `SSH: the host key for ${name} (${presented}) does not match ${at(verdict.known[0])}, which has only ${types} for it: possible man-in-the-middle attack, refused; ` +
        `if the host has a new key of this type, check its fingerprint and add it with ${keyscan}`
      );
    }
    case 'unknown': {
      const notes = [
        ...(verdict.certAuthorities.length > 0 ? [`@cert-authority lines (${verdict.certAuthorities.map(at).join(', ')}) are not supported`] : []),
        ...known.unread.map(({ file, reason }) => `${shown(file, home)} not read: ${reason}`),
      ];
      return (
        `SSH: the host key for ${name} (${presented}) is not in ${userFile}: check the fingerprint and add it with ${keyscan}, ` +
        `or connect once with \`ssh${port} ${shellWord(`${target.username ? `${target.username}@` : ''}${host}`)}\`` +
        (notes.length > 0 ? ` (${notes.join('; ')})` : '')
      );
    }
  }
}

/** The file with the home folder as `~`, as the user would type it. */
function shown(file: string, home: string): string {
  const relative = path.relative(home, file);
  return home && relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? `~${path.sep}${relative}` : file;
}

/** A word to paste into a POSIX shell: quoted unless plainly safe. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9@%+=:,./_~-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The host key algorithms of each key type, in ssh2's order of preference (DEFAULT_SERVER_HOST_KEY), which is also OpenSSH's. */
const HOST_KEY_ALGORITHMS_BY_TYPE: Record<string, readonly ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * The host key algorithms to ask for first: those of the keys known for the target (as ssh orders
 * them), so that a host with several keys shows the one the user has, not the one ssh2 likes best.
 * Read once, when the connection is set up; the check itself reads the files again at each login.
 */
export async function preferredHostKeyAlgorithms(target: SshTarget, where: KnownHostsFiles = {}): Promise<ServerHostKeyAlgorithm[]> {
  const known = await readKnownHosts(where.files ?? defaultKnownHostsFiles());
  return hostKeyAlgorithmsFor(knownKeyTypes(known.entries, knownHostsName(target.host, target.port)));
}

export function hostKeyAlgorithmsFor(keyTypes: readonly string[]): ServerHostKeyAlgorithm[] {
  const wanted = new Set(keyTypes.flatMap((type) => HOST_KEY_ALGORITHMS_BY_TYPE[type] ?? []));
  return Object.values(HOST_KEY_ALGORITHMS_BY_TYPE)
    .flat()
    .filter((algorithm) => wanted.has(algorithm));
}
