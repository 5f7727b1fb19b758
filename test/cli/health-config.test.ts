import { main } from "../../lib/cli/main";
import { fakeIo } from "../support/fake-io";

// Config errors end before any connection, so no Redis is needed here; the
// mutual-TLS cases against a real redis-server are in test/integration/redis-tls.test.ts.
describe("stemguard health: configuration errors exit 64 like stem health", () => {
  const secret = Buffer.alloc(32, 9).toString("base64");

  test("fails on a signing key list Stem refuses, with Stem's text and no material", async () => {
    const io = fakeIo(process.cwd(), {
      STEM_BROKER_URL: "redis://127.0.0.1:1/0",
      STEM_SIGNING_KEYS: `k1:${secret}`,
      STEM_SIGNING_ACTIVE_KEY: "k2",
    });
    expect(await main(["health", "--skip-backend"], io)).toBe(64);
    expect(io.err()).toBe('Failed to load StemConfig: Bad state: Active signing key "k2" not present in STEM_SIGNING_KEYS.\n');
    expect(io.out()).toBe("");
  });

  test("redacts material that Stem's own message would quote", async () => {
    const io = fakeIo(process.cwd(), { STEM_BROKER_URL: "redis://127.0.0.1:1/0", STEM_SIGNING_KEYS: `k1:${secret}:extra`, STEM_SIGNING_ACTIVE_KEY: "k1" });
    expect(await main(["health", "--skip-backend"], io)).toBe(64);
    expect(io.err()).toMatch(/^Failed to load StemConfig: FormatException: Invalid signing key entry "k1:<redacted/);
    expect(io.err()).not.toContain(secret);
  });

  test("reports a missing broker URL before the signing config, as StemConfig does", async () => {
    const io = fakeIo(process.cwd(), { STEM_SIGNING_KEYS: "broken" });
    expect(await main(["health"], io)).toBe(64);
    expect(io.err()).toMatch(/Missing STEM_BROKER_URL environment variable \(e\.g\. redis:\/\/host:6379\)\./);
  });

  test("applies --broker before loading the config, as stem health does", async () => {
    // Port 1 on loopback refuses the connection: the check runs (exit 70) instead of a config error.
    const io = fakeIo(process.cwd(), { STEM_BROKER_URL: "" });
    expect(await main(["health", "--broker", "redis://127.0.0.1:1/0", "--skip-backend", "--timeout", "2000"], io)).toBe(70);
    expect(io.out()).toMatch(/Connection failed for redis:\/\/127\.0\.0\.1:1\/0/);
  });
});
