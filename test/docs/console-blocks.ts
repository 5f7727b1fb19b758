/**
 * Reads the ```console blocks of a Markdown file (the example runs of the README and docs/)
 * and the small subset of shell syntax their `$` lines use, so a test can
 * replay them. Anything outside that subset is refused, not guessed at.
 */

/** One `$` command of a console block and the terminal text shown after it. */
export interface ConsoleStep {
  /** The command after `$ `, continuation lines joined, comment kept. */
  readonly command: string;
  /** Lines shown after the command: `[exit N]` and trailing blank lines removed. */
  readonly output: readonly string[];
  /** From a final `[exit N]` line; 0 without one. */
  readonly exitCode: number;
  /** 1-based line of the `$` in the Markdown file. */
  readonly line: number;
}

/** A ```console block. */
export interface ConsoleBlock {
  /** `$ ` and the first command without its comment (or the first line, without one): names the block in skip lists. */
  readonly key: string;
  /** The nearest heading above the block. */
  readonly heading: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** Lines before the first `$` line (an output excerpt without a command). */
  readonly preamble: readonly string[];
  readonly steps: readonly ConsoleStep[];
}

const EXIT_LINE = /^\[exit (\d+)\]$/;

/** A fenced code block of a Markdown file. */
export interface FencedBlock {
  /** The word after the opening fence (`console`, `ts`, ...); "" without one. */
  readonly lang: string;
  /** The nearest heading above the block. */
  readonly heading: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The lines between the fences. */
  readonly body: readonly string[];
}

/** Every fenced block of `markdown`, in order (fences of any length >= 3; a longer fence may hold shorter ones). */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split("\n");
  const blocks: FencedBlock[] = [];
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]);
    if (!open) {
      if (/^#{1,6} /.test(lines[i])) heading = lines[i].replace(/^#+ /, "");
      continue;
    }
    const fence = open[1];
    const close = new RegExp(`^${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end])) end++;
    if (end === lines.length) throw new Error(`line ${i + 1}: unclosed ${fence} fence`);
    blocks.push({ lang: open[2], heading, line: i + 1, body: lines.slice(i + 1, end) });
    i = end;
  }
  return blocks;
}

/** Every ```console block of `markdown`, in order (other fences are skipped whole). */
export function consoleBlocks(markdown: string): ConsoleBlock[] {
  return fencedBlocks(markdown)
    .filter((b) => b.lang === "console")
    .map((b) => parseBlock([...b.body], b.line + 1, b.heading));
}

function parseBlock(body: string[], firstLine: number, heading: string): ConsoleBlock {
  const preamble: string[] = [];
  const steps: ConsoleStep[] = [];
  let i = 0;
  while (i < body.length && !body[i].startsWith("$ ")) preamble.push(body[i++]);
  while (i < body.length) {
    const line = firstLine + i;
    let command = body[i++].slice(2);
    while (command.endsWith("\\") && i < body.length) command = `${command.slice(0, -1).trimEnd()} ${body[i++].trim()}`;
    const output: string[] = [];
    while (i < body.length && !body[i].startsWith("$ ")) output.push(body[i++]);
    while (output.length > 0 && output[output.length - 1].trim() === "") output.pop();
    const exit = output.length > 0 ? EXIT_LINE.exec(output[output.length - 1]) : null;
    if (exit) output.pop();
    while (output.length > 0 && output[output.length - 1].trim() === "") output.pop();
    if (output.some((l) => EXIT_LINE.test(l))) throw new Error(`line ${line}: "[exit N]" must be the last line of a command's output`);
    steps.push({ command, output, exitCode: exit ? Number(exit[1]) : 0, line });
  }
  const first = steps.length > 0 ? `$ ${steps[0].command}` : (body.find((l) => l.trim() !== "") ?? "");
  return { key: stripComment(first).trim(), heading, line: firstLine - 1, preamble, steps };
}

/** A `$` line as the test runs it: `VAR=value ... program args... [> file]`. */
export interface ShellCommand {
  readonly env: Readonly<Record<string, string>>;
  readonly argv: readonly string[];
  /** Target of a `> file` redirection of stdout. */
  readonly stdoutFile?: string;
}

/**
 * Splits a command line into words as sh would for the subset the README
 * uses: single and double quotes (no expansion inside), leading variable
 * assignments, one `> file`, and a trailing `# comment`. Pipes, `&&`, `;`,
 * `$(...)`, backquotes, globbing and other redirections throw.
 */
export function parseShellLine(text: string): ShellCommand {
  const words = splitWords(stripComment(text));
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0].text) && !words[0].quotedName) {
    const word = words.shift()!.text;
    env[word.slice(0, word.indexOf("="))] = word.slice(word.indexOf("=") + 1);
  }
  const argv: string[] = [];
  let stdoutFile: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w.operator === ">") {
      const target = words[i + 1];
      if (!target || target.operator || stdoutFile !== undefined) throw new Error(`unsupported redirection in: ${text}`);
      stdoutFile = target.text;
      i++;
    } else if (w.operator) {
      throw new Error(`unsupported shell syntax "${w.operator}" in: ${text}`);
    } else {
      argv.push(w.text);
    }
  }
  if (argv.length === 0) throw new Error(`no command in: ${text}`);
  return { env, argv, stdoutFile };
}

