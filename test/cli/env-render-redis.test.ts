/** `stemguard env render --redis-ledger`: a role's signing env and Redis env as one artifact. */
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

async function setup(steps: string[][]) {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "sg-env-redis-")));
  expect((await run(dir, "rotate", "init", "k1", "--algorithm", "hmac-sha256")).code).toBe(0);
  expect((await run(dir, "keys", "generate", "--algorithm", "hmac-sha256", "--id", "k1", "--out", "material/k1.env")).code).toBe(0);
  expect((await run(dir, "redis", "init", "--mode", "plain")).code).toBe(0);
  for (const s of steps) expect((await run(dir, "redis", ...s)).code).toBe(0);
  for (const id of ["pw1", "pw2"]) expect((await run(dir, "redis", "password", "generate", "--id", id, "--out", `material/${id}.password`)).code).toBe(0);
  const pw = (id: string) => fs.readFileSync(path.join(dir, "material", `${id}.password`), "utf8").trim();
  return { dir, pw };
}

const render = (dir: string, ...extra: string[]) => run(dir, "env", "render", "--role", "worker", "--material", "material", "--redis-ledger", "stemguard.redis.json", "--redis-host", "stem-redis.stem.svc.cluster.local", "--json", ...extra);

describe("env render with a Redis ledger", () => {
  test("plain: redis:// on the plain port, no password, no STEM_TLS_*; beside the signing env", async () => {
    const { dir } = await setup([]);
    const env = JSON.parse((await render(dir)).out);
    expect(env).toMatchObject({ STEM_SIGNING_ALGORITHM: "hmac-sha256", STEM_BROKER_URL: "redis://stem-redis.stem.svc.cluster.local:6379/0", STEM_RESULT_BACKEND_URL: "redis://stem-redis.stem.svc.cluster.local:6379/1" });
    expect(Object.keys(env).filter((k) => k.startsWith("STEM_TLS_"))).toEqual([]);
  });

  test("clients-tls with client certificates: rediss:// on the TLS port with the active password, and every STEM_TLS_* path", async () => {
    const { dir, pw } = await setup([["tls", "dual"], ["password", "init", "pw1"], ["tls", "clients-tls"], ["client-auth", "optional"]]);
    const env = JSON.parse((await render(dir, "--redis-tls-dir", "/etc/stem/tls")).out);
    expect(env).toMatchObject({
      STEM_BROKER_URL: `rediss://:${pw("pw1")}@stem-redis.stem.svc.cluster.local:6380/0`,
      STEM_RESULT_BACKEND_URL: `rediss://:${pw("pw1")}@stem-redis.stem.svc.cluster.local:6380/1`,
      STEM_TLS_CA_CERT: "/etc/stem/tls/ca.crt",
      STEM_TLS_CLIENT_CERT: "/etc/stem/tls/client.crt",
      STEM_TLS_CLIENT_KEY: "/etc/stem/tls/client.key",
    });
  });

  test("after a password is activated every URL carries the new one and none the old", async () => {
    const { dir, pw } = await setup([["tls", "dual"], ["password", "init", "pw1"], ["password", "stage", "pw2"], ["password", "activate", "pw2"]]);
    const out = (await render(dir)).out;
    expect(out).toContain(pw("pw2"));
    expect(out).not.toContain(pw("pw1"));
  });

  test("client-auth without client files is refused with the fix; a missing password file names the command, never a value", async () => {
    const { dir, pw } = await setup([["tls", "dual"], ["password", "init", "pw1"], ["tls", "clients-tls"], ["client-auth", "optional"]]);
    const res = await render(dir);
    expect(res.code).toBe(64);
    expect(res.out + res.err).toMatch(/clients must present a certificate.*tlsFiles\.clientCert|client certificate and key paths/s);
    fs.rmSync(path.join(dir, "material", "pw1.password"));
    const missing = await render(dir, "--redis-tls-dir", "/etc/stem/tls");
    expect(missing.code).toBe(64);
    expect(missing.out + missing.err).toMatch(/stemguard redis password generate --id pw1/);
    expect(missing.out + missing.err).not.toContain(pw("pw2"));
  });

  test("--redis-host without --redis-ledger, or a ledger without a host, is a usage error", async () => {
    const { dir } = await setup([]);
    expect((await run(dir, "env", "render", "--role", "worker", "--material", "material", "--redis-host", "h")).code).toBe(64);
    expect((await run(dir, "env", "render", "--role", "worker", "--material", "material", "--redis-ledger", "stemguard.redis.json")).code).toBe(64);
  });
});
