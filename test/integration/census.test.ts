/**
 * The census against Debian's real redis-server, seeded in Stem's exact
 * broker layout by stemguard's own signer (test/support/stem-broker-seed.ts):
 * exact counts, the same run as the read-only ACL user (whose writes are
 * refused), nothing changed by a census (keys, groups, last-delivered ids,
 * PEL idle times and delivery counts), the drain gate's exit codes (also in
 * `rotate retire/enforce --broker`), connection/TLS failures, the exporter
 * over HTTP and the EMF lines. One redis-server for the file.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Redis from "ioredis";
import { main } from "../../lib/cli/main";
import { runCensus } from "../../lib/core/census/census";
import { startCensusExporter } from "../../lib/core/census/exporter";
import { runDrainGate } from "../../lib/core/census/gate";
import { connectCensusRedis } from "../../lib/core/census/ioredis-reader";
import { censusOnce, planCensusTarget } from "../../lib/core/census/run-census";
import { CENSUS_COMMANDS } from "../../lib/core/census/reader";
import type { CensusReport } from "../../lib/core/census/types";
import { CENSUS_EMF, CENSUS_LABELS, CENSUS_PROMETHEUS } from "../../lib/core/metrics/census-metrics";
import { CENSUS_USER_NAME } from "../../lib/core/redis/census-user";
import { redisPasswordHash } from "../../lib/core/redis/password";
import { renderUsersAcl } from "../../lib/core/redis/server-config";
import { BIN, builtCliProblem } from "../support/built-cli";
import { fakeIo } from "../support/fake-io";
import { HAS_OPENSSL, openssl } from "../support/openssl";
import { REDIS_SKIP, startRedisServer, type RedisPlainServer } from "../support/redis-plain-server";
import { findRedisServer } from "../support/redis-server";
import { SEEDED, envelope, publish, seedStemBroker, streamFields } from "../support/stem-broker-seed";

const available = findRedisServer() !== undefined;
const describeRedis = available ? describe : describe.skip;
if (!available) console.warn(REDIS_SKIP);

const CENSUS_PASSWORD = "census-password-0123456789-abcdefghij";
const LEAKY_KEY = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkw"; // material pasted where a key id belongs

async function cli(args: string[], cwd = os.tmpdir()): Promise<{ code: number; out: string; err: string }> {
  const io = fakeIo(cwd);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** The census without what varies between two runs (timing, the URL shown). */
function counts(report: CensusReport & { broker?: string }): Omit<CensusReport, "startedAt" | "durationMs"> {
  const { startedAt: _s, durationMs: _d, broker: _b, ...rest } = report;
  return rest;
}

/** Everything a census must not change, read as the admin. */
async function snapshot(redis: Redis): Promise<unknown> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "COUNT", 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0");
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    const type = await redis.type(key);
    const entry: Record<string, unknown> = { type };
    if (type === "stream") {
      entry.length = await redis.xlen(key);
      entry.info = ((await redis.call("XINFO", "STREAM", key)) as unknown[]).filter((_, i, a) => i % 2 === 1 && ["length", "last-generated-id", "entries-added", "max-deleted-entry-id"].includes(String(a[i - 1])));
      const groups = (await redis.call("XINFO", "GROUPS", key)) as unknown[][];
      entry.groups = [];
      for (const g of groups) {
        const fields = Object.fromEntries(g.reduce<[string, unknown][]>((acc, v, i) => (i % 2 === 0 ? [...acc, [String(v), g[i + 1]]] : acc), []));
        const pel = (await redis.xpending(key, String(fields.name), "-", "+", 1000)) as [string, string, number, number][];
        (entry.groups as unknown[]).push({ name: fields.name, lastDelivered: fields["last-delivered-id"], entriesRead: fields["entries-read"], pending: fields.pending, consumers: fields.consumers, pel: pel.map(([id, consumer, idle, deliveries]) => ({ id, consumer, idle, deliveries })) });
      }
    } else if (type === "zset") entry.members = await redis.zrange(key, 0, -1, "WITHSCORES");
    else if (type === "list") entry.items = await redis.lrange(key, 0, -1);
    else if (type === "string") entry.value = await redis.get(key);
    else if (type === "hash") entry.value = await redis.hgetall(key);
    else if (type === "set") entry.value = (await redis.smembers(key)).sort();
    out[key] = entry;
  }
  return out;
}

