/** A small, strict command-line option parser for the `mutual` subcommands (no dependency needed). */

export interface OptionSpec {
  /** Options that take a value: `--name value` or `--name=value`. */
  values: readonly string[];
  /** Options that are flags. */
  flags: readonly string[];
}

export interface ParsedArgs {
  values: Map<string, string>;
  flags: Set<string>;
  positional: string[];
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: readonly string[], spec: OptionSpec): ParsedArgs {
  const out: ParsedArgs = { values: new Map(), flags: new Set(), positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--') || a === '--') {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (spec.flags.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      out.flags.add(name);
    } else if (spec.values.includes(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      if (out.values.has(name)) throw new UsageError(`--${name} given twice`);
      out.values.set(name, v);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return out;
}

export function required(p: ParsedArgs, name: string): string {
  const v = p.values.get(name);
  if (v === undefined) throw new UsageError(`--${name} is required`);
  return v;
}

export function positiveInt(p: ParsedArgs, name: string, fallback: number): number {
  const v = p.values.get(name);
  if (v === undefined) return fallback;
  if (!/^(0|[1-9][0-9]{0,8})$/.test(v)) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** Read the whole of standard input (the password), dropping one trailing line break. */
export async function readSecretFromStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stdin) {
    const b = typeof c === 'string' ? Buffer.from(c, 'utf8') : (c as Buffer);
    size += b.length;
    if (size > 64 * 1024) throw new UsageError('the password on standard input is longer than 64 KiB');
    chunks.push(b);
  }
  const s = Buffer.concat(chunks).toString('utf8');
  return s.replace(/\r?\n$/, '');
}
