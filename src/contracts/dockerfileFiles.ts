/** Which files are Dockerfiles, in one place: the lenses' selector, the workspace search, and what is not one. */
import * as vscode from 'vscode';

/** The names Docker and Podman build from. */
export const DOCKERFILE_GLOB = '**/{Dockerfile,Containerfile,*.dockerfile,*.containerfile,Dockerfile.*,Containerfile.*}';

/** Files on disk or unsaved, by language or by name (a diff view's `git:` side gets no lenses). */
export const DOCKERFILE_SELECTOR: vscode.DocumentSelector = [
  { language: 'dockerfile', scheme: 'file' },
  { language: 'dockerfile', scheme: 'untitled' },
  { scheme: 'file', pattern: DOCKERFILE_GLOB },
];

/** `Dockerfile.dockerignore` matches `Dockerfile.*` but is no Dockerfile. */
export function isDockerIgnoreFile(uri: vscode.Uri): boolean {
  return /\.dockerignore$/i.test(uri.path);
}
