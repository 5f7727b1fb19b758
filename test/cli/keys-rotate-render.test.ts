import { execFileSync } from "node:child_process";
import { createPrivateKey, createPublicKey } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../lib/cli/main";
import { applyTlsStep, initTlsLedger } from "../../lib/core/tls/ca-ledger";
import { serializeTlsLedger } from "../../lib/core/tls/ca-ledger-file";
import { parseEnvText } from "../../lib/core/stem-env/env-file";
import { parseStemSigningEnv } from "../../lib/core/stem-env/parse-signing-env";
import { fakeIo } from "../support/fake-io";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "sg-cli-"));
const run = async (cwd: string, ...argv: string[]) => {
  const io = fakeIo(cwd);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
};

describe("stemguard keys generate", () => {
  test("prints HMAC env lines Stem accepts: 32 random bytes, padded standard base64", async () => {
    const { code, out, err } = await run(tmp(), "keys", "generate", "--algorithm", "hmac-sha256", "--id", "k1");
    expect(code).toBe(0);
    expect(err).toBe("");
    expect(out).toMatch(/^STEM_SIGNING_ALGORITHM=hmac-sha256\nSTEM_SIGNING_KEYS=k1:[A-Za-z0-9+/]{43}=\nSTEM_SIGNING_ACTIVE_KEY=k1\n$/);
    const config = parseStemSigningEnv(parseEnvText(out));
    expect(config.keys.get("k1")).toHaveLength(32);
    const again = await run(tmp(), "keys", "generate", "--algorithm", "hmac-sha256", "--id", "k1");
    expect(again.out).not.toBe(out); // random, not fixed
  });

  test("prints the same four Ed25519 lines as Stem's generator; node:crypto derives the same public key from the seed", async () => {
    const { code, out } = await run(tmp(), "keys", "generate", "--algorithm", "ed25519", "--id", "primary");
    expect(code).toBe(0);
    const lines = out.trimEnd().split("\n");
    expect(lines.map((l) => l.split("=")[0])).toEqual(["STEM_SIGNING_ALGORITHM", "STEM_SIGNING_PUBLIC_KEYS", "STEM_SIGNING_PRIVATE_KEYS", "STEM_SIGNING_ACTIVE_KEY"]);
    const config = parseStemSigningEnv(parseEnvText(out));
    const seed = Buffer.from(config.privateKeys.get("primary")!);
    const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
    const spki = createPublicKey(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })).export({ format: "der", type: "spki" });
    expect(Buffer.from(config.publicKeys.get("primary")!)).toEqual(spki.subarray(12));
  });

  test("--out writes mode 0600 atomically, prints no material, and refuses to overwrite", async () => {
    const dir = tmp();
    const first = await run(dir, "keys", "generate", "--algorithm", "hmac-sha256", "--id", "k1", "--out", "material/k1.env");
    expect(first.code).toBe(0);
    expect(first.out).toBe("");
    expect(first.err).toBe('wrote material/k1.env (mode 0600): hmac-sha256 key "k1"\n');
    const file = path.join(dir, "material/k1.env");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const before = fs.readFileSync(file, "utf8");
    const second = await run(dir, "keys", "generate", "--algorithm", "hmac-sha256", "--id", "k1", "--out", "material/k1.env");
    expect(second.code).toBe(64);
    expect(second.err).toMatch(/--out: file exists; refusing to overwrite key material \(got "material\/k1.env"\)\. Fix: .*--force/);
    expect(fs.readFileSync(file, "utf8")).toBe(before);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["k1.env"]);
  });

  test("fails on an unknown algorithm or a bad id, naming the flag, the value and the fix", async () => {
    const a = await run(tmp(), "keys", "generate", "--algorithm", "HMAC", "--id", "k1");
    expect(a.code).toBe(64);
    expect(a.err).toMatch(/--algorithm: unsupported algorithm.*\(got "HMAC"\)\. Fix: pass --algorithm hmac-sha256 or --algorithm ed25519/);
    const b = await run(tmp(), "keys", "generate", "--algorithm", "ed25519", "--id", "a,b");
    expect(b.err).toMatch(/--id: key id must match .*\(got "a,b"\)/);
    expect(b.out).toBe("");
  });
});

