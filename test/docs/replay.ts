/**
 * Replays the ```console blocks of a Markdown file through the CLI in-process
 * and compares what a terminal would show with the file's text (the README
 * and docs/ tests). Each block runs in a fresh directory set up with what it
 * needs; only what legitimately varies between runs is normalized. A block
 * that cannot be replayed is skip-listed with the reason; a block on neither
 * list fails, so a new example cannot go unchecked.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../lib/cli/main";
import { fakeIo } from "../support/fake-io";
import { matchesExcerpt, parseShellLine, type ConsoleBlock, type ConsoleStep } from "./console-blocks";

/** Replacements applied in order: `[pattern, replacement]`. */
export type Rewrites = readonly (readonly [RegExp, string])[];

/** What a block's set-up started, for the replay. */
export interface Started {
  /** Stops what the set-up started (after the block, pass or fail). */
  readonly cleanup?: () => Promise<void>;
  /** Values this run chooses (a free port) in place of the document's, in its commands and its text. */
  readonly rewrites?: Rewrites;
}

/** How to replay one block. Keys of the replay / skip lists are the block's first command without its comment. */
export interface Replay {
  /** Why the block cannot run on this machine (checked at collection time; the block then skips loudly). */
  readonly unavailable?: () => string | undefined;
  /** Files and servers the block needs before its first `$` line (earlier steps of the document's story). */
  readonly setup?: (dir: string) => Promise<Started | void>;
  /** Changes the block does not show, made before the `$` line with this index. */
  readonly beforeStep?: Readonly<Record<number, (dir: string) => Promise<void>>>;
  /** Arguments appended to the `$` line with this index (see expectedRewrites). */
  readonly extraArgs?: Readonly<Record<number, readonly string[]>>;
  /** Rewrites of the document's text that follow from extraArgs, and nothing else. */
  readonly expectedRewrites?: Rewrites;
  /**
   * Rewrites of the real output into the document's placeholders for random
   * key material. Each pattern pins the material's shape (length, alphabet),
   * so output of another shape stays unreplaced and fails the comparison.
   */
  readonly material?: Rewrites;
  /** The block is an excerpt: a line `...` stands for any number of lines. */
  readonly excerpt?: boolean;
  /** Variables the document says every run of the block had, besides those on its `$` lines. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * The block shows a terminal: stderr is a TTY (progress spinners), and the
   * replay renders carriage returns and line erasures as a terminal would.
   * @default false
   */
  readonly tty?: boolean;
  /**
   * The block is a recipe: commands without their output. Each must exit as
   * shown (0 without `[exit N]`); the lines between them may only be comments
   * (`# ...`) and notes (`... drain ...`).
   * @default false
   */
  readonly commandsOnly?: boolean;
}

/** A Markdown file's console blocks and how each is replayed. */
export interface ReplayDoc {
  /** Names the file in test titles and SKIP lines ("README", "docs/tls.md"). */
  readonly name: string;
  readonly blocks: readonly ConsoleBlock[];
  /** The file shows the directory of its runs as this path. */
  readonly shownDir: string;
  readonly replay: Readonly<Record<string, Replay>>;
  /** Blocks not replayed, with the reason. */
  readonly skip: Readonly<Record<string, string>>;
}

/** Varies from run to run; normalized in both the document's text and the real output. */
export const VARIES: Rewrites = [
  [/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b/g, "<time>"],
  [/\b(?:[0-9A-F]{2}:){31}[0-9A-F]{2}\b/g, "<sha256 fingerprint>"],
  [/^( {2}serial {6})[0-9A-F]+$/gm, "$1<serial>"],
  // The three RSA keys are generated in parallel: they finish in any order.
  [/^tls: (?:ca|server|client) key done /gm, "tls: <ca|server|client> key done "],
  [/^(synthesized \d+ stacks into \S+ in )\d+(?:\.\d+)? s$/gm, "$1<seconds> s"],
];

/** 32 random bytes as padded standard base64 (Stem's encoding of keys and seeds). */
export const B64_32 = "[A-Za-z0-9+/]{43}=";

