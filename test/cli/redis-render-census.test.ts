/** `stemguard redis render --census-password-file`: the census's read-only user in users.acl (its hash only). A real redis-server runs the result in test/integration/census.test.ts. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../lib/cli/main";
import { CENSUS_USER_RULES } from "../../lib/core/redis/census-user";
import { redisPasswordHash } from "../../lib/core/redis/password";
import { fakeIo } from "../support/fake-io";

const run = async (cwd: string, ...argv: string[]) => {
  const io = fakeIo(cwd);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
};

describe("stemguard redis render --census-password-file", () => {
  let dir: string;
  let password: string;
  beforeAll(async () => {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sg-render-census-")));
    expect((await run(dir, "redis", "init", "--mode", "plain")).code).toBe(0);
    expect((await run(dir, "redis", "password", "generate", "--id", "census", "--out", "material/census.password")).code).toBe(0);
    password = fs.readFileSync(path.join(dir, "material/census.password"), "utf8").trim();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("adds the user after default, with the password's SHA-256 only; --census-user renames it; --json names it", async () => {
    const r = await run(dir, "redis", "render", "--census-password-file", "material/census.password", "--census-user", "census-ro", "--out", "out1");
    expect(r).toMatchObject({ code: 0, out: "wrote redis.conf, live.conf, users.acl (0600), reload.sh to out1 (plain, client-auth n/a, 0 passwords, census user census-ro)\n" });
    const acl = fs.readFileSync(path.join(dir, "out1/users.acl"), "utf8");
    expect(acl.split("\n")).toEqual(["user default on nopass ~* &* +@all", `user census-ro on #${redisPasswordHash(password)} ${CENSUS_USER_RULES}`, ""]);
    expect(acl).not.toContain(password);
    const j = await run(dir, "redis", "render", "--census-password-file", "material/census.password", "--out", "out2", "--json");
    expect(JSON.parse(j.out)).toMatchObject({ censusUser: "stemguard-census" });
    expect(`${r.out}${r.err}${j.out}${j.err}`).not.toContain(password);
  });

  test("refuses a group-readable password file, a missing one, and --census-user alone (exit 64, nothing written)", async () => {
    fs.writeFileSync(path.join(dir, "loose.password"), `${password}\n`, { mode: 0o644 });
    fs.chmodSync(path.join(dir, "loose.password"), 0o644);
    const loose = await run(dir, "redis", "render", "--census-password-file", "loose.password", "--out", "out3");
    expect(loose.code).toBe(64);
    expect(loose.err).toMatch(/--census-password-file.*readable by group or others/s);
    expect(loose.err).not.toContain(password);
    expect((await run(dir, "redis", "render", "--census-password-file", "nope.password", "--out", "out3")).code).toBe(64);
    const alone = await run(dir, "redis", "render", "--census-user", "x", "--out", "out3");
    expect(alone.code).toBe(64);
    expect(alone.err).toMatch(/--census-password-file/);
    expect(fs.existsSync(path.join(dir, "out3"))).toBe(false);
  });
});
