/** Reading the README and docs/DEPLOYMENT.md for the tests: sections, tables, code blocks. */

/** The text under a Markdown heading (up to the next heading of the same or a higher level). */
export function section(md: string, heading: string): string {
  const lines = md.split('\n');
  const start = lines.findIndex((l) => /^#{1,6} /.test(l) && l.replace(/^#+ /, '').trim() === heading);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const level = (lines[start].match(/^#+/) as RegExpMatchArray)[0].length;
  const end = lines.findIndex((l, i) => i > start && new RegExp(`^#{1,${level}} `).test(l));
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Rows of the Markdown tables of a text (header and separator rows excluded), as cells. */
export function tableRows(md: string): string[][] {
  const rows: string[][] = [];
  let inTable = false;
  for (const line of md.split('\n')) {
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const cells = line
      .slice(1, line.endsWith('|') ? -1 : undefined)
      .split('|')
      .map((c) => c.trim());
    if (!inTable) {
      inTable = true; // header row
      continue;
    }
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    rows.push(cells);
  }
  return rows;
}

/** Contents of fenced code blocks, optionally of one language. */
export function codeBlocks(md: string, lang?: string): string[] {
  const out: string[] = [];
  for (const m of md.matchAll(/^```(\w*)\n([\s\S]*?)^```/gm))
    if (lang === undefined || m[1] === lang) out.push(m[2]);
  return out;
}

/** `code` spans of a text. */
export function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
}

export const ENV_TOKEN = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^(PORT|HOST)$/;

/**
 * Checks that a documented log line is printed by the code: the line is cut at its placeholders
 * (`<...>`, `...`) and every fixed piece must occur in `source` (with `firstOnly`, the level and
 * the head of the message: for messages whose tail the code assembles from several strings).
 */
export function missingPieces(line: string, source: string, firstOnly = false): string[] {
  const pieces = line
    .replace(/^\[[A-Z_]+\] /, '$&\n') // the level is often its own expression: [INFO] / [DRY_RUN]
    .split(/<[^>]*>|\.\.\.|\n/)
    .map((p) => p.trim())
    .filter((p) => p.length >= 3);
  return (firstOnly ? pieces.slice(0, 2) : pieces).filter((p) => !source.includes(p));
}