interface Word {
  text: string;
  /** Set for an unquoted shell operator (`>`, `|`, `&&`, ...). */
  operator?: string;
  /** The part before `=` was quoted, so the word is not an assignment. */
  quotedName?: boolean;
}

function splitWords(text: string): Word[] {
  const words: Word[] = [];
  let current: Word | undefined;
  const word = () => (current ??= { text: "" });
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === " " || c === "\t") {
      if (current) words.push(current);
      current = undefined;
    } else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated ${c} in: ${text}`);
      const inner = text.slice(i + 1, end);
      if (c === '"' && /[$`\\]/.test(inner)) throw new Error(`expansion inside double quotes is not supported: ${text}`);
      const w = word();
      if (!w.text.includes("=")) w.quotedName = true;
      w.text += inner;
      i = end;
    } else if (c === ">") {
      // `2>`, `x>y` and `>>` are other redirections than the one supported.
      if (current || text[i + 1] === ">") throw new Error(`unsupported redirection in: ${text}`);
      words.push({ text: ">", operator: ">" });
    } else if (/[*?[\]{}]/.test(c)) {
      throw new Error(`globbing and braces are not supported: ${text}`);
    } else if (/[|&;<()$`\\]/.test(c)) {
      const op = /^(&&|\|\||[|&;<()$`\\])/.exec(text.slice(i))![1];
      if (current) words.push(current);
      current = undefined;
      words.push({ text: op, operator: op });
      i += op.length - 1;
    } else {
      word().text += c;
    }
  }
  if (current) words.push(current);
  return words;
}

/** Drops a `# comment`: a `#` outside quotes that starts a word. */
export function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === "#" && (i === 0 || /\s/.test(text[i - 1]))) {
      return text.slice(0, i).trimEnd();
    }
  }
  return text;
}

/**
 * Whether `actual` lines match `expected`, where a line that is only `...` (indented or not)
 * stands for any number of lines (the README's excerpts).
 */
export function matchesExcerpt(expected: readonly string[], actual: readonly string[]): boolean {
  const segments: string[][] = [[]];
  for (const line of expected) {
    if (line.trim() === "...") segments.push([]);
    else segments[segments.length - 1].push(line);
  }
  const at = (pos: number, seg: string[]) => seg.every((l, k) => actual[pos + k] === l);
  const first = segments[0];
  if (!at(0, first)) return false;
  if (segments.length === 1) return first.length === actual.length;
  let pos = first.length;
  for (const seg of segments.slice(1, -1)) {
    let found = -1;
    for (let p = pos; p + seg.length <= actual.length; p++) {
      if (at(p, seg)) {
        found = p;
        break;
      }
    }
    if (found < 0) return false;
    pos = found + seg.length;
  }
  const last = segments[segments.length - 1];
  return actual.length - last.length >= pos && at(actual.length - last.length, last);
}