describe("stemguard rotate, env render and review: the three-PR journey", () => {
  test("each step renders envs Stem accepts, and review accepts exactly one step at a time", async () => {
    const dir = tmp();
    const ledger = path.join(dir, "stemguard.rotation.json");
    expect((await run(dir, "rotate", "init", "k1", "--algorithm", "hmac-sha256")).code).toBe(0);
    for (const id of ["k1", "k2"]) {
      expect((await run(dir, "keys", "generate", "--algorithm", "hmac-sha256", "--id", id, "--out", `material/${id}.env`)).code).toBe(0);
    }
    const snapshots: string[] = [fs.readFileSync(ledger, "utf8")];
    for (const [op, id] of [["stage", "k2"], ["activate", "k2"], ["retire", "k1"]]) {
      const res = await run(dir, "rotate", op, id);
      expect(res.code).toBe(0);
      snapshots.push(fs.readFileSync(ledger, "utf8"));
    }
    // Phase 3 (activate): workers trust both keys and sign with k2.
    const rendered = await run(dir, "env", "render", "--role", "worker", "--material", "material", "--phase", "3");
    expect(rendered.code).toBe(0);
    const config = parseStemSigningEnv(parseEnvText(rendered.out));
    expect([...config.keys.keys()]).toEqual(["k1", "k2"]);
    expect(config.activeKeyId).toBe("k2");

    const status = await run(dir, "rotate", "status", "--json");
    expect(JSON.parse(status.out)).toEqual({
      phase: 4,
      algorithm: "hmac-sha256",
      keys: [
        { keyId: "k1", state: "retired", trustedBy: [], signedBy: [] },
        { keyId: "k2", state: "active", trustedBy: ["producer", "worker", "beat"], signedBy: ["producer", "worker", "beat"] },
      ],
    });

    // review: each adjacent pair is one legal step; skipping a phase fails with the reason.
    snapshots.forEach((text, i) => fs.writeFileSync(path.join(dir, `phase${i + 1}.json`), text));
    const legal = await run(dir, "review", "--base", "phase2.json", "--ledger", "phase3.json");
    expect(legal.code).toBe(0);
    expect(legal.out).toMatch(/legal step\. phase 2 -> 3: activate "k2".*Rolls: producer, worker, beat\..*drained/s);
    const skipped = await run(dir, "review", "--base", "phase1.json", "--ledger", "phase3.json", "--json");
    expect(skipped.code).toBe(1);
    expect(JSON.parse(skipped.out)).toMatchObject({
      ok: false,
      exitCode: 1,
      meaning: "a check ran and failed",
      steps: [],
    });
    expect(JSON.parse(skipped.out).ledgers).toEqual([
      expect.objectContaining({ file: "phase3.json", kind: "signing-keyring", verdict: "illegal", ok: false, diff: {
        kind: "illegal",
        reason: "2 steps in one pull request (stage k2, then activate k2); split it: one step per pull request, one apply per phase",
      } }),
    ]);
  });

  test("review --base-ref reads the base ledger from git, and treats a new ledger as the init step", async () => {
    const dir = tmp();
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: dir, stdio: "pipe" });
    git("init", "-q", "-b", "main");
    fs.writeFileSync(path.join(dir, "README"), "x\n");
    git("add", "README");
    git("commit", "-qm", "base");
    expect((await run(dir, "rotate", "init", "k1", "--algorithm", "ed25519")).code).toBe(0);
    const created = await run(dir, "review", "--base-ref", "main", "--json");
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({ ok: true, exitCode: 0, steps: ["stemguard.rotation.json: init k1"], ledgers: [{ verdict: "step", diff: { kind: "step", step: { op: "init", keyId: "k1" } } }] });
    git("add", "stemguard.rotation.json");
    git("commit", "-qm", "ledger");
    await run(dir, "rotate", "stage", "k2");
    await run(dir, "rotate", "activate", "k2");
    const twoSteps = await run(dir, "review", "--base-ref", "main");
    expect(twoSteps.code).toBe(1);
    expect(twoSteps.out).toMatch(/illegal change.*2 steps in one pull request/);
  });

  test("env render refuses material files readable by others and never prints material on errors", async () => {
    const dir = tmp();
    await run(dir, "rotate", "init", "k1", "--algorithm", "hmac-sha256");
    await run(dir, "keys", "generate", "--algorithm", "hmac-sha256", "--id", "k1", "--out", "material/k1.env");
    const file = path.join(dir, "material/k1.env");
    fs.chmodSync(file, 0o644);
    const res = await run(dir, "env", "render", "--role", "producer", "--material", "material");
    expect(res.code).toBe(64);
    expect(res.err).toMatch(/--material: material file is readable by group or others \(mode 644\) .*Fix: chmod 600/);
    const secret = fs.readFileSync(file, "utf8").match(/k1:(\S+)/)![1];
    expect(res.out + res.err).not.toContain(secret);
    const missing = await run(dir, "env", "render", "--role", "producer", "--material", "elsewhere");
    expect(missing.err).toMatch(/no material file for key "k1".*Fix: create it with 'stemguard keys generate --algorithm hmac-sha256 --id k1 --out .*elsewhere\/k1\.env'/);
  });
});