/** Runs `stemguard argv...` in `dir` as a set-up step; throws unless it exits 0. */
export async function cli(dir: string, ...argv: string[]): Promise<void> {
  const io = fakeIo(dir);
  const code = await main(argv, io);
  if (code !== 0) throw new Error(`set-up: stemguard ${argv.join(" ")} exited ${code}: ${io.err()}`);
}

/**
 * The README's story: `rotate init k1 --algorithm hmac-sha256`, material for
 * `materialFor` keys (`keys generate --out material/<id>.env`), then stage k2,
 * activate k2 and retire k1 up to `phase`.
 */
export async function walkthrough(dir: string, phase: 1 | 2 | 3 | 4, materialFor: readonly string[] = ["k1", "k2"]): Promise<void> {
  await cli(dir, "rotate", "init", "k1", "--algorithm", "hmac-sha256");
  for (const id of materialFor) await cli(dir, "keys", "generate", "--algorithm", "hmac-sha256", "--id", id, "--out", `material/${id}.env`);
  const steps = [["stage", "k2"], ["activate", "k2"], ["retire", "k1"]].slice(0, phase - 1);
  for (const [op, id] of steps) await cli(dir, "rotate", op, id);
}

/** Runs git in `dir` with a throwaway identity and no signing. */
export function git(dir: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.email=readme@example.com", "-c", "user.name=readme", "-c", "commit.gpgsign=false", ...args], { cwd: dir, stdio: "pipe" });
}

/**
 * What a terminal shows for `text`: `\r` returns to the line's start and
 * ESC[2K erases the line (a spinner's traces). Other escape sequences throw.
 */
