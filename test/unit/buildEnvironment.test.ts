/**
 * Build Image and Explore runs the docker CLI: its environment must send the build to the Engine
 * the view shows, however that Engine was chosen, whatever the editor's own environment says.
 */
import * as assert from 'node:assert/strict';
import { dockerCliEnvironment } from '../../src/core/dockerfile/buildEnvironment';

/** The editor was started with another Engine in its environment: none of it may leak into the build. */
const OTHER_ENGINE = { DOCKER_HOST: 'tcp://elsewhere:2375', DOCKER_CONTEXT: 'elsewhere' };

describe('the docker CLI environment of a build', () => {
  it('builds against the dockerLayers.host setting, over a DOCKER_CONTEXT of the environment', () => {
    assert.deepEqual(dockerCliEnvironment({ host: 'unix:///run/user/1000/docker.sock', source: 'setting' }, { DOCKER_CONTEXT: 'elsewhere' }), {
      DOCKER_HOST: 'unix:///run/user/1000/docker.sock',
      DOCKER_CONTEXT: '',
    });
  });

  it('builds in the context the dockerLayers.context setting names, clearing a DOCKER_HOST of the environment', () => {
    const env = dockerCliEnvironment({ host: 'ssh://me@build-box', source: 'context setting', contextName: 'build-box' }, { ...OTHER_ENGINE, DOCKER_CONFIG: '/home/me/.config/docker' });
    assert.deepEqual(env, { DOCKER_CONTEXT: 'build-box', DOCKER_HOST: '', DOCKER_CONFIG: '/home/me/.config/docker' }, 'the CLI would take DOCKER_HOST before the context');
  });

  it('builds on the socket the extension found for the default context, not the CLI default', () => {
    assert.deepEqual(dockerCliEnvironment({ host: 'unix:///home/me/.docker/desktop/docker.sock', source: 'context setting' }, OTHER_ENGINE), {
      DOCKER_HOST: 'unix:///home/me/.docker/desktop/docker.sock',
      DOCKER_CONTEXT: '',
    });
    assert.deepEqual(dockerCliEnvironment({ host: 'unix:///run/user/1000/docker.sock', source: 'default socket' }, {}), {
      DOCKER_HOST: 'unix:///run/user/1000/docker.sock',
      DOCKER_CONTEXT: '',
    });
  });

  it('passes on the TLS variables for a host, as the CLI reads them there', () => {
    const env = { DOCKER_HOST: 'tcp://build:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' };
    assert.deepEqual(dockerCliEnvironment({ host: 'tcp://build:2376', source: 'DOCKER_HOST', tls: { caFile: '/certs/ca.pem', verify: true } }, env), {
      DOCKER_HOST: 'tcp://build:2376',
      DOCKER_CONTEXT: '',
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: '/certs',
    });
  });

  it('names the context of DOCKER_CONTEXT and of `docker context use` explicitly', () => {
    assert.deepEqual(dockerCliEnvironment({ host: 'tcp://ci:2376', source: 'DOCKER_CONTEXT', contextName: 'ci' }, {}), { DOCKER_CONTEXT: 'ci', DOCKER_HOST: '' });
    assert.deepEqual(dockerCliEnvironment({ host: 'tcp://ci:2376', source: 'current context', contextName: 'ci' }, {}), { DOCKER_CONTEXT: 'ci', DOCKER_HOST: '' });
  });
});
