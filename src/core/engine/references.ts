/**
 * What may be put into an Engine URL as an image or container reference. Anything else is refused
 * before dialling: the Engine answers names it "cleans" (`../x`, `/x`) with a redirect, and a query
 * string or `%` would change the request itself.
 */
import { EngineNotFoundError } from './engineErrors';

/** An ID (full, with or without sha256:, or a hex prefix). */
const ID = /^(?:sha256:)?[0-9a-f]{1,64}$/;
/** Docker's reference grammar, loosely: [registry[:port]/]path[:tag][@digest]. */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE = new RegExp(
  `^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?/)?` +
    `${COMPONENT}(?:/${COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$`,
);
/** Container names as the Engine accepts them. */
const CONTAINER = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function isValidReference(reference: string, kind: 'image' | 'container'): boolean {
  return ID.test(reference) || (kind === 'image' ? IMAGE.test(reference) : CONTAINER.test(reference));
}

/** Throws the same not-found error the Engine would give, without asking it. */
export function checkReference(reference: string, kind: 'image' | 'container'): void {
  if (!isValidReference(reference, kind)) {
    throw new EngineNotFoundError(reference, `No such ${kind}: ${JSON.stringify(reference)} is not a valid ${kind} reference`);
  }
}
