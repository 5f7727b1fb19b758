import { planRedisPasswordInputs, redisAuthRevision, redisClientEnvRevision, redisFilesFingerprint, redisPasswordVariableName, redisWalkPosition } from "../../../lib/core/redis/revisions";
import { fullWalkSteps } from "./walk";

describe("Redis revisions and password inputs", () => {
  const walk = fullWalkSteps();
  const at = (step: string) => walk.find((w) => w.step === step)!.ledger;

  test("the walk position counts the steps of both sections", () => {
    expect(walk.map((w) => redisWalkPosition(w.ledger))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  test("the auth revision moves on password steps only; the client revision on scheme, client certificate and active-password changes", () => {
    expect(walk.map((w) => redisAuthRevision(w.ledger))).toEqual([1, 1, 3, 3, 3, 3, 3, 8, 9, 10]);
    expect(walk.map((w) => redisClientEnvRevision(w.ledger))).toEqual([1, 1, 3, 4, 4, 6, 6, 6, 9, 9]);
  });

  test("a password input is required only in the phase whose step writes an object holding it", () => {
    const plan = (step: string, clients = true) => planRedisPasswordInputs(at(step), "stem-redis", { server: true, clients });
    expect(plan("tls dual")).toEqual([]);
    expect(plan("password init pw1")).toEqual([{ passwordId: "pw1", variableName: "stem_redis_password_pw1", envVarName: "TF_VAR_stem_redis_password_pw1", required: true }]);
    // clients-tls rewrites the roles' URLs (the active password), not the ACL.
    expect(plan("tls clients-tls").map((p) => p.required)).toEqual([true]);
    expect(plan("tls clients-tls", false).map((p) => p.required)).toEqual([false]);
    expect(plan("tls tls-only").map((p) => p.required)).toEqual([false]);
    expect(plan("password stage pw2").map((p) => [p.passwordId, p.required])).toEqual([["pw1", true], ["pw2", true]]);
    expect(plan("password retire pw1").map((p) => [p.passwordId, p.required])).toEqual([["pw2", true]]);
    // Clients only: the active password alone.
    expect(planRedisPasswordInputs(at("password stage pw2"), "x", { server: false, clients: true }).map((p) => p.passwordId)).toEqual(["pw1"]);
  });

  test("variable names and fingerprints", () => {
    expect(redisPasswordVariableName("orders-redis", "pw.2026-01")).toBe("orders_redis_password_pw_2026_01");
    expect(redisFilesFingerprint({ a: "1", b: "2" })).toBe(redisFilesFingerprint({ b: "2", a: "1" }));
    expect(redisFilesFingerprint({ a: "1" })).toMatch(/^[0-9a-f]{16}$/);
    expect(redisFilesFingerprint({ a: "1" })).not.toBe(redisFilesFingerprint({ a: "2" }));
  });
});
