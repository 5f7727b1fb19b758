import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../lib/cli/main";
import { fakeIo } from "../support/fake-io";
import { REDIS_TLS_SKIP, redisTlsSupport, startRedisTlsServer } from "../support/redis-server";
import { consoleBlocks, matchesExcerpt, parseShellLine, type ConsoleStep } from "./console-blocks";

/**
 * The README's ```console blocks are real runs: each one is replayed here
 * through the CLI in-process, in a fresh directory set up with what the block
 * needs, and its text must equal what the CLI prints (stdout and stderr as a
 * terminal shows them, then `[exit N]`). Only what legitimately varies between
 * runs is normalized. A block that cannot be replayed here is on SKIP with the
 * reason; a block on neither list fails, so a new example cannot go unchecked.
 */

const ROOT = path.resolve(__dirname, "../..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const FIXTURES = path.join(ROOT, "test/fixtures");
/** The README shortens the directory of its runs to this ("paths shortened"). */
const README_DIR = "/tmp/rd";

type Rewrites = readonly (readonly [RegExp, string])[];

/** What a block's set-up started, for the replay. */
interface Started {
  /** Stops what the set-up started (after the block, pass or fail). */
  readonly cleanup?: () => Promise<void>;
  /** Values this run chooses (a free port) in place of the README's, in its commands and its text. */
  readonly rewrites?: Rewrites;
}

/** How to replay one block. Keys of REPLAY / SKIP are the block's first command without its comment. */
interface Replay {
  /** Why the block cannot run on this machine (checked at collection time; the block then skips loudly). */
  readonly unavailable?: () => string | undefined;
  /** Files and servers the block needs before its first `$` line (earlier steps of the README's story). */
  readonly setup?: (dir: string) => Promise<Started | void>;
  /** Changes the block does not show, made before the `$` line with this index. */
  readonly beforeStep?: Readonly<Record<number, (dir: string) => Promise<void>>>;
  /** Arguments appended to the `$` line with this index (see expectedRewrites). */
  readonly extraArgs?: Readonly<Record<number, readonly string[]>>;
  /** Rewrites of the README's text that follow from extraArgs, and nothing else. */
  readonly expectedRewrites?: Rewrites;
  /**
   * Rewrites of the real output into the README's placeholders for random
   * key material. Each pattern pins the material's shape (length, alphabet),
   * so output of another shape stays unreplaced and fails the comparison.
   */
  readonly material?: Rewrites;
  /** The block is an excerpt: a line `...` stands for any number of lines. */
  readonly excerpt?: boolean;
}

/** Varies from run to run; normalized in both the README text and the real output. */
const VARIES: Rewrites = [
  [/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b/g, "<time>"],
  [/\b(?:[0-9A-F]{2}:){31}[0-9A-F]{2}\b/g, "<sha256 fingerprint>"],
  [/^( {2}serial {6})[0-9A-F]+$/gm, "$1<serial>"],
  // The three RSA keys are generated in parallel: they finish in any order.
  [/^tls: (?:ca|server|client) key done /gm, "tls: <ca|server|client> key done "],
  [/^(synthesized \d+ stacks into \S+ in )\d+(?:\.\d+)? s$/gm, "$1<seconds> s"],
];

/** 32 random bytes as padded standard base64 (Stem's encoding of keys and seeds). */
const B64_32 = "[A-Za-z0-9+/]{43}=";

const REPLAY: Readonly<Record<string, Replay>> = {
  "$ stemguard rotate stage k2": {
    setup: (dir) => walkthrough(dir, 1, []),
  },
  "$ stemguard rotate init k1 --algorithm ed25519 --verify-only-workers": {}, // a fresh directory
  "$ stemguard keys generate --algorithm hmac-sha256 --id k2 --out material/k2.env": {
    // tf-vars prints every live key of the ledger: k1 active, k2 staged, k1's material already there.
    setup: (dir) => walkthrough(dir, 2, ["k1"]),
    material: [
      [new RegExp(`^(STEM_SIGNING_PUBLIC_KEYS=k1:)${B64_32}$`, "m"), "$1<base64 of 32 bytes>"],
      [new RegExp(`^(STEM_SIGNING_PRIVATE_KEYS=k1:)${B64_32}$`, "m"), "$1<base64 of the 32-byte seed>"],
      [new RegExp(`^(export TF_VAR_stem_signing_key_k[12]='\\{"secret":")${B64_32}("\\}')$`, "gm"), "$1<base64>$2"],
    ],
  },
  "$ stemguard env check worker.env --role worker": {
    setup: async (dir) => {
      await walkthrough(dir, 2);
      await cli(dir, "env", "render", "--role", "worker", "--material", "material", "--out", "worker.env");
      for (const name of ["active-not-in-keys.env", "ed25519-64-byte-seed.env"]) fs.copyFileSync(path.join(FIXTURES, "bad-env", name), path.join(dir, name));
    },
  },
  "$ stemguard env render --role worker --material material --out worker.env": {
    setup: (dir) => walkthrough(dir, 2),
  },
  "$ stemguard sign --env-file worker.env --envelope task.json > signed.json": {
    setup: async (dir) => {
      await walkthrough(dir, 2);
      await cli(dir, "env", "render", "--role", "worker", "--material", "material", "--out", "worker.env");
      fs.copyFileSync(path.join(FIXTURES, "envelopes", "contract-vector.json"), path.join(dir, "task.json"));
    },
  },
  "$ stemguard drill --material material": {
    setup: (dir) => walkthrough(dir, 4),
  },
  "$ stemguard review --base-ref HEAD": {
    // The base branch holds phase 1, the pull request stages k2.
    setup: async (dir) => {
      git(dir, "init", "-q", "-b", "main");
      await walkthrough(dir, 1, []);
      git(dir, "add", "stemguard.rotation.json");
      git(dir, "commit", "-q", "-m", "phase 1");
      await cli(dir, "rotate", "stage", "k2");
    },
    // "two steps in one pull request": base.json at phase 2, the ledger two steps further.
    beforeStep: {
      1: async (dir) => {
        fs.copyFileSync(path.join(dir, "stemguard.rotation.json"), path.join(dir, "base.json"));
        await cli(dir, "rotate", "activate", "k2");
        await cli(dir, "rotate", "retire", "k1");
      },
    },
  },
  "$ stemguard tls generate certs localhost,127.0.0.1 --days 365": {
    // The README runs the default RSA-4096; three of those take seconds, so the replay makes
    // 2048-bit keys and checks everything else, including the two lines that name the size.
    extraArgs: { 0: ["--key-size", "2048"] },
    expectedRewrites: [
      [/^tls: generating 3 RSA-4096 keys/m, "tls: generating 3 RSA-2048 keys"],
      [/\(RSA 4096, PKCS#8, unencrypted\)$/m, "(RSA 2048, PKCS#8, unencrypted)"],
      [/^( {2}public key {2}rsa) 4096$/m, "$1 2048"],
    ],
  },
  "$ stemguard demo": {
    excerpt: true,
  },
  "$ STEM_BROKER_URL=rediss://:s3cret-pw@127.0.0.1:16390/0 STEM_TLS_CA_CERT=certs/ca.crt STEM_TLS_CLIENT_CERT=certs/client.crt STEM_TLS_CLIENT_KEY=certs/client.key stemguard health --skip-backend":
    {
      unavailable: () => {
        const support = redisTlsSupport();
        return support.ok ? undefined : `${REDIS_TLS_SKIP} (${support.reason})`;
      },
      // certs/ from `tls generate` (2048-bit keys, to stay fast), served by a real redis-server
      // with mutual TLS and the README's password, on a free port instead of 16390.
      setup: async (dir) => {
        await cli(dir, "tls", "generate", "certs", "localhost,127.0.0.1", "--key-size", "2048");
        const certs = (name: string) => path.join(dir, "certs", name);
        const server = await startRedisTlsServer({ certFile: certs("server.crt"), keyFile: certs("server.key"), caFile: certs("ca.crt"), password: "s3cret-pw" });
        return { cleanup: () => server.stop(), rewrites: [[/@127\.0\.0\.1:16390\//g, `@127.0.0.1:${server.port}/`]] };
      },
    },
};

/** Blocks not replayed, with the reason. */
const SKIP: Readonly<Record<string, string>> = {
  "$ npm ci && npm run demo": "set-up of the repository itself (npm ci installs packages; npm test runs the whole suite), not a stemguard run",
  '$ eval "$(stemguard keys tf-vars --material material/ --name-prefix stem-fleet/signing)"':
    "feeds terraform plan (needs terraform and the provider mirror: test/integration); keys tf-vars itself is replayed in the keys block",
};

async function cli(dir: string, ...argv: string[]): Promise<void> {
  const io = fakeIo(dir);
  const code = await main(argv, io);
  if (code !== 0) throw new Error(`set-up: stemguard ${argv.join(" ")} exited ${code}: ${io.err()}`);
}

/**
 * The README's story: `rotate init k1 --algorithm hmac-sha256`, material for
 * `materialFor` keys (`keys generate --out material/<id>.env`), then stage k2,
 * activate k2 and retire k1 up to `phase`.
 */
async function walkthrough(dir: string, phase: 1 | 2 | 3 | 4, materialFor: readonly string[] = ["k1", "k2"]): Promise<void> {
  await cli(dir, "rotate", "init", "k1", "--algorithm", "hmac-sha256");
  for (const id of materialFor) await cli(dir, "keys", "generate", "--algorithm", "hmac-sha256", "--id", id, "--out", `material/${id}.env`);
  const steps = [["stage", "k2"], ["activate", "k2"], ["retire", "k1"]].slice(0, phase - 1);
  for (const [op, id] of steps) await cli(dir, "rotate", op, id);
}

function git(dir: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.email=readme@example.com", "-c", "user.name=readme", "-c", "commit.gpgsign=false", ...args], { cwd: dir, stdio: "pipe" });
}

/** Runs one `$` line in `dir`: what a terminal shows (stdout unless redirected, and stderr, in order) and the exit code. */
async function runStep(dir: string, command: string, extraArgs: readonly string[]): Promise<{ shown: string; code: number }> {
  const cmd = parseShellLine(command);
  const [program, ...args] = [...cmd.argv, ...extraArgs];
  let shown = "";
  let redirected = "";
  const stdout = (text: string) => void (cmd.stdoutFile === undefined ? (shown += text) : (redirected += text));
  let code: number;
  if (program === "stemguard") {
    const io = fakeIo(dir, { ...cmd.env });
    code = await main(args, { ...io, stdout, stderr: (text) => void (shown += text) });
  } else if (program === "sed") {
    // The README edits a file with sed between two stemguard runs: run the real one.
    const res = spawnSync("sed", args, { cwd: dir, encoding: "utf8", env: { ...process.env, ...cmd.env } });
    if (res.error) throw res.error;
    stdout(res.stdout);
    shown += res.stderr;
    code = res.status ?? 1;
  } else {
    throw new Error(`the replay runs stemguard and sed only, not ${program}: put the block on SKIP with a reason`);
  }
  if (cmd.stdoutFile !== undefined) fs.writeFileSync(path.resolve(dir, cmd.stdoutFile), redirected);
  return { shown, code };
}

const rewrite = (text: string, rules: Rewrites) => rules.reduce((t, [re, to]) => t.replace(re, to), text);
const lines = (text: string) => (text === "" ? [] : text.split("\n"));

const blocks = consoleBlocks(README);

describe("README console examples are real runs", () => {
  test("every console block is replayed or skip-listed with a reason, and both lists name only blocks the README has", () => {
    const keys = blocks.map((b) => b.key);
    expect(keys.length).toBeGreaterThanOrEqual(Object.keys(REPLAY).length);
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    expect(keys.filter((k) => !Object.hasOwn(REPLAY, k) && !Object.hasOwn(SKIP, k))).toEqual([]);
    expect([...Object.keys(REPLAY), ...Object.keys(SKIP)].filter((k) => !keys.includes(k))).toEqual([]);
    expect(Object.keys(REPLAY).filter((k) => Object.hasOwn(SKIP, k))).toEqual([]);
    for (const reason of Object.values(SKIP)) expect(reason.length).toBeGreaterThan(20);
  });

  for (const [key, reason] of Object.entries(SKIP)) {
    test.skip(`${key}: ${reason}`, () => undefined);
  }
  if (Object.keys(SKIP).length > 0) {
    console.warn(`SKIP: ${Object.keys(SKIP).length} README console blocks not replayed:\n${Object.entries(SKIP).map(([k, r]) => `  ${k}\n    ${r}`).join("\n")}`);
  }

  for (const block of blocks.filter((b) => Object.hasOwn(REPLAY, b.key))) {
    const spec = REPLAY[block.key];
    const title = `README line ${block.line} (${block.heading}): ${block.key}`;
    const unavailable = spec.unavailable?.();
    if (unavailable !== undefined) {
      console.warn(`SKIP: README block at line ${block.line} not replayed: ${unavailable}`);
      test.skip(title, () => undefined);
      continue;
    }
    test(title, async () => {
      expect(block.steps.length).toBeGreaterThan(0);
      expect(block.preamble.filter((l) => l.trim() !== "")).toEqual([]);
      const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sg-readme-")));
      let started: Started | void = undefined;
      try {
        started = await spec.setup?.(dir);
        for (const [i, step] of block.steps.entries()) {
          await spec.beforeStep?.[i]?.(dir);
          await expectStep(dir, step, spec, spec.extraArgs?.[i] ?? [], started?.rewrites ?? []);
        }
      } finally {
        await started?.cleanup?.();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

async function expectStep(dir: string, step: ConsoleStep, spec: Replay, extraArgs: readonly string[], chosen: Rewrites): Promise<void> {
  const { shown, code } = await runStep(dir, rewrite(step.command, chosen), extraArgs);
  const actual = lines(rewrite(rewrite(shown.split(dir).join(README_DIR), spec.material ?? []), VARIES).replace(/\s+$/, ""));
  const expected = lines(rewrite(rewrite(rewrite(step.output.join("\n"), chosen), spec.expectedRewrites ?? []), VARIES));
  const same = spec.excerpt ? matchesExcerpt(expected, actual) : actual.join("\n") === expected.join("\n");
  // One string per side, so a failure shows the README line, the command and a line diff.
  const title = `README line ${step.line}: $ ${step.command}`;
  const real = `${title}\n${actual.join("\n")}\n[exit ${code}]`;
  const readme = `${title}\n${expected.join("\n")}\n[exit ${step.exitCode}]`;
  if (!same || code !== step.exitCode) expect(real).toBe(readme);
}

describe("the console-block reader the replay relies on", () => {
  test("splits blocks into $ steps with output and exit codes, across longer fences and continuation lines", () => {
    const md = ["## A", "````console", "$ x a \\", "  b   # note", "out", "```", "", "[exit 3]", "$ y", "````", "```ts", "$ not console", "```"].join("\n");
    const [block] = consoleBlocks(md);
    expect(consoleBlocks(md)).toHaveLength(1);
    expect(block).toMatchObject({ key: "$ x a b", heading: "A", line: 2 });
    expect(block.steps).toEqual([
      { command: "x a b   # note", output: ["out", "```"], exitCode: 3, line: 3 },
      { command: "y", output: [], exitCode: 0, line: 9 },
    ]);
  });

  test("parses assignments, quotes, one stdout redirection and comments", () => {
    expect(parseShellLine(`A=1 stemguard sed 's/"a":0/"a":1/' x > out.json   # why`)).toEqual({ env: { A: "1" }, argv: ["stemguard", "sed", 's/"a":0/"a":1/', "x"], stdoutFile: "out.json" });
  });

  test.each([["a | b"], ["a && b"], ["a 2> f"], ['eval "$(a)"'], ["a *.env"], ["a >> f"]])("fails on shell syntax it does not replay: %s", (line) => {
    expect(() => parseShellLine(line)).toThrow(/not supported|unsupported/);
  });

  test("matches excerpts: ... stands for any lines, the rest in order and exact", () => {
    expect(matchesExcerpt(["a", "...", "d"], ["a", "b", "c", "d"])).toBe(true);
    expect(matchesExcerpt(["...", "b", "...", "d"], ["a", "b", "c", "d"])).toBe(true);
    expect(matchesExcerpt(["a", "...", "c", "b"], ["a", "b", "c", "d"])).toBe(false);
    expect(matchesExcerpt(["a", "b"], ["a", "b", "c"])).toBe(false);
  });
});
