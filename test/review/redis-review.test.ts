/**
 * `stemguard redis` steps and `stemguard review` of the Redis ledger over a
 * real git repository: every legal step passes, one per pull request; jumps,
 * passwords before TLS, retiring the only password and two steps at once fail.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../lib/cli/main";
import { fakeIo } from "../support/fake-io";

const run = async (cwd: string, ...argv: string[]) => {
  const io = fakeIo(cwd);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
};

async function repo() {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sg-redis-review-")));
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "commit.gpgsign=false", ...args], { cwd: dir, stdio: "pipe" }).toString();
  git("init", "-q", "-b", "main");
  expect((await run(dir, "redis", "init", "--mode", "plain")).code).toBe(0);
  const commit = (m: string) => {
    git("add", "-A");
    git("commit", "-qm", m);
  };
  commit("init");
  const ledger = path.join(dir, "stemguard.redis.json");
  /** Writes `text` as the pull request's ledger (a hand edit or a forged file). */
  const forge = (text: string) => fs.writeFileSync(ledger, text);
  const read = () => fs.readFileSync(ledger, "utf8");
  return { dir, commit, forge, read, git };
}

const review = (dir: string, ...extra: string[]) => run(dir, "review", "--base-ref", "HEAD", ...extra);

const WALK: string[][] = [
  ["tls", "dual"],
  ["password", "init", "pw1"],
  ["tls", "clients-tls"],
  ["tls", "tls-only"],
  ["client-auth", "optional"],
  ["client-auth", "yes"],
  ["password", "stage", "pw2"],
  ["password", "activate", "pw2"],
  ["password", "retire", "pw1"],
];

describe("stemguard redis and review of stemguard.redis.json", () => {
  test("redis init declares the TLS section; password init adds the passwords section to stemguard.json", async () => {
    const { dir } = await repo();
    expect(fs.readFileSync(path.join(dir, "stemguard.json"), "utf8")).toContain('{"file": "stemguard.redis.json", "kind": "redis-tls"}');
    expect((await run(dir, "redis", "tls", "dual")).code).toBe(0);
    expect((await run(dir, "redis", "password", "init", "pw1")).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, "stemguard.json"), "utf8")).toContain('{"file": "stemguard.redis.json", "kinds": ["redis-tls", "redis-passwords"]}');
  });

  test("a refused password step writes nothing: neither the ledger nor the manifest", async () => {
    const { dir, read } = await repo();
    const before = [read(), fs.readFileSync(path.join(dir, "stemguard.json"), "utf8")];
    const res = await run(dir, "redis", "password", "init", "pw1");
    expect(res.code).toBe(64);
    expect(res.err).toMatch(/password init pw1: a password step needs a server that speaks TLS .* Fix: take 'stemguard redis tls dual'/);
    expect([read(), fs.readFileSync(path.join(dir, "stemguard.json"), "utf8")]).toEqual(before);
  });

  test("every legal step of the full walk passes review, one pull request each, and names what rolls", async () => {
    const { dir, commit } = await repo();
    for (const argv of WALK) {
      const stepped = await run(dir, "redis", ...argv);
      expect(stepped).toMatchObject({ code: 0, err: "" });
      const res = await review(dir, "--json");
      expect(res.code).toBe(0);
      const verdict = JSON.parse(res.out);
      expect(verdict).toMatchObject({ ok: true, exitCode: 0, steps: [expect.stringMatching(/^stemguard\.redis\.json/)] });
      commit(argv.join(" "));
    }
    const status = await run(dir, "redis", "status", "--json");
    expect(JSON.parse(status.out).phase).toEqual({ mode: "tls-only", clientAuth: "yes", acceptedPasswords: ["pw2"], activePassword: "pw2" });
  });

  test("a pull request that jumps plain -> tls-only fails with the reason", async () => {
    const { dir, forge, read } = await repo();
    const jumped = JSON.parse(read());
    jumped.sections[0].history.push({ phase: 2, op: "mode", mode: "tls-only" });
    jumped.sections[0].phase = 2;
    jumped.sections[0].mode = "tls-only";
    forge(JSON.stringify(jumped, null, 2));
    const res = await review(dir);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/plain -> tls-only skips dual, clients-tls/);
  });

  test("a pull request that adds a password while the server is plain fails", async () => {
    const { dir, forge, read } = await repo();
    const forged = JSON.parse(read());
    forged.sections.push({ kind: "stemguard.redis-passwords", phase: 1, passwords: [{ id: "pw1", state: "active" }], history: [{ phase: 1, op: "init", passwordId: "pw1", tlsPhase: 1 }] });
    forge(JSON.stringify(forged, null, 2));
    const res = await review(dir);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/needs a server that speaks TLS/);
  });

  test("a pull request that retires the only password fails", async () => {
    const { dir, commit, forge, read } = await repo();
    for (const argv of WALK.slice(0, 2)) expect((await run(dir, "redis", ...argv)).code).toBe(0);
    commit("pw1");
    const forged = JSON.parse(read());
    const pw = forged.sections[1];
    pw.history.push({ phase: 2, op: "retire", passwordId: "pw1", tlsPhase: 2 });
    pw.phase = 2;
    pw.passwords = [{ id: "pw1", state: "retired" }];
    forge(JSON.stringify(forged, null, 2));
    const res = await review(dir);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/only a retiring password .* or a staged one .* can be retired/);
  });

  test("a TLS step and a password step in one pull request fail, naming both", async () => {
    const { dir, commit } = await repo();
    expect((await run(dir, "redis", "tls", "dual")).code).toBe(0);
    commit("dual");
    expect((await run(dir, "redis", "tls", "clients-tls")).code).toBe(0);
    expect((await run(dir, "redis", "password", "init", "pw1")).code).toBe(0);
    const res = await review(dir);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/2 steps in one pull request \(stemguard\.redis\.json \[redis-tls\]: tls clients-tls; stemguard\.redis\.json \[redis-passwords\]: password init pw1\)/);
  });

  test("reverting the last TLS step (git revert of its pull request) passes as a safe revert", async () => {
    const { dir, commit, git } = await repo();
    expect((await run(dir, "redis", "tls", "dual")).code).toBe(0);
    commit("dual");
    expect((await run(dir, "redis", "tls", "clients-tls")).code).toBe(0);
    commit("clients-tls");
    git("revert", "--no-edit", "HEAD");
    git("reset", "-q", "--soft", "HEAD~1");
    const revert = await review(dir);
    expect(revert.code).toBe(0);
    expect(revert.out).toMatch(/revert of "tls clients-tls"/);
  });

  test("password generate writes 0600 once, a password Stem can carry, never over a file", async () => {
    const { dir } = await repo();
    const res = await run(dir, "redis", "password", "generate", "--id", "pw1", "--out", "material/pw1.password");
    expect(res).toMatchObject({ code: 0, out: "" });
    const file = path.join(dir, "material/pw1.password");
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, "utf8")).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    const again = await run(dir, "redis", "password", "generate", "--id", "pw1", "--out", "material/pw1.password");
    expect(again.code).toBe(64);
    expect(again.err).toMatch(/refusing to overwrite a password/);
    expect((await run(dir, "redis", "password", "generate", "--id", "a:b")).code).toBe(64);
    const dev = await run(dir, "redis", "password", "generate", "--id", "pw2", "--out", "/dev/null");
    expect(dev.code).toBe(64);
  });
});
