import { redisConnects, runRedisDrill } from "../../../lib/core/redis/drill";
import type { RedisWalkPhase } from "../../../lib/core/redis/ledger-file";
import { redisWalk } from "../../../lib/core/redis/ledger-file";
import type { RedisPhase } from "../../../lib/core/redis/types";
import { fullWalk } from "./walk";

const phase = (p: Partial<RedisPhase>): RedisPhase => ({ mode: "plain", clientAuth: "no", acceptedPasswords: [], ...p });

describe("Redis drill", () => {
  test("the full walk cuts no role off; the first password is reported as the one cut-over", () => {
    const report = runRedisDrill(redisWalk(fullWalk()));
    expect(report).toMatchObject({ phases: 10, checks: 19, failures: [] });
    expect(report.cutovers).toEqual([{ clientPhase: 2, serverPhase: 3, step: "password init pw1", reason: "the client sends no password, the server requires one (NOAUTH)" }]);
  });

  test("a skipped step is caught with the reason", () => {
    const walk: RedisWalkPhase[] = [
      { index: 1, step: "init plain", section: "redis-tls", phase: phase({}) },
      { index: 2, step: "tls tls-only", section: "redis-tls", phase: phase({ mode: "tls-only" }) },
    ];
    expect(runRedisDrill(walk).failures).toEqual([{ clientPhase: 1, serverPhase: 2, step: "tls tls-only", reason: "the client connects plain, the server refuses plain (tls-only)" }]);
  });

  test.each([
    [phase({ mode: "clients-tls" }), phase({ mode: "plain" }), "does not speak TLS"],
    [phase({ mode: "clients-tls" }), phase({ mode: "clients-tls", clientAuth: "yes" }), "requires a client certificate"],
    [phase({ mode: "dual", acceptedPasswords: ["a"], activePassword: "a" }), phase({ mode: "dual", acceptedPasswords: ["b"], activePassword: "b" }), "WRONGPASS"],
    [phase({ mode: "dual", acceptedPasswords: ["a"], activePassword: "a" }), phase({ mode: "dual" }), "nopass"],
  ])("redisConnects refuses %#", (client, server, reason) => {
    const v = redisConnects(client, server);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.reason).toMatch(reason);
  });
});
