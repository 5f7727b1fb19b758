import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REDIS_TLS_SKIP, redisTlsSupport, startRedisTlsServer } from "../support/redis-server";
import { consoleBlocks, fencedBlocks, type ConsoleBlock } from "./console-blocks";
import { cli, describeReplays, renderTerminal, walkthrough, type Replay, type Started } from "./replay";

/**
 * The ```console blocks of docs/*.md that run stemguard are real runs: each
 * one is replayed through the CLI in-process (./replay.ts) and its text must
 * equal what the CLI prints. A block that cannot be replayed is on its file's
 * skip list with the reason. Blocks that only run terraform, kubectl or a
 * shell are not console runs of stemguard and stay out.
 */

const DOCS_DIR = path.resolve(__dirname, "../../docs");

/** A `$` line that runs stemguard (also inside `$(...)`, so such a block must be listed too). */
const RUNS_STEMGUARD = /(?:^|[\s(])stemguard(?:\s|$)/;

interface DocReplays {
  /** The file shows the directory of its runs as this path. */
  readonly shownDir: string;
  readonly replay: Readonly<Record<string, Replay>>;
  readonly skip: Readonly<Record<string, string>>;
}

/**
 * tls.md's runs used the default RSA-4096. Such keys take seconds each, so the
 * replay makes 2048-bit keys and checks everything else, including the lines
 * that name the size.
 */
const KEY_SIZE_2048 = ["--key-size", "2048"] as const;

/** The certs/ bundle of tls.md's generate run (2048-bit), made once per file and copied into each block's directory. */
let certsCache: Promise<string> | undefined;
const cacheDirs: string[] = [];
afterAll(() => {
  for (const dir of cacheDirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function certs(dir: string): Promise<void> {
  certsCache ??= (async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "sg-docs-certs-"));
    cacheDirs.push(cache);
    await cli(cache, "tls", "generate", "certs", "redis.internal, localhost,127.0.0.1", ...KEY_SIZE_2048);
    return path.join(cache, "certs");
  })();
  fs.cpSync(await certsCache, path.join(dir, "certs"), { recursive: true, preserveTimestamps: true });
}

/** tls.md's CA rotation up to phase 4 (2048-bit keys; reissued leaves keep their size). */
async function caRotation(dir: string): Promise<void> {
  await cli(dir, "tls", "ca", "init", "redis-ca-2026", "redis.internal,localhost,127.0.0.1", ...KEY_SIZE_2048);
  await cli(dir, "tls", "ca", "stage-ca", "redis-ca-2027", ...KEY_SIZE_2048);
  await cli(dir, "tls", "ca", "reissue-leaves");
  await cli(dir, "tls", "ca", "retire-ca", "redis-ca-2026");
}

/** health.md: "Every run had these settings". */
const HEALTH_ENV = { STEM_TLS_CA_CERT: "certs/ca.crt", STEM_TLS_CLIENT_CERT: "certs/client.crt", STEM_TLS_CLIENT_KEY: "certs/client.key" };
const HEALTH_PASSWORD = "Demo-pass.42";

const redisUnavailable = () => {
  const support = redisTlsSupport();
  return support.ok ? undefined : `${REDIS_TLS_SKIP} (${support.reason})`;
};

/** health.md's server: redis-server with mutual TLS over certs/ and the doc's password, on a free port instead of 16380. */
async function healthRedis(dir: string): Promise<Started> {
  await certs(dir);
  const file = (name: string) => path.join(dir, "certs", name);
  const server = await startRedisTlsServer({ certFile: file("server.crt"), keyFile: file("server.key"), caFile: file("ca.crt"), password: HEALTH_PASSWORD });
  return { cleanup: () => server.stop(), rewrites: [[/@(127\.0\.0\.1|localhost):16380\//g, `@$1:${server.port}/`]] };
}

const DOCS: Readonly<Record<string, DocReplays>> = {
  "rotation.md": {
    shownDir: "/srv/stem",
    replay: {
      "$ stemguard rotate workers --sign": {
        // An Ed25519 ledger created with --verify-only-workers, k2 staged (phase 2).
        setup: async (dir) => {
          await cli(dir, "rotate", "init", "k1", "--algorithm", "ed25519", "--verify-only-workers");
          await cli(dir, "rotate", "stage", "k2");
        },
      },
      "$ stemguard rotate stage k2": { setup: (dir) => walkthrough(dir, 1, []), commandsOnly: true },
      "$ stemguard rotate init k1 --algorithm hmac-sha256 --producers-first": { commandsOnly: true },
    },
    skip: {},
  },
  "tls.md": {
    shownDir: "/tmp/stemguard-demo",
    replay: {
      '$ stemguard tls generate certs "redis.internal, localhost,127.0.0.1"': {
        tty: true,
        extraArgs: { 0: KEY_SIZE_2048 },
        expectedRewrites: [[/\(RSA 4096, PKCS#8, unencrypted\)$/m, "(RSA 2048, PKCS#8, unencrypted)"]],
      },
      '$ stemguard tls generate x "redis.internal,127.0.0.1:6379"': { tty: true },
      "$ stemguard tls inspect certs/server.crt --ca certs/ca.crt --key certs/server.key": {
        setup: certs,
        expectedRewrites: [[/^( {2}public key {2}rsa) 4096$/m, "$1 2048"]],
      },
      "$ stemguard tls inspect certs --warn-days 400": { setup: certs, excerpt: true },
      "$ stemguard tls ca init redis-ca-2026 redis.internal,localhost,127.0.0.1": {
        tty: true,
        extraArgs: { 0: KEY_SIZE_2048, 1: KEY_SIZE_2048 },
      },
      "$ stemguard tls inspect tls/redis-ca-2026/server.crt --ca tls/trust-bundle.crt": { setup: caRotation, excerpt: true },
    },
    skip: {},
  },
  "redis.md": {
    shownDir: "/tmp/stemguard-demo",
    replay: { "$ stemguard redis init --mode plain": {} }, // a fresh directory
    skip: {},
  },
  "health.md": {
    shownDir: "/tmp/stemguard-demo",
    replay: {
      "$ STEM_BROKER_URL='rediss://:Demo-pass.42@127.0.0.1:16380/0' STEM_RESULT_BACKEND_URL='rediss://:Demo-pass.42@localhost:16380/1' stemguard health":
        { unavailable: redisUnavailable, setup: healthRedis, env: HEALTH_ENV },
      "$ stemguard health": { setup: certs, env: HEALTH_ENV },
      "$ STEM_BROKER_URL='rediss://alice:Demo-pass.42@127.0.0.1:16380/0' stemguard health --json": {
        unavailable: redisUnavailable,
        setup: healthRedis,
        env: HEALTH_ENV,
      },
    },
    skip: {},
  },
};

const docFiles = fs.readdirSync(DOCS_DIR).filter((f) => f.endsWith(".md")).sort();
const runsStemguard = (block: ConsoleBlock) => block.steps.some((s) => RUNS_STEMGUARD.test(s.command));

describe("docs/*.md console examples are real runs", () => {
  test("every docs file with replay or skip lists exists, and no stemguard run hides in a fence that is not ```console", () => {
    expect(Object.keys(DOCS).filter((f) => !docFiles.includes(f))).toEqual([]);
    const hidden = docFiles.flatMap((f) =>
      fencedBlocks(fs.readFileSync(path.join(DOCS_DIR, f), "utf8"))
        .filter((b) => b.lang !== "console" && b.body.some((l) => l.startsWith("$ ") && RUNS_STEMGUARD.test(l)))
        .map((b) => `docs/${f} line ${b.line}`),
    );
    expect(hidden).toEqual([]);
  });

  for (const file of docFiles) {
    const blocks = consoleBlocks(fs.readFileSync(path.join(DOCS_DIR, file), "utf8")).filter(runsStemguard);
    // A file without lists: any stemguard block in it fails the first check.
    const lists = DOCS[file] ?? { shownDir: "/tmp/stemguard-demo", replay: {}, skip: {} };
    describe(`docs/${file}`, () => describeReplays({ name: `docs/${file}`, blocks, ...lists }));
  }
});

describe("helpers the docs replay adds", () => {
  test("renders a terminal: carriage returns overwrite, ESC[2K erases the line", () => {
    expect(renderTerminal("\r| gen  0%\r/ gen 50%\r\u001b[2Kwrote 6 files\nnext\n")).toBe("wrote 6 files\nnext\n");
    expect(renderTerminal("abcdef\rXY\n")).toBe("XYcdef\n");
  });

  test("fails on escape sequences it does not render", () => {
    expect(() => renderTerminal("\u001b[31mred\u001b[0m")).toThrow(/escape sequence/);
  });

  test("lists every fence with its language, heading and line", () => {
    const md = ["# H", "```", "$ stemguard x", "```", "## I", "````console", "```", "````"].join("\n");
    expect(fencedBlocks(md)).toEqual([
      { lang: "", heading: "H", line: 2, body: ["$ stemguard x"] },
      { lang: "console", heading: "I", line: 6, body: ["```"] },
    ]);
  });

  test("finds stemguard runs on $ lines, also inside $(...), and not other programs", () => {
    expect(["stemguard tls ca status", "A=1 stemguard health", 'eval "$(stemguard keys tf-vars)"'].every((c) => RUNS_STEMGUARD.test(c))).toBe(true);
    expect(["terraform plan", "kubectl get pods", "echo stemguard-demo"].some((c) => RUNS_STEMGUARD.test(c))).toBe(false);
  });
});
