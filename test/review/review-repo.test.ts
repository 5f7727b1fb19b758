/**
 * `stemguard review` over a real git repository: every declared ledger in one
 * verdict, reverts, and failing closed when git cannot tell.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { registerLedger } from "../../lib/core/ledger/manifest";
import { applyTlsStep, initTlsLedger, type TlsCaLedger, type TlsStep } from "../../lib/core/tls/ca-ledger";
import { serializeTlsLedger } from "../../lib/core/tls/ca-ledger-file";
import { main } from "../../lib/cli/main";
import { LEDGER_KIND_NAMES } from "../../lib/review/ledger-kinds";
import { fakeIo } from "../support/fake-io";

const fp = (n: number) => Array.from({ length: 32 }, (_, i) => ((n * 37 + i) & 0xff).toString(16).padStart(2, "0").toUpperCase()).join(":");

const run = async (cwd: string, ...argv: string[]) => {
  const io = fakeIo(cwd);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
};

/** A repository at phase 1 of a signing keyring (ed25519, producers first) and a CA ledger, both declared and committed. */
async function repo(): Promise<{ dir: string; git: (...args: string[]) => string; tls: (step: TlsStep) => void; commit: (m: string) => void }> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sg-review-")));
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false", ...args], { cwd: dir, stdio: "pipe" }).toString();
  git("init", "-q", "-b", "main");
  expect((await run(dir, "rotate", "init", "k1", "--algorithm", "ed25519", "--producers-first")).code).toBe(0);
  let ca: TlsCaLedger = initTlsLedger("ca-1", fp(1), { serverFingerprint256: fp(2) });
  const tlsFile = path.join(dir, "stemguard.tls.json");
  fs.writeFileSync(tlsFile, serializeTlsLedger(ca));
  registerLedger(tlsFile, "tls-ca", LEDGER_KIND_NAMES);
  const commit = (m: string) => {
    git("add", "-A");
    git("commit", "-qm", m);
  };
  commit("phase 1");
  const tls = (step: TlsStep) => {
    ca = applyTlsStep(ca, step);
    fs.writeFileSync(tlsFile, serializeTlsLedger(ca));
  };
  return { dir, git, tls, commit };
}

const review = (dir: string, ...extra: string[]) => run(dir, "review", "--base-ref", "HEAD", ...extra);