describe("stemguard keys: Terraform ephemeral inputs", () => {
  test("generate --format tf-var prints one export line whose document the keyrings read", async () => {
    const { code, out } = await run(tmp(), "keys", "generate", "--algorithm", "ed25519", "--id", "k2026.11", "--format", "tf-var", "--name-prefix", "prod/stem");
    expect(code).toBe(0);
    const m = /^export TF_VAR_prod_stem_key_k2026_11='(\{.*\})'\n$/.exec(out);
    expect(m).not.toBeNull();
    const doc = JSON.parse(m![1]);
    expect(Object.keys(doc)).toEqual(["seed", "publicKey"]);
    expect(Buffer.from(doc.seed, "base64")).toHaveLength(32);
    expect(Buffer.from(doc.publicKey, "base64")).toHaveLength(32);
  });

  test("fails --format tf-var without --name-prefix, and an unknown format", async () => {
    const a = await run(tmp(), "keys", "generate", "--algorithm", "hmac-sha256", "--id", "k1", "--format", "tf-var");
    expect(a.code).toBe(64);
    expect(a.err).toMatch(/--name-prefix: --format tf-var needs the keyring's name prefix/);
    expect(a.out).toBe("");
    const b = await run(tmp(), "keys", "generate", "--algorithm", "hmac-sha256", "--id", "k1", "--format", "yaml");
    expect(b.err).toMatch(/--format: unknown output format \(got "yaml"\)\. Fix: use --format env or --format tf-var/);
  });

  test("tf-vars prints the inputs of live keys only, named as both keyrings name their variables", async () => {
    const dir = tmp();
    await run(dir, "rotate", "init", "k1", "--algorithm", "hmac-sha256");
    for (const id of ["k1", "k2"]) await run(dir, "keys", "generate", "--algorithm", "hmac-sha256", "--id", id, "--out", `material/${id}.env`);
    for (const [op, id] of [["stage", "k2"], ["activate", "k2"]]) await run(dir, "rotate", op, id);
    const live = await run(dir, "keys", "tf-vars", "--material", "material", "--name-prefix", "stem-signing");
    expect(live.out.split("\n").filter(Boolean).map((l) => l.split("=")[0])).toEqual(["export TF_VAR_stem_signing_key_k1", "export TF_VAR_stem_signing_key_k2"]);
    const k2 = parseStemSigningEnv(parseEnvText(fs.readFileSync(path.join(dir, "material/k2.env"), "utf8"))).keys.get("k2")!;
    expect(live.out).toContain(`TF_VAR_stem_signing_key_k2='{"secret":"${Buffer.from(k2).toString("base64")}"}'`);
    await run(dir, "rotate", "retire", "k1");
    fs.rmSync(path.join(dir, "material/k1.env")); // retired material may be destroyed
    const after = await run(dir, "keys", "tf-vars", "--material", "material", "--name-prefix", "stem-signing");
    expect(after.code).toBe(0);
    expect(after.out).toMatch(/^export TF_VAR_stem_signing_key_k2='[^\n]+'\n$/);
  });
});

describe("stemguard rotate: adopting signing on a running fleet", () => {
  test("init --producers-first, then enforce: the summary says what happens and review accepts each step", async () => {
    const dir = tmp();
    const init = await run(dir, "rotate", "init", "k1", "--algorithm", "hmac-sha256", "--producers-first");
    expect(init.code).toBe(0);
    expect(init.out).toMatch(/Producers and beat sign; workers do not verify yet\. Drain unsigned messages, then 'stemguard rotate enforce'\./);
    expect(init.out).toMatch(/k1 {3}active {2}producer,beat {2}producer,beat/);
    fs.copyFileSync(path.join(dir, "stemguard.rotation.json"), path.join(dir, "base.json"));
    const enforce = await run(dir, "rotate", "enforce");
    expect(enforce.code).toBe(0);
    expect(enforce.out).toMatch(/phase 1 -> 2: enforce: workers start verifying signatures.*Rolls: worker\./);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "stemguard.rotation.json"), "utf8"))).toMatchObject({ producersFirst: true, phase: 2 });
    const review = await run(dir, "review", "--base", "base.json", "--json");
    expect(JSON.parse(review.out)).toMatchObject({ ok: true, ledgers: [{ diff: { kind: "step", step: { op: "enforce", keyId: "k1" }, rolls: ["worker"] } }] });
    const again = await run(dir, "rotate", "enforce");
    expect(again.code).toBe(64);
    expect(again.err).toMatch(/enforce k1: workers already verify signatures/);
    const drill = await run(dir, "drill");
    expect(drill.out).toMatch(/drain: unsigned messages from phase 0 are rejected from phase 2 on; let them drain before applying it/);
  });

  test("rotate workers switches Ed25519 workers to verify-only and back, one step each; review accepts each, the drill drops nothing", async () => {
    const dir = tmp();
    const ledgerFile = path.join(dir, "stemguard.rotation.json");
    expect((await run(dir, "rotate", "init", "k1", "--algorithm", "ed25519")).code).toBe(0);
    fs.copyFileSync(ledgerFile, path.join(dir, "base.json"));
    const off = await run(dir, "rotate", "workers", "--verify-only");
    expect(off.code).toBe(0);
    expect(off.out).toMatch(/^phase 1 -> 2: verify-only-workers: workers keep the public keys and lose the signing seed, .*fails to re-sign retries.*Rolls: worker\.\n/);
    expect(off.out).toMatch(/k1 {3}active {2}producer,worker,beat {2}producer,beat\n/);
    const review = await run(dir, "review", "--base", "base.json", "--json");
    expect(review.code).toBe(0);
    expect(JSON.parse(review.out)).toMatchObject({ ok: true, ledgers: [{ diff: { kind: "step", step: { phase: 2, op: "verify-only-workers", keyId: "k1" }, rolls: ["worker"] } }] });
    const before = fs.readFileSync(ledgerFile, "utf8");
    for (const argv of [["--verify-only"], [], ["--sign", "--verify-only"]]) {
      const refused = await run(dir, "rotate", "workers", ...argv);
      expect(refused.code).toBe(64);
      expect(refused.err).toMatch(argv.length === 1 ? /workers are already verify-only/ : /give exactly one of --sign and --verify-only/);
      expect(fs.readFileSync(ledgerFile, "utf8")).toBe(before); // nothing written on refusal
    }
    expect((await run(dir, "rotate", "stage", "k2")).code).toBe(0);
    const on = await run(dir, "rotate", "workers", "--sign", "--json");
    expect(JSON.parse(on.out)).toMatchObject({ phase: 4, step: { op: "sign-workers", keyId: "k1" }, rolls: ["worker"] });
    expect(JSON.parse(fs.readFileSync(ledgerFile, "utf8")).verifyOnlyWorkers).toBeUndefined();
    const drill = await run(dir, "drill", "--json");
    expect(drill.code).toBe(0); // no dropped message across both mode changes
    expect(JSON.parse(drill.out)).toMatchObject({ failures: [] });
  });

  test("init without --producers-first warns that workers verify at once", async () => {
    const { out } = await run(tmp(), "rotate", "init", "k1", "--algorithm", "ed25519");
    expect(out).toMatch(/Workers verify from this phase on: right for a new fleet; a fleet with unsigned messages in flight needs "rotate init --producers-first"/);
  });
});