export function renderTerminal(text: string): string {
  const shown: string[] = [];
  let line: string[] = [];
  let col = 0;
  for (const token of text.split(/(\r|\n|\u001b\[2K)/)) {
    if (token === "\n") {
      shown.push(line.join(""));
      line = [];
      col = 0;
    } else if (token === "\r") {
      col = 0;
    } else if (token === "\u001b[2K") {
      line = [];
    } else {
      if (token.includes("\u001b")) throw new Error(`escape sequence the replay does not render: ${JSON.stringify(token)}`);
      while (line.length < col) line.push(" ");
      for (const c of token) line[col++] = c;
    }
  }
  return [...shown, line.join("")].join("\n");
}

/** Runs one `$` line in `dir`: what a terminal shows (stdout unless redirected, and stderr, in order) and the exit code. */
async function runStep(dir: string, command: string, extraArgs: readonly string[], spec: Replay): Promise<{ shown: string; code: number }> {
  const cmd = parseShellLine(command);
  const [program, ...args] = [...cmd.argv, ...extraArgs];
  let shown = "";
  let redirected = "";
  const stdout = (text: string) => void (cmd.stdoutFile === undefined ? (shown += text) : (redirected += text));
  let code: number;
  if (program === "stemguard") {
    const io = fakeIo(dir, { ...spec.env, ...cmd.env });
    code = await main(args, { ...io, stdout, stderr: (text) => void (shown += text), stderrIsTty: spec.tty === true });
  } else if (program === "sed") {
    // The README edits a file with sed between two stemguard runs: run the real one.
    const res = spawnSync("sed", args, { cwd: dir, encoding: "utf8", env: { ...process.env, ...spec.env, ...cmd.env } });
    if (res.error) throw res.error;
    stdout(res.stdout);
    shown += res.stderr;
    code = res.status ?? 1;
  } else {
    throw new Error(`the replay runs stemguard and sed only, not ${program}: put the block on the skip list with a reason`);
  }
  if (cmd.stdoutFile !== undefined) fs.writeFileSync(path.resolve(dir, cmd.stdoutFile), redirected);
  return { shown: spec.tty ? renderTerminal(shown) : shown, code };
}

const rewrite = (text: string, rules: Rewrites) => rules.reduce((t, [re, to]) => t.replace(re, to), text);
const lines = (text: string) => (text === "" ? [] : text.split("\n"));
/** A line of a recipe block between commands: a comment or a `... note ...`. */
const RECIPE_NOTE = /^\s*(?:#.*|\.\.\. .+ \.\.\.)$/;

/**
 * Declares the tests of one document (call inside `describe`): a check that
 * every block is replayed or skip-listed and that both lists name only blocks
 * the document has, one skipped test per skip-list entry, and one test per
 * replayed block.
 */
export function describeReplays(doc: ReplayDoc): void {
  const { name, blocks, replay, skip } = doc;
  test(`every console block is replayed or skip-listed with a reason, and both lists name only blocks ${name} has`, () => {
    const keys = blocks.map((b) => b.key);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    expect(keys.filter((k) => !Object.hasOwn(replay, k) && !Object.hasOwn(skip, k))).toEqual([]);
    expect([...Object.keys(replay), ...Object.keys(skip)].filter((k) => !keys.includes(k))).toEqual([]);
    expect(Object.keys(replay).filter((k) => Object.hasOwn(skip, k))).toEqual([]);
    for (const reason of Object.values(skip)) expect(reason.length).toBeGreaterThan(20);
  });

  for (const [key, reason] of Object.entries(skip)) {
    test.skip(`${key}: ${reason}`, () => undefined);
  }
  if (Object.keys(skip).length > 0) {
    console.warn(`SKIP: ${Object.keys(skip).length} ${name} console blocks not replayed:\n${Object.entries(skip).map(([k, r]) => `  ${k}\n    ${r}`).join("\n")}`);
  }

  for (const block of blocks.filter((b) => Object.hasOwn(replay, b.key))) {
    const spec = replay[block.key];
    const title = `${name} line ${block.line} (${block.heading}): ${block.key}`;
    const unavailable = spec.unavailable?.();
    if (unavailable !== undefined) {
      console.warn(`SKIP: ${name} block at line ${block.line} not replayed: ${unavailable}`);
      test.skip(title, () => undefined);
      continue;
    }
    test(title, async () => {
      expect(block.steps.length).toBeGreaterThan(0);
      expect(block.preamble.filter((l) => l.trim() !== "")).toEqual([]);
      const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sg-docs-")));
      let started: Started | void = undefined;
      try {
        started = await spec.setup?.(dir);
        for (const [i, step] of block.steps.entries()) {
          await spec.beforeStep?.[i]?.(dir);
          await expectStep(dir, step, spec, { doc, extraArgs: spec.extraArgs?.[i] ?? [], chosen: started?.rewrites ?? [] });
        }
      } finally {
        await started?.cleanup?.();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

async function expectStep(dir: string, step: ConsoleStep, spec: Replay, run: { doc: ReplayDoc; extraArgs: readonly string[]; chosen: Rewrites }): Promise<void> {
  const { shown, code } = await runStep(dir, rewrite(step.command, run.chosen), run.extraArgs, spec);
  const actual = lines(rewrite(rewrite(shown.split(dir).join(run.doc.shownDir), spec.material ?? []), VARIES).replace(/\s+$/, ""));
  // One string per side, so a failure shows the document's line, the command and a line diff.
  const title = `${run.doc.name} line ${step.line}: $ ${step.command}`;
  if (spec.commandsOnly) {
    // Only comments and notes may follow a recipe's command; its output is not shown, its exit status is.
    expect({ title, output: step.output.filter((l) => !RECIPE_NOTE.test(l)) }).toEqual({ title, output: [] });
    if (code !== step.exitCode) expect(`${title}\n${actual.join("\n")}\n[exit ${code}]`).toBe(`${title}\n(output not shown)\n[exit ${step.exitCode}]`);
    return;
  }
  const expected = lines(rewrite(rewrite(rewrite(step.output.join("\n"), run.chosen), spec.expectedRewrites ?? []), VARIES));
  const same = spec.excerpt ? matchesExcerpt(expected, actual) : actual.join("\n") === expected.join("\n");
  const real = `${title}\n${actual.join("\n")}\n[exit ${code}]`;
  const documented = `${title}\n${expected.join("\n")}\n[exit ${step.exitCode}]`;
  if (!same || code !== step.exitCode) expect(real).toBe(documented);
}
