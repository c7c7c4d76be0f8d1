/**
 * Orders text as String.prototype.localeCompare does (the default locale and options), with one
 * collator made once: localeCompare finds its collator on every call, which made sorting a
 * thousand images of the same second take 12 ms instead of 1.
 */
export const compareText: (a: string, b: string) => number = new Intl.Collator().compare;
