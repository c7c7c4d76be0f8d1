/** Markdown for tooltips. */
export function markdownTable(rows: readonly [string, string][]): string {
  return `| | |\n|---|---|\n${rows.map(([key, value]) => `| ${key} | ${value} |`).join('\n')}\n`;
}

export function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
