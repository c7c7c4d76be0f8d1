/** mocha's this.skip() prints no reason; this one says why, so a skipped test is never silent. */
export function skipBecause(context: Mocha.Context, reason: string): never {
  console.log(`      SKIPPED "${context.currentTest?.title ?? context.test?.title ?? ''}": ${reason}`);
  context.skip();
}