/** Idle times only grow, by at most the time that passed; everything else is equal. */
function expectUnchanged(before: unknown, after: unknown, elapsedMs: number): void {
  const idles: [number, number][] = [];
  const strip = (value: unknown, into: number[]): unknown =>
    JSON.parse(JSON.stringify(value), (k, v) => {
      if (k === "idle") {
        into.push(v as number);
        return 0;
      }
      return v;
    });
  const a: number[] = [];
  const b: number[] = [];
  expect(strip(after, b)).toEqual(strip(before, a));
  a.forEach((idle, i) => idles.push([idle, b[i]]));
  expect(idles.length).toBeGreaterThan(0);
  for (const [was, is] of idles) {
    expect(is).toBeGreaterThanOrEqual(was);
    expect(is - was).toBeLessThanOrEqual(elapsedMs + 50);
  }
}

describeRedis("stemguard census on a real redis-server seeded in Stem's layout", () => {
  let server: RedisPlainServer;
  let admin: Redis;
  let url: string;
  let censusUrl: string;
  let work: string;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "sg-census-"));
    // The server runs the users.acl `stemguard redis render --census-password-file` writes (plain phase, the census user added).
    fs.writeFileSync(path.join(work, "census.password"), `${CENSUS_PASSWORD}\n`, { mode: 0o600 });
    expect((await cli(["redis", "init", "--mode", "plain"], work)).code).toBe(0);
    const rendered = await cli(["redis", "render", "--census-password-file", "census.password", "--out", "redis-conf"], work);
    expect(rendered).toMatchObject({ code: 0, out: expect.stringContaining("census user stemguard-census") });
    const acl = fs.readFileSync(path.join(work, "redis-conf/users.acl"), "utf8");
    expect(acl).toBe(renderUsersAcl({ mode: "plain", clientAuth: "no", acceptedPasswords: [] }, () => "", [], { censusUser: { passwordHash: redisPasswordHash(CENSUS_PASSWORD) } }));
    expect(acl).not.toContain(CENSUS_PASSWORD);
    server = await startRedisServer({ aclFile: acl });
    url = `${server.url}/0`;
    censusUrl = `redis://${CENSUS_USER_NAME}:${CENSUS_PASSWORD}@127.0.0.1:${server.port}/0`;
    admin = new Redis(server.port, "127.0.0.1");
    await seedStemBroker(admin);
    // db 2: a message whose key id and envelope id look like material.
    await admin.select(2);
    await admin.xadd("stem:stream:leaky", "*", ...streamFields(envelope("leaky", "k1", { id: LEAKY_KEY }), {}).map((v) => v.replace('"stem-signature-key":"k1"', `"stem-signature-key":"${LEAKY_KEY}"`)));
    await admin.select(0);
  });

  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test("counts live messages per queue and key exactly, dead letters per reason, acked history apart, control queues skipped (pages of 2)", async () => {
    const { code, out, err } = await cli(["census", "--broker", url, "--json", "--page-size", "2"]);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    const report = JSON.parse(out);
    expect(report.ok).toBe(true);
    expect(report.live).toEqual(SEEDED.live);
    expect(report.liveTotal).toBe(16);
    expect(report.liveByQueue).toEqual(SEEDED.liveByQueue);
    expect(report.acked).toEqual(SEEDED.acked);
    expect(report.dead).toEqual(SEEDED.dead);
    expect(report.deadDetail.default["signature-invalid"]).toEqual({
      count: 3,
      errors: { "missing signature headers": 1, "signature mismatch": 1, "unknown signing key": 1 },
      failedKeys: { k1: 1, old: 1 },
      signingKeys: { "(unsigned)": 1, k1: 1, old: 1 },
    });
    expect(report.deadDetail.default["unregistered-task"].errors).toEqual({ none: 1 });
    expect(report.deadDetail.default["max-retries-exhausted"].errors).toEqual({ other: 1 });
    expect(report.deadDetail.emails["signature-invalid"].failedKeys).toEqual({ ed1: 1 });
    expect(report.skippedControlQueues).toEqual(SEEDED.skippedControlQueues);
    expect(report.queues).toEqual(["default", "emails"]);
    expect(report.broadcasts).toEqual(["alerts", "news"]);
    expect(report.dedup).toEqual({ limit: 100000, tracked: 16, duplicates: SEEDED.duplicates, exhausted: false });
    expect(report.oldest.k1).toEqual({ queue: "default", structure: "pending", envelopeId: expect.stringMatching(/^00000000-0000-4000-8000-/), enqueuedAt: expect.stringMatching(/^2026-12-01T/) });
    expect(report.pendingWithoutEntry).toBe(0);
    // Only the census's read-only commands were sent.
    expect(Object.keys(report.commands).every((c) => (CENSUS_COMMANDS as readonly string[]).includes(c))).toBe(true);
  });

  test("the read-only ACL user (users.acl from `stemguard redis render --census-password-file`) gets the same census, and every write (and any key outside stem:*) is refused for it", async () => {
    const asAdmin = await cli(["census", "--broker", url, "--json"]);
    const asCensus = await cli(["census", "--broker", censusUrl, "--json"]);
    expect(asCensus.code).toBe(0);
    expect(asCensus.err).not.toContain("ACL user"); // the census sends the user, unlike Stem: no warning about it
    expect(counts(JSON.parse(asCensus.out))).toEqual(counts(JSON.parse(asAdmin.out)));
    const ro = new Redis({ port: server.port, host: "127.0.0.1", username: CENSUS_USER_NAME, password: CENSUS_PASSWORD, maxRetriesPerRequest: 0, enableReadyCheck: false });
    try {
      expect(await ro.xlen("stem:stream:default")).toBe(7);
      const writes: [string, ...(string | number)[]][] = [
        ["XADD", "stem:stream:default", "*", "id", "x"],
        ["XREADGROUP", "GROUP", "stem:group:default", "c", "COUNT", 1, "STREAMS", "stem:stream:default", ">"],
        ["XGROUP", "CREATE", "stem:stream:default", "g2", "0"],
        ["XCLAIM", "stem:stream:default", "stem:group:default", "c", 0, "0-1"],
        ["XAUTOCLAIM", "stem:stream:default", "stem:group:default", "c", 0, "0-0"],
        ["XACK", "stem:stream:default", "stem:group:default", "0-1"],
        ["ZADD", "stem:delayed:default", 1, "x"],
        ["LPUSH", "stem:dead:default", "x"],
        ["DEL", "stem:stream:default"],
        ["SET", "stem:x", "1"],
        ["KEYS", "stem:*"],
        ["CONFIG", "GET", "maxmemory"],
        ["INFO"],
        ["XRANGE", "other:stream:x", "-", "+"],
        ["PUBLISH", "stem:heartbeat:stem", "x"],
      ];
      for (const [command, ...args] of writes) {
        await expect(ro.call(command, ...args)).rejects.toThrow(/^NOPERM/);
      }
    } finally {
      ro.disconnect();
    }
  });

  test("a census changes nothing: keys, stream groups and last-delivered ids, PEL entries with idle times and delivery counts", async () => {
    const before = await snapshot(admin);
    const started = Date.now();
    expect((await cli(["census", "--broker", censusUrl, "--page-size", "1"])).code).toBe(0);
    expect((await cli(["census", "--broker", url, "--key", "k2", "--interval", "0"])).code).toBe(1);
    const after = await snapshot(admin);
    expectUnchanged(before, after, Date.now() - started);
    // The claimed entry really has 2 deliveries: the comparison covers delivery counts.
    expect(JSON.stringify(before)).toContain('"deliveries":2');
  });

  test("the drain gate: exit 1 while a live message is signed with the key (and where), 0 after two clean passes", async () => {
    const live = await cli(["census", "--broker", url, "--key", "k1", "--interval", "0"]);
    expect(live.code).toBe(1);
    expect(live.out).toBe("");
    expect(live.err).toContain('drain gate "k1", pass 1 of 2: 7 live messages signed with "k1"');
    expect(live.err).toMatch(/broadcast:news\s+broadcast\s+2\n\s+default\s+ready\s+2\n\s+default\s+pending\s+2\n\s+default\s+delayed\s+1\n/);
    expect(live.err).toMatch(/oldest: 2026-12-01T00:00:0\d\.000Z in default \(pending\)/);
    expect(live.err).not.toContain("pass 2 of 2");

    const clean = await cli(["census", "--broker", url, "--key", "k1", "--queue", "emails", "--interval", "0", "--json"]);
    expect(clean.code).toBe(0);
    expect(clean.err).toContain('pass 2 of 2: no live message signed with "k1"');
    const json = JSON.parse(clean.out);
    expect(json.gate).toMatchObject({ key: "k1", drained: true, passes: [{ live: 0, clean: true }, { live: 0, clean: true }] });
    expect(json.census.live).toEqual({ ed1: 1 });

    // Dead letters signed with a key do not block its gate; they are named.
    const old = await cli(["census", "--broker", url, "--key", "old", "--interval", "0"]);
    expect(old.code).toBe(0);
    expect(old.err).toContain('note: 1 dead letter signed with "old"');
    expect((await cli(["census", "--broker", url, "--key", "(unsigned)", "--queue", "emails", "--interval", "0"])).code).toBe(0);
    expect((await cli(["census", "--broker", url, "--key", "(unsigned)", "--interval", "0"])).code).toBe(1);
  });

  test("the gate needs two clean passes in a row: a message that appears between them fails it", async () => {
    const target = planCensusTarget({ env: {}, broker: url });
    const queue = "gate-race";
    const result = await runDrainGate(() => censusOnce(target, { queues: [queue] }), {
      keyId: "k2",
      sleep: async () => void (await publish(admin, envelope(queue, "k2"))),
    });
    expect(result.drained).toBe(false);
    expect(result.passes.map((p) => p.clean)).toEqual([true, false]);
    expect(result.passes[1].locations).toEqual([{ queue, structure: "ready", count: 1 }]);
    await admin.del(`stem:stream:${queue}`);
  });

  test("rotate retire K --broker and rotate enforce --broker run the gate and write nothing while it fails", async () => {
    const dir = fs.mkdtempSync(path.join(work, "rotate-"));
    for (const step of [["init", "k1", "--algorithm", "hmac-sha256"], ["stage", "k2"], ["activate", "k2"]]) expect((await cli(["rotate", ...step], dir)).code).toBe(0);
    const ledger = path.join(dir, "stemguard.rotation.json");
    const text = fs.readFileSync(ledger, "utf8");
    const refused = await cli(["rotate", "retire", "k1", "--broker", url, "--gate-interval", "0"], dir);
    expect(refused.code).toBe(1);
    expect(refused.out).toBe("");
    expect(refused.err).toContain("stemguard: the ledger was not written");
    expect(fs.readFileSync(ledger, "utf8")).toBe(text);
    // Database 1 is empty: drained, so the step is written.
    const drained = await cli(["rotate", "retire", "k1", "--broker", `${server.url}/1`, "--gate-interval", "0"], dir);
    expect(drained.code).toBe(0);
    expect(drained.out).toContain('retire "k1"');
    expect(JSON.parse(fs.readFileSync(ledger, "utf8")).keys.find((k: { id: string }) => k.id === "k1").state).toBe("retired");

    const pf = fs.mkdtempSync(path.join(work, "enforce-"));
    expect((await cli(["rotate", "init", "k1", "--algorithm", "hmac-sha256", "--producers-first"], pf)).code).toBe(0);
    const pfText = fs.readFileSync(path.join(pf, "stemguard.rotation.json"), "utf8");
    const unsigned = await cli(["rotate", "enforce", "--broker", censusUrl, "--gate-interval", "0", "--json"], pf);
    expect(unsigned.code).toBe(1);
    expect(JSON.parse(unsigned.out)).toMatchObject({ ok: false, exitCode: 1, gate: { key: "(unsigned)", drained: false } });
    expect(fs.readFileSync(path.join(pf, "stemguard.rotation.json"), "utf8")).toBe(pfText);
    expect((await cli(["rotate", "enforce", "--broker", `${server.url}/1`, "--gate-interval", "0"], pf)).code).toBe(0);
  });

  test("connection, AUTH and TLS failures exit 70; bad usage exits 64", async () => {
    const closed = await cli(["census", "--broker", "redis://127.0.0.1:1/0"]);
    expect(closed.code).toBe(70);
    expect(closed.err).toContain("cannot connect to redis://127.0.0.1:1/0: connect ECONNREFUSED");
    const auth = await cli(["census", "--broker", `redis://${CENSUS_USER_NAME}:wrong-password-0123456789abcdef@127.0.0.1:${server.port}/0`, "--json"]);
    expect(auth.code).toBe(70);
    expect(auth.err).not.toContain("wrong-password");
    expect(JSON.parse(auth.out)).toMatchObject({ ok: false, exitCode: 70, error: { failure: "connection" } });
    const tls = await cli(["census", "--broker", `rediss://127.0.0.1:${server.port}/0`, "--timeout", "300"]);
    expect(tls.code).toBe(70);
    expect((await cli(["rotate", "enforce", "--broker", "redis://127.0.0.1:1/0"], work)).code).toBe(64); // no ledger: refused before any connection
    for (const args of [["--format", "xml"], ["--serve", "9464", "--key", "k1"], ["--key", "bad key"], ["--json", "--format", "emf"], ["--page-size", "0"], ["--certificate", "/nonexistent.crt"]]) {
      expect({ args, code: (await cli(["census", "--broker", url, ...args])).code }).toEqual({ args, code: 64 });
    }
  });

  test("key ids and envelope ids that look like material are redacted in every output", async () => {
    const db2 = `${server.url}/2`;
    for (const format of ["text", "json", "emf"]) {
      const run = await cli(["census", "--broker", db2, "--format", format]);
      expect(run.code).toBe(0);
      expect(run.out).not.toContain(LEAKY_KEY);
      expect(run.out).toContain(`<redacted ${LEAKY_KEY.length} chars>`);
    }
    const gate = await cli(["census", "--broker", db2, "--key", "k1", "--interval", "0"]);
    expect(gate.err + gate.out).not.toContain(LEAKY_KEY);
  });

  test("--format emf prints one census as CloudWatch EMF lines with the namespace, metric names and dimensions of census-metrics.ts", async () => {
    const certDir = fs.mkdtempSync(path.join(work, "certs-"));
    const certificate = path.join(certDir, "redis-ca.crt");
    if (HAS_OPENSSL) openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30", "-subj", "/CN=census", "-keyout", path.join(certDir, "k.pem"), "-out", certificate]);
    else console.warn("SKIP: openssl not found; the EMF certificate line is not checked");
    const { code, out } = await cli(["census", "--broker", censusUrl, "--format", "emf", ...(HAS_OPENSSL ? ["--certificate", certificate] : [])]);
    expect(code).toBe(0);
    const lines = out.trim().split("\n").map((l) => JSON.parse(l));
    const dims = Object.values(CENSUS_EMF.dimensions) as string[];
    for (const line of lines) {
      const [spec] = line._aws.CloudWatchMetrics;
      expect(spec.Namespace).toBe(CENSUS_EMF.namespace);
      expect(typeof line._aws.Timestamp).toBe("number");
      for (const d of spec.Dimensions[0]) expect(dims).toContain(d);
      for (const d of spec.Dimensions[0]) expect(typeof line[d]).toBe("string");
      expect(typeof line[spec.Metrics[0].Name]).toBe("number");
    }
    const of = (name: string) => lines.filter((l) => l._aws.CloudWatchMetrics[0].Metrics[0].Name === name);
    const D = CENSUS_EMF.dimensions;
    expect(of(CENSUS_EMF.liveMessages).map((l) => [l[D.queue], l[D.keyId], l[CENSUS_EMF.liveMessages]])).toEqual(
      Object.entries(SEEDED.liveByQueue).flatMap(([q, byKey]) => Object.entries(byKey).map(([k, c]) => [q, k, c.total])),
    );
    expect(of(CENSUS_EMF.liveMessages)[0]._aws.CloudWatchMetrics[0].Dimensions).toEqual([[D.queue, D.keyId]]);
    const dead = of(CENSUS_EMF.deadLetters);
    expect(dead[0]._aws.CloudWatchMetrics[0].Dimensions).toEqual([[D.queue, D.reason, D.error]]);
    expect(dead.filter((l) => l[CENSUS_EMF.deadLetters] > 0).map((l) => [l[D.queue], l[D.reason], l[D.error], l[CENSUS_EMF.deadLetters]])).toEqual([
      ["default", "max-retries-exhausted", "other", 1],
      ["default", "signature-invalid", "missing signature headers", 1],
      ["default", "signature-invalid", "signature mismatch", 1],
      ["default", "signature-invalid", "unknown signing key", 1],
      ["default", "unregistered-task", "none", 1],
      ["emails", "signature-invalid", "signature mismatch", 1],
    ]);
    expect(dead.filter((l) => l[D.queue] === "emails")).toHaveLength(6); // zeros for the pairs Stem writes
    expect(of(CENSUS_EMF.censusCompleted)).toEqual([expect.objectContaining({ [CENSUS_EMF.censusCompleted]: 1 })]);
    expect(of(CENSUS_EMF.censusCompleted)[0]._aws.CloudWatchMetrics[0].Dimensions).toEqual([[]]);
    if (HAS_OPENSSL) expect(of(CENSUS_EMF.certificateDaysLeft).map((l) => [l[D.certificate], l[CENSUS_EMF.certificateDaysLeft]])).toEqual([["redis-ca.crt", 29]]);
  });

  test("the exporter serves /metrics over HTTP: cached, one census at a time, names and labels of census-metrics.ts, valid for promtool", async () => {
    const target = planCensusTarget({ env: {}, broker: censusUrl });
    let censuses = 0;
    let clock = Date.parse("2026-12-07T10:00:00Z");
    const exporter = await startCensusExporter({ port: 0, host: "127.0.0.1", cacheSeconds: 30, now: () => clock, census: () => censusOnce(target), onCensus: () => censuses++ });
    try {
      const scrape = async (p = "/metrics") => {
        const res = await fetch(`http://127.0.0.1:${exporter.port}${p}`);
        return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
      };
      const [a, b, c] = await Promise.all([scrape(), scrape(), scrape()]);
      expect(censuses).toBe(1); // three scrapes at once: one census
      expect(a.status).toBe(200);
      expect(a.type).toContain("text/plain; version=0.0.4");
      expect(b.text).toBe(a.text);
      expect(c.text).toBe(a.text);
      await scrape();
      expect(censuses).toBe(1); // within the cache interval
      clock += 31_000;
      await scrape();
      expect(censuses).toBe(2);
      const P = CENSUS_PROMETHEUS;
      const L = CENSUS_LABELS;
      expect(a.text).toContain(`# TYPE ${P.liveMessages} gauge\n`);
      expect(a.text).toContain(`${P.liveMessages}{${L.queue}="default",${L.keyId}="k1"} 5\n`);
      expect(a.text).toContain(`${P.liveMessages}{${L.queue}="broadcast:alerts",${L.keyId}="(unsigned)"} 1\n`);
      expect(a.text).toContain(`${P.deadLetters}{${L.queue}="default",${L.reason}="signature-invalid",${L.error}="unknown signing key"} 1\n`);
      expect(a.text).toContain(`${P.deadLetters}{${L.queue}="emails",${L.reason}="unregistered-task",${L.error}="none"} 0\n`);
      expect(a.text).toContain(`${P.lastSuccess} ${Date.parse("2026-12-07T10:00:00Z") / 1000}\n`);
      expect((await scrape("/other")).status).toBe(404);
      const promtool = spawnSync("promtool", ["check", "metrics"], { input: a.text, encoding: "utf8" });
      if (promtool.error) console.warn("SKIP: promtool not found; the exposition format was not checked by promtool");
      else expect({ status: promtool.status, output: `${promtool.stdout}${promtool.stderr}` }).toEqual({ status: 0, output: "" });
    } finally {
      await exporter.close();
    }
  });

  test("a census reads a 2,000-entry backlog in pages with a bounded deduplication set (an over-count, never an under-count)", async () => {
    const key = "stem:stream:bulk";
    const pipeline = admin.pipeline();
    for (let i = 0; i < 2000; i++) pipeline.xadd(key, "*", ...streamFields(envelope("bulk", "k2")));
    await pipeline.exec();
    const connection = await connectCensusRedis(planCensusTarget({ env: {}, broker: url }).url, planCensusTarget({ env: {}, broker: url }));
    try {
      const report = await runCensus(connection.redis, { queues: ["bulk"], pageSize: 250, maxTrackedIds: 500 });
      expect(report.live).toEqual({ k2: 2000 });
      expect(report.dedup).toEqual({ limit: 500, tracked: 500, duplicates: 0, exhausted: true });
      expect(report.commands.XRANGE).toBe(9);
    } finally {
      await connection.close();
      await admin.del(key);
    }
  });

  const built = builtCliProblem(["lib/cli/commands/census.ts", "lib/core/census/exporter.ts"]);
  (built === undefined ? test : test.skip)("`stemguard census --serve 0` (the built CLI) serves /metrics until SIGTERM", async () => {
    const child = spawn(process.execPath, [BIN, "census", "--serve", "0", "--bind", "127.0.0.1", "--broker", censusUrl], { env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] });
    try {
      let stderr = "";
      const port = await new Promise<number>((resolve, reject) => {
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
          const m = /serving http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr);
          if (m) resolve(Number(m[1]));
        });
        child.once("exit", (code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(`${CENSUS_PROMETHEUS.liveMessages}{queue="emails",key_id="ed1"} 1\n`);
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  });
  if (built !== undefined) console.warn(`SKIP: the --serve process test did not run: ${built}`);
});
