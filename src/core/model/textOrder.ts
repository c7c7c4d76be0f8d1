/**
 * Two orders of text. Names a person reads in a list (files, contexts) go by the user's locale, as
 * String.prototype.localeCompare does, with one collator made on first use: localeCompare finds
 * its collator on every call, and making one costs about 10 ms, which a CLI start should not pay
 * before it needs it. Docker references and IDs go by code point: they are ASCII and mostly lower
 * case, and their order then needs no locale data at all (a thousand images of the same second
 * are sorted in a millisecond). compareCodeUnits orders as `<` does: by UTF-16 code unit, the same
 * as by code point for anything outside the astral planes.
 */
let collator: Intl.Collator | undefined;

export function compareText(a: string, b: string): number {
  collator ??= new Intl.Collator();
  return collator.compare(a, b);
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
