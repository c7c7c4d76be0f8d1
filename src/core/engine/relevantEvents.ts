/** Which Engine events change what the views show. */
import { eventAction } from './engineEventStream';
import { EngineEvent } from './engineTypes';

/** Image actions that add, remove or rename images (a legacy build ends in tag/untag/delete too). */
const IMAGE_ACTIONS = new Set(['pull', 'load', 'import', 'tag', 'untag', 'delete', 'prune']);
/** Container actions that add or remove containers or change their state (Podman: remove, died). */
const CONTAINER_ACTIONS = new Set(['create', 'destroy', 'remove', 'start', 'die', 'died', 'stop', 'kill', 'pause', 'unpause', 'rename', 'restart', 'commit', 'prune']);

export function changesImages(event: EngineEvent): boolean {
  // `docker commit` without a tag makes an image with nothing but a container event to say so.
  return (event.Type === 'image' && IMAGE_ACTIONS.has(eventAction(event))) || (event.Type === 'container' && eventAction(event) === 'commit');
}

export function changesContainers(event: EngineEvent): boolean {
  return event.Type === 'container' && CONTAINER_ACTIONS.has(eventAction(event));
}
