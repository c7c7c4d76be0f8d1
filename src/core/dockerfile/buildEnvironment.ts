/**
 * The environment a `docker build` run from the extension gets, so that the docker CLI talks to
 * the Engine the extension shows and not to the one its own resolution would pick. The CLI takes
 * DOCKER_HOST before DOCKER_CONTEXT before its current context; an empty variable counts as unset
 * for it, which is how a variable inherited from the editor's environment is cleared here.
 */
import type { EngineEndpoint } from '../engine/engineEndpoint';

/** What the docker CLI reads that decides its endpoint (TLS for a host, where its contexts are). */
type EndpointVariable = 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'DOCKER_TLS_VERIFY' | 'DOCKER_CERT_PATH' | 'DOCKER_TLS' | 'DOCKER_CONFIG';

/**
 * The variables to set for the docker CLI to reach `endpoint`, given the environment the endpoint
 * was resolved from (the extension host's):
 * - a host (the `dockerLayers.host` setting, DOCKER_HOST): DOCKER_HOST, DOCKER_CONTEXT cleared, and
 *   the TLS variables of that environment passed on (the CLI reads them for a host);
 * - a named context (the `dockerLayers.context` setting, DOCKER_CONTEXT, `docker context use`):
 *   DOCKER_CONTEXT, DOCKER_HOST cleared; the context carries its own TLS files, found under
 *   DOCKER_CONFIG when that is set;
 * - a socket found without either (the `default` context, the usual sockets): DOCKER_HOST with the
 *   socket the extension uses, which need not be the CLI's default (rootless, Docker Desktop).
 */
export function dockerCliEnvironment(endpoint: EngineEndpoint, env: Readonly<Record<string, string | undefined>>): Partial<Record<EndpointVariable, string>> {
  const passOn = (...names: EndpointVariable[]) => Object.fromEntries(names.flatMap((name) => (env[name] ? [[name, env[name]]] : [])));
  switch (endpoint.source) {
    case 'archive':
      return {}; // No Engine: nothing to build against.
    case 'setting':
    case '--host':
    case 'DOCKER_HOST':
      return { DOCKER_HOST: endpoint.host, DOCKER_CONTEXT: '', ...passOn('DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_TLS') };
    case 'context setting':
    case '--context':
    case 'DOCKER_CONTEXT':
    case 'current context':
      if (endpoint.contextName) {
        return { DOCKER_CONTEXT: endpoint.contextName, DOCKER_HOST: '', ...passOn('DOCKER_CONFIG') };
      }
      // The `default` context: the default socket, as found.
      return { DOCKER_HOST: endpoint.host, DOCKER_CONTEXT: '' };
    case 'default socket':
      return { DOCKER_HOST: endpoint.host, DOCKER_CONTEXT: '' };
  }
}
