import * as assert from 'node:assert/strict';
import { EngineEvent } from '../../src/core/engine/engineTypes';
import { changesContainers, changesImages } from '../../src/core/engine/relevantEvents';

const IMAGE_ID = 'sha256:b04814768254a6e71f3585e7a6e677970bbea8febe34340365b1de71e5f07921';
const CONTAINER_ID = '361a83ef7f27a4b447760da8a0bde297208163e545df8e9a53f4c1b69d5909f2';

/**
 * An event as dockerd 20.10 (API 1.41) sends it: the legacy status/id/from fields *and* Type/Action/Actor
 * (shapes taken from GET /events of the test daemon).
 */
function api141Event(type: string, action: string): EngineEvent {
  const isContainer = type === 'container';
  const subject = isContainer ? CONTAINER_ID : type === 'image' ? IMAGE_ID : 'a1b2c3';
  return {
    status: action,
    id: subject,
    ...(isContainer ? { from: 'dle-app:1.0' } : {}),
    Type: type,
    Action: action,
    Actor: { ID: subject, Attributes: isContainer ? { image: 'dle-app:1.0', name: 'dle-exited' } : { name: 'dle-app:1.0' } },
    time: 1796005125,
    timeNano: 1796005125611235067,
  };
}

/** The same event as API 1.52 sends it: without status, id and from. */
function api152Event(type: string, action: string): EngineEvent {
  const modern = api141Event(type, action);
  delete modern.status;
  delete modern.id;
  delete modern.from;
  return modern;
}

const IMAGE_CHANGES = ['pull', 'load', 'import', 'tag', 'untag', 'delete', 'prune'];
const IMAGE_NON_CHANGES = ['save', 'push', 'inspect'];
const CONTAINER_CHANGES = ['create', 'destroy', 'start', 'die', 'stop', 'kill', 'pause', 'unpause', 'rename', 'restart', 'commit', 'prune'];
const CONTAINER_NON_CHANGES = ['attach', 'resize', 'top', 'export', 'exec_create: sh -c ls', 'exec_start: sh -c ls', 'exec_die', 'health_status: healthy', 'archive-path', 'update'];

describe('relevantEvents', () => {
  for (const [shape, eventOf] of [
    ['API 1.41 (status/id/from + Type/Action/Actor)', api141Event],
    ['API 1.52 (Type/Action/Actor only)', api152Event],
  ] as const) {
    describe(shape, () => {
      it(`changesImages: true for image ${IMAGE_CHANGES.join(', ')}`, () => {
        for (const action of IMAGE_CHANGES) {
          assert.equal(changesImages(eventOf('image', action)), true, action);
        }
      });

      it(`changesImages: false for image ${IMAGE_NON_CHANGES.join(', ')} (nothing listed changes)`, () => {
        for (const action of IMAGE_NON_CHANGES) {
          assert.equal(changesImages(eventOf('image', action)), false, action);
        }
      });

      it(`changesContainers: true for container ${CONTAINER_CHANGES.join(', ')}`, () => {
        for (const action of CONTAINER_CHANGES) {
          assert.equal(changesContainers(eventOf('container', action)), true, action);
        }
      });

      it('changesContainers: false for exec, health, attach, resize and other container actions that change no listing', () => {
        for (const action of CONTAINER_NON_CHANGES) {
          assert.equal(changesContainers(eventOf('container', action)), false, action);
        }
      });

      it('does not take a container event for an image change, or the reverse (but a container commit makes an image)', () => {
        for (const action of ['create', 'prune', 'destroy', 'start']) {
          assert.equal(changesImages(eventOf('container', action)), false, `container ${action}`);
        }
        for (const action of ['tag', 'untag', 'delete', 'pull', 'import']) {
          assert.equal(changesContainers(eventOf('image', action)), false, `image ${action}`);
        }
      });

      it('ignores network, volume and daemon events', () => {
        for (const [type, action] of [
          ['network', 'connect'],
          ['network', 'disconnect'],
          ['network', 'create'],
          ['volume', 'create'],
          ['volume', 'destroy'],
          ['daemon', 'reload'],
          ['builder', 'prune'],
        ]) {
          const event = eventOf(type, action);
          assert.equal(changesImages(event), false, `${type} ${action}`);
          assert.equal(changesContainers(event), false, `${type} ${action}`);
        }
      });
    });
  }

  it('prefers Action over the legacy status when both are present and differ', () => {
    assert.equal(changesImages({ ...api141Event('image', 'tag'), status: 'save' }), true);
    assert.equal(changesImages({ ...api141Event('image', 'save'), status: 'tag' }), false);
    assert.equal(changesContainers({ ...api141Event('container', 'attach'), status: 'destroy' }), false);
  });

  it('falls back to the legacy status when Action is missing (Type present)', () => {
    const image = api141Event('image', 'untag');
    delete image.Action;
    assert.equal(changesImages(image), true);
    const container = api141Event('container', 'die');
    delete container.Action;
    assert.equal(changesContainers(container), true);
  });

  it('changesImages is true for `docker commit` without a tag, whose only event is a *container* commit', () => {
    // Seen on the test daemon (20.10): `docker commit dle-exited` (no REPO[:TAG]) sent this container
    // event (attributes trimmed) and no image event, yet a new untagged image appeared in GET /images/json.
    // With a tag an image "tag" event follows; without one nothing tells the Images view to refresh
    // (src/tree/registerTreeViews.ts refreshes it on changesImages only).
    const commit: EngineEvent = {
      status: 'commit',
      id: CONTAINER_ID,
      from: 'dle-app:1.0',
      Type: 'container',
      Action: 'commit',
      Actor: { ID: CONTAINER_ID, Attributes: { comment: '', imageID: 'sha256:699da8d52d562288664bf689ad9c0166d57430448a951f5c106f32d3b990f211', imageRef: '', name: 'dle-exited' } },
      time: 1796006000,
    };
    assert.equal(changesContainers(commit), true, 'the Containers view refreshes');
    assert.equal(changesImages(commit), true, 'the Images view must refresh too: the commit added an image');
  });

  it('is false for an empty event', () => {
    assert.equal(changesImages({}), false);
    assert.equal(changesContainers({}), false);
  });
});