describe("stemguard review of every declared ledger", () => {
  test("rotate init and the CA ledger are declared in stemguard.json at the repository root", async () => {
    const { dir } = await repo();
    expect(fs.readFileSync(path.join(dir, "stemguard.json"), "utf8")).toBe(
      '{\n  "schemaVersion": 1,\n  "ledgers": [\n    {"file": "stemguard.rotation.json", "kind": "signing-keyring"},\n    {"file": "stemguard.tls.json", "kind": "tls-ca"}\n  ]\n}\n',
    );
    expect(await review(dir)).toMatchObject({ code: 0, out: expect.stringMatching(/`stemguard\.rotation\.json` unchanged \(phase 1\)\.\n\n\*\*stemguard\*\*: `stemguard\.tls\.json` unchanged \(phase 1\)\./) });
  });

  test("every legal step of both kinds passes, one pull request each", async () => {
    const { dir, tls, commit } = await repo();
    const signing: string[][] = [["enforce"], ["workers", "--verify-only"], ["workers", "--sign"], ["stage", "k2"], ["activate", "k2"], ["retire", "k1"]];
    for (const argv of signing) {
      expect((await run(dir, "rotate", ...argv)).code).toBe(0);
      const res = await review(dir);
      expect(res).toMatchObject({ code: 0, err: "" });
      expect(res.out).toMatch(/\*\*stemguard\*\*: legal step\. phase \d -> \d: /);
      commit(argv.join(" "));
    }
    const steps: TlsStep[] = [{ op: "stage-ca", caId: "ca-2", caFingerprint256: fp(3) }, { op: "reissue-leaves" }, { op: "retire-ca", caId: "ca-1" }, { op: "renew-leaves" }];
    for (const step of steps) {
      tls(step);
      const res = await review(dir, "--json");
      expect(res.code).toBe(0);
      expect(JSON.parse(res.out)).toMatchObject({ ok: true, exitCode: 0, steps: [expect.stringMatching(new RegExp(`^stemguard\\.tls\\.json: ${step.op}`))] });
      commit(step.op);
    }
  });

  test("a pull request that steps two ledgers fails, naming both steps (each alone would pass)", async () => {
    const { dir } = await repo();
    expect((await run(dir, "rotate", "enforce")).code).toBe(0);
    const tlsFile = path.join(dir, "stemguard.tls.json");
    const ca = JSON.parse(fs.readFileSync(tlsFile, "utf8")) as TlsCaLedger;
    fs.writeFileSync(tlsFile, serializeTlsLedger(applyTlsStep(ca, { op: "stage-ca", caId: "ca-2", caFingerprint256: fp(3) })));
    const res = await review(dir);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/\*\*stemguard\*\*: 2 steps in one pull request \(stemguard\.rotation\.json: enforce k1; stemguard\.tls\.json: stage-ca ca-2\); split it/);
    const json = JSON.parse((await review(dir, "--json")).out);
    expect(json).toMatchObject({ ok: false, exitCode: 1, steps: ["stemguard.rotation.json: enforce k1", "stemguard.tls.json: stage-ca ca-2"] });
    expect(json.ledgers.map((l: { verdict: string }) => l.verdict)).toEqual(["step", "step"]);
    expect((await run(dir, "review", "--base-ref", "HEAD", "--ledger", "stemguard.tls.json")).code).toBe(0);
  });

  test("reverting the last step passes where it is safe and is refused with the reason where it is not", async () => {
    const { dir, tls, commit } = await repo();
    const ledger = path.join(dir, "stemguard.rotation.json");
    const revertOf = async (stepArgs: string[] | TlsStep) => {
      const file = Array.isArray(stepArgs) ? ledger : path.join(dir, "stemguard.tls.json");
      const before = fs.readFileSync(file, "utf8");
      if (Array.isArray(stepArgs)) expect((await run(dir, "rotate", ...stepArgs)).code).toBe(0);
      else tls(stepArgs);
      commit("step");
      fs.writeFileSync(file, before); // what git revert of that pull request gives
      const res = await review(dir);
      fs.writeFileSync(file, fs.readFileSync(file, "utf8") === before ? execFileSync("git", ["show", `HEAD:${path.basename(file)}`], { cwd: dir }).toString() : before);
      return res;
    };
    for (const args of [["enforce"], ["workers", "--verify-only"], ["stage", "k2"], ["activate", "k2"]]) {
      const res = await revertOf(args);
      expect(res.code).toBe(0);
      expect(res.out).toMatch(new RegExp(`legal revert\\. phase \\d -> \\d: revert of "${args[0] === "workers" ? "verify-only-workers" : args[0]}`));
      expect(res.out).toMatch(/Rolls: /);
    }
    const retire = await revertOf(["retire", "k1"]);
    expect(retire.code).toBe(1);
    expect(retire.out).toMatch(/reverting "retire k1" \(phase 6\) is not safe: the key already left every trust list .*bringing it back is a new stage; fix: stage a new key/);
    for (const step of [{ op: "stage-ca", caId: "ca-2", caFingerprint256: fp(3) }, { op: "reissue-leaves" }] as TlsStep[]) {
      expect((await revertOf(step)).out).toMatch(/legal revert\..*Rolls: (trust bundle|server and client)/);
    }
    const retireCa = await revertOf({ op: "retire-ca", caId: "ca-1" });
    expect(retireCa).toMatchObject({ code: 1, out: expect.stringMatching(/reverting "retire-ca ca-1" .* is not safe: the CA already left every trust bundle/) });
    expect((await revertOf({ op: "renew-leaves" })).code).toBe(0);
  });

  test("going back two steps is refused", async () => {
    const { dir, commit } = await repo();
    const ledger = path.join(dir, "stemguard.rotation.json");
    const phase1 = fs.readFileSync(ledger, "utf8");
    await run(dir, "rotate", "enforce");
    await run(dir, "rotate", "stage", "k2");
    commit("two phases on main");
    fs.writeFileSync(ledger, phase1);
    expect(await review(dir)).toMatchObject({ code: 1, out: expect.stringMatching(/goes back 2 phases \(enforce k1, stage k2\); only the last step may be reverted/) });
  });

  test("fails on an undeclared stemguard.*.json (tracked or untracked, not ignored) and on a declared ledger missing", async () => {
    const { dir, git } = await repo();
    fs.mkdirSync(path.join(dir, "env"));
    fs.writeFileSync(path.join(dir, "env/stemguard.prod.json"), "{}");
    const undeclared = await review(dir);
    expect(undeclared.code).toBe(1);
    expect(undeclared.out).toMatch(/`env\/stemguard\.prod\.json` cannot be reviewed: is named like a ledger but stemguard\.json does not declare it/);
    fs.writeFileSync(path.join(dir, ".gitignore"), "env/\n");
    expect((await review(dir)).code).toBe(0);
    git("rm", "-q", "stemguard.tls.json");
    const missing = await review(dir, "--json");
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out).ledgers).toContainEqual(expect.objectContaining({ file: "stemguard.tls.json", verdict: "invalid", message: expect.stringMatching(/declared in stemguard\.json but missing/) }));
  });

  test("a hand-edited, unparsable or deleted ledger is exit 1 with the message on stdout; content that is not a ledger is never shown", async () => {
    const { dir } = await repo();
    const ledger = path.join(dir, "stemguard.rotation.json");
    const data = JSON.parse(fs.readFileSync(ledger, "utf8"));
    fs.writeFileSync(ledger, JSON.stringify({ ...data, owner: "me" }));
    expect(await review(dir)).toMatchObject({ code: 1, err: "", out: expect.stringMatching(/stemguard\.rotation\.json: owner: unknown field in a signing-keyring ledger/) });
    fs.writeFileSync(ledger, "SECRETSECRET not json");
    const garbage = await review(dir);
    expect(garbage).toMatchObject({ code: 1, err: "", out: expect.stringMatching(/is not valid JSON \(content not shown\)/) });
    expect(garbage.out).not.toContain("SECRETSECRET");
    fs.writeFileSync(ledger, JSON.stringify({ kind: "SECRETSECRET" }));
    expect((await review(dir)).out).not.toContain("SECRETSECRET");
    fs.rmSync(ledger);
    expect(await run(dir, "review", "--base-ref", "HEAD", "--ledger", "stemguard.rotation.json")).toMatchObject({ code: 1, out: expect.stringMatching(/deleted in this pull request/) });
  });
});

