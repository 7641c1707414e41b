/** A small Dockerfile and .dockerignore reader for the image tests (no Docker engine needed). */

export interface Instruction {
  readonly op: string;
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly base: string;
  readonly name: string | null;
  readonly instructions: Instruction[];
}

/** Instructions in order: comments dropped, `\` continuations joined, op upper-cased. */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (buf === '' && (line === '' || line.startsWith('#'))) return;
    if (buf === '') start = i + 1;
    if (line.startsWith('#')) return; // comment inside a continuation
    if (line.endsWith('\\')) {
      buf += `${line.slice(0, -1).trim()} `;
      return;
    }
    buf += line;
    const m = /^(\S+)\s*(.*)$/s.exec(buf) as RegExpExecArray;
    out.push({ op: m[1].toUpperCase(), args: m[2].trim(), line: start });
    buf = '';
  });
  return out;
}

export function stages(text: string): Stage[] {
  const out: Stage[] = [];
  // ARGs before the first FROM are the only ones a FROM line can use (their defaults here).
  const globalArgs = new Map<string, string>();
  for (const ins of instructions(text)) {
    if (ins.op === 'ARG' && !out.length) {
      const [name, value = ''] = ins.args.split(/=(.*)/s);
      globalArgs.set(name.trim(), value.trim());
    } else if (ins.op === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      const base = m[1].replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => {
        const name = (a ?? b) as string;
        const value = globalArgs.get(name);
        if (value === undefined) throw new Error(`line ${ins.line}: FROM uses undeclared ARG ${name}`);
        return value;
      });
      out.push({ base, name: m[2] ?? null, instructions: [] });
    } else {
      if (!out.length) throw new Error(`line ${ins.line}: ${ins.op} before FROM`);
      out[out.length - 1].instructions.push(ins);
    }
  }
  return out;
}

/** Exec form (JSON array) of CMD / ENTRYPOINT / HEALTHCHECK CMD; null for the shell form. */
export function execForm(args: string): string[] | null {
  const s = args.trim();
  if (!s.startsWith('[')) return null;
  return JSON.parse(s) as string[];
}

export interface Copy {
  readonly from: string | null;
  readonly sources: string[];
  readonly dest: string;
}

export function copyOf(ins: Instruction): Copy {
  const words = ins.args.split(/\s+/);
  let from: string | null = null;
  const rest: string[] = [];
  for (const w of words) {
    if (w.startsWith('--from=')) from = w.slice(7);
    else if (!w.startsWith('--')) rest.push(w);
  }
  return { from, sources: rest.slice(0, -1), dest: rest[rest.length - 1] };
}

/** Last WORKDIR of a stage before instruction index `upTo` (absolute paths only). */
export function workdir(stage: Stage, upTo = stage.instructions.length): string {
  let dir = '/';
  for (const ins of stage.instructions.slice(0, upTo)) if (ins.op === 'WORKDIR') dir = ins.args;
  return dir;
}

/**
 * .dockerignore patterns as a predicate on repository-relative paths: `*` within one path
 * segment, a pattern also excludes everything below it. `!` exceptions are refused (not used).
 */
export function ignoreMatcher(text: string): (path: string) => boolean {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (patterns.some((p) => p.startsWith('!')))
    throw new Error('.dockerignore exceptions (!) are not supported by this reader');
  const res = patterns.map((p) => {
    const body = p
      .replace(/^\/+/, '')
      .replace(/\/+$/, '')
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*');
    return new RegExp(`^${body}(/.*)?$`);
  });
  return (path) => res.some((r) => r.test(path.replace(/^\.\//, '')));
}