describe("errors with --json", () => {
  test("print the error as data on stdout too, with field, value and fix", async () => {
    const res = await run(tmp(), "rotate", "status", "--ledger", "missing.json", "--json");
    expect(res.code).toBe(64);
    expect(JSON.parse(res.out)).toEqual({
      ok: false,
      exitCode: 64,
      error: {
        message: expect.stringMatching(/^--ledger: ledger file does not exist/),
        field: "--ledger",
        value: expect.stringMatching(/missing\.json$/),
        fix: "create one with 'stemguard rotate init <key-id>' or pass --ledger PATH",
      },
    });
  });
});

describe("stemguard review of a CA ledger (stemguard.tls.json)", () => {
  const fp = (n: number) => Array.from({ length: 32 }, () => n.toString(16).padStart(2, "0")).join(":").toUpperCase();
  test("accepts one CA-rotation step and refuses two, naming what rolls", async () => {
    const dir = tmp();
    const l1 = initTlsLedger("ca-1", fp(1), { serverFingerprint256: fp(2), clientFingerprint256: fp(3) });
    const l2 = applyTlsStep(l1, { op: "stage-ca", caId: "ca-2", caFingerprint256: fp(4) });
    const l3 = applyTlsStep(l2, { op: "reissue-leaves", serverFingerprint256: fp(5), clientFingerprint256: fp(6) });
    [l1, l2, l3].forEach((l, i) => fs.writeFileSync(path.join(dir, `tls${i + 1}.json`), serializeTlsLedger(l)));
    const legal = await run(dir, "review", "--base", "tls1.json", "--ledger", "tls2.json");
    expect(legal.code).toBe(0);
    expect(legal.out).toMatch(/^\*\*stemguard\*\*: legal step\. .*Rolls: trust bundle \(every component\)\.\n\n```\nca +state +trust bundle +issues leaves\n/);
    expect(legal.out.match(/Rolls:/g)).toHaveLength(1);
    const skipped = await run(dir, "review", "--base", "tls1.json", "--ledger", "tls3.json", "--json");
    expect(skipped.code).toBe(1);
    expect(JSON.parse(skipped.out)).toMatchObject({ ok: false, ledgers: [{ verdict: "illegal", diff: { kind: "illegal" } }] });
  });
});