describe("stemguard review fails closed (exit 64) when it cannot tell", () => {
  const unchanged = (dir: string) => {
    const snapshot = () => execFileSync("git", ["status", "--porcelain", "--ignored"], { cwd: dir }).toString() + fs.readFileSync(path.join(dir, "stemguard.rotation.json"), "utf8");
    const before = snapshot();
    return () => expect(snapshot()).toBe(before);
  };

  test("an unknown ref", async () => {
    const { dir } = await repo();
    const same = unchanged(dir);
    expect(await run(dir, "review", "--base-ref", "origin/nope")).toMatchObject({ code: 64, out: "", err: expect.stringMatching(/--base-ref: unknown ref: no such commit in this checkout \(got "origin\/nope"\)/) });
    same();
  });

  test("a base object git cannot read (deleted object file) is not 'no base ledger'", async () => {
    const { dir, git } = await repo();
    const blob = git("rev-parse", "HEAD:stemguard.rotation.json").trim();
    fs.rmSync(path.join(dir, ".git/objects", blob.slice(0, 2), blob.slice(2)));
    // A head that replaced the history with a fresh init must not pass as "new ledger".
    for (const args of [[], ["--ledger", "stemguard.rotation.json"]]) {
      const res = await review(dir, ...args);
      expect(res).toMatchObject({ code: 64, out: "" });
      expect(res.err).toMatch(/cannot read the base: git cat-file failed .*Fix: fetch the base branch/);
    }
  });

  test("a ledger that is a symlink at head, or at the base ref", async () => {
    const { dir, commit } = await repo();
    const ledger = path.join(dir, "stemguard.rotation.json");
    fs.renameSync(ledger, path.join(dir, "real.json"));
    fs.symlinkSync("real.json", ledger);
    const same = unchanged(dir);
    expect(await review(dir)).toMatchObject({ code: 64, err: expect.stringMatching(/the ledger is a symlink; a ledger must be a regular file/) });
    same();
    commit("symlinked ledger on main");
    fs.rmSync(ledger);
    fs.copyFileSync(path.join(dir, "real.json"), ledger);
    expect(await review(dir)).toMatchObject({ code: 64, err: expect.stringMatching(/the ledger is a symlink at the base ref/) });
  });

  test("a ledger outside the repository, or reached through a symlinked directory", async () => {
    const { dir, commit } = await repo();
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "sg-outside-"));
    fs.copyFileSync(path.join(dir, "stemguard.rotation.json"), path.join(outside, "stemguard.rotation.json"));
    expect(await run(dir, "review", "--base-ref", "HEAD", "--ledger", path.join(outside, "stemguard.rotation.json"))).toMatchObject({ code: 64, err: expect.stringMatching(/--ledger: the ledger lies outside the repository/) });
    fs.symlinkSync(outside, path.join(dir, "ext"));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "stemguard.json"), "utf8"));
    manifest.ledgers.push({ file: "ext/stemguard.rotation.json", kind: "signing-keyring" });
    fs.writeFileSync(path.join(dir, "stemguard.json"), JSON.stringify(manifest));
    commit("declare a ledger behind a symlinked directory");
    expect(await review(dir)).toMatchObject({ code: 64, err: expect.stringMatching(/ext\/stemguard\.rotation\.json: the ledger path goes through a symlink or outside the repository/) });
  });
});
