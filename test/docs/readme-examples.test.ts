import * as fs from "node:fs";
import * as path from "node:path";
import Redis from "ioredis";
import { REDIS_SKIP, startRedisServer } from "../support/redis-plain-server";
import { REDIS_TLS_SKIP, findRedisServer, redisTlsSupport, startRedisTlsServer } from "../support/redis-server";
import { createQueueGroups, deadLetter, deliver, delay, envelope, publish } from "../support/stem-broker-seed";
import { consoleBlocks, matchesExcerpt, parseShellLine } from "./console-blocks";
import { B64_32, cli, describeReplays, git, walkthrough, type Replay } from "./replay";

/**
 * The README's ```console blocks are real runs: each one is replayed through
 * the CLI in-process (./replay.ts) and its text must equal what the CLI prints
 * (stdout and stderr as a terminal shows them, then `[exit N]`). A block that
 * cannot be replayed here is on SKIP with the reason.
 */

const ROOT = path.resolve(__dirname, "../..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const FIXTURES = path.join(ROOT, "test/fixtures");
/** The README shortens the directory of its runs to this ("paths shortened"). */
const README_DIR = "/tmp/rd";

const REPLAY: Readonly<Record<string, Replay>> = {
  "$ stemguard rotate retire k1 --broker redis://127.0.0.1:6379/0 --gate-interval 500": brokerReplay(true),
  "$ stemguard census --broker redis://127.0.0.1:6379/0": brokerReplay(false),
  "$ stemguard rotate stage k2": {
    setup: (dir) => walkthrough(dir, 1, []),
  },
  "$ stemguard rotate init k1 --algorithm ed25519 --verify-only-workers": {}, // a fresh directory
  "$ stemguard redis init --mode plain": {}, // a fresh directory
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
  "$ stemguard sign --signing-env worker.env --envelope task.json > signed.json": {
    setup: async (dir) => {
      await walkthrough(dir, 2);
      await cli(dir, "env", "render", "--role", "worker", "--material", "material", "--out", "worker.env");
      fs.copyFileSync(path.join(FIXTURES, "envelopes", "contract-vector.json"), path.join(dir, "task.json"));
    },
  },
  "$ stemguard cadence stemguard.rotation.json --max-age 90 --since 2026-09-01": {
    // A repository at phase 1 (the manifest declares the ledger); --today and --since fix the clock.
    setup: async (dir) => {
      git(dir, "init", "-q", "-b", "main");
      await walkthrough(dir, 1, []);
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
  // Promoting staging by one step: the fleet's ledgers kept in envs/, two synths, their review.
  "$ stemguard demo --quiet --services 1 --fleet-services 4 --out base --fleet-ledgers envs": {
    excerpt: true,
  },
  // The progress lines on stderr are the excerpt's "..."; every phase's diff is checked.
  "$ stemguard demo --redis": {
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

/**
 * The README's broker during the drain: one task signed with k1 pending (a
 * worker holds it), its lease-extension copy and one more k1 task delayed,
 * one k2 task ready, a dead letter signed with a key nobody trusts, on a
 * real redis-server (a free port instead of 6379).
 */
async function drainingBroker(): Promise<{ server: Awaited<ReturnType<typeof startRedisServer>>; admin: Redis; drain: () => Promise<void> }> {
  const server = await startRedisServer();
  const admin = new Redis(server.port, "127.0.0.1");
  await createQueueGroups(admin, "default");
  const held = envelope("default", "k1", { id: "3f6c2a9e-0b1d-4c55-9e3a-1d2b7c8e9f01" });
  await publish(admin, held);
  const [heldId] = await deliver(admin, "default", 0, "worker-1", 1);
  const later = envelope("default", "k1", { id: "8a41d5c0-7e22-4f0b-b6c9-5e4d3c2b1a02" });
  await delay(admin, later, new Date("2026-12-08T06:00:00Z"));
  await publish(admin, envelope("default", "k2", { id: "c9e8d7f6-5a4b-4c3d-8e2f-1a0b9c8d7e03" }));
  await deadLetter(admin, envelope("default", "old", { id: "d1c2b3a4-9f8e-4d7c-a6b5-4c3d2e1f0a04" }), "signature-invalid", { error: 'unknown signing key "old"', keyId: "old" });
  // The drain as workers do it: the held task is acked, the delayed one moves to the stream and is consumed.
  const drain = async () => {
    await admin.xack("stem:stream:default", "stem:group:default", heldId);
    await admin.zrem("stem:delayed:default", later.with({ notBefore: new Date("2026-12-08T06:00:00Z") }).toJson());
  };
  return { server, admin, drain };
}

function brokerUnavailable(): string | undefined {
  return findRedisServer() ? undefined : REDIS_SKIP;
}

/** The broker blocks: a draining broker; the rotate block also has the ledger at phase 3 and drains before its second step. */
function brokerReplay(afterFirst: boolean): Replay {
  let broker: Awaited<ReturnType<typeof drainingBroker>> | undefined;
  return {
    unavailable: brokerUnavailable,
    setup: async (dir) => {
      if (afterFirst) await walkthrough(dir, 3, []);
      broker = await drainingBroker();
      const b = broker;
      return {
        cleanup: async () => {
          b.admin.disconnect();
          await b.server.stop();
        },
        rewrites: [[/127\.0\.0\.1:6379\//g, `127.0.0.1:${b.server.port}/`]],
      };
    },
    ...(afterFirst ? { beforeStep: { 1: () => broker!.drain() } } : {}),
  };
}

/** Blocks not replayed, with the reason. */
const SKIP: Readonly<Record<string, string>> = {
  "$ npm ci && npm run demo": "set-up of the repository itself (npm ci installs packages; npm test runs the whole suite), not a stemguard run",
  '$ eval "$(stemguard keys tf-vars --material material/ --name-prefix stem-fleet/signing)"':
    "feeds terraform plan (needs terraform and the provider mirror: test/integration); keys tf-vars itself is replayed in the keys block",
};

describe("README console examples are real runs", () => {
  describeReplays({ name: "README", blocks: consoleBlocks(README), shownDir: README_DIR, replay: REPLAY, skip: SKIP });
});

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
