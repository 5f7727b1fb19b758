import { StemguardError } from "../../../lib/core/errors";
import {
  assertElastiCachePhase,
  elastiCacheEngineVersion,
  elastiCacheServerFingerprint,
  elastiCacheTransit,
  planElastiCachePasswordInputs,
} from "../../../lib/core/redis/elasticache";
import { applyRedisPasswordStep, currentRedisPhase, serializeRedisLedger } from "../../../lib/core/redis/ledger-file";
import { AWS_WALK_STEPS, FULL_WALK_STEPS, walkLedgers } from "../../aws/redis-walk";
import { fullWalk } from "./walk";
import { refused } from "../../support/refused";

const FIELDS = { engine: "engine", engineVersion: "engineVersion" };

describe("Redis ledger phases on ElastiCache (pure)", () => {
  test("the walk helper replays exactly fullWalk()", () => {
    expect(serializeRedisLedger(walkLedgers(FULL_WALK_STEPS).at(-1)!.ledger)).toBe(serializeRedisLedger(fullWalk()));
  });

  test("TLS modes map to ElastiCache's migration: off, preferred, preferred, required", () => {
    expect(walkLedgers(AWS_WALK_STEPS).map((w) => [w.step, elastiCacheTransit(currentRedisPhase(w.ledger))])).toEqual([
      ["init plain", { transitEncryptionEnabled: false }],
      ["tls dual", { transitEncryptionEnabled: true, transitEncryptionMode: "preferred" }],
      ["password init pw1", { transitEncryptionEnabled: true, transitEncryptionMode: "preferred" }],
      ["tls clients-tls", { transitEncryptionEnabled: true, transitEncryptionMode: "preferred" }],
      ["tls tls-only", { transitEncryptionEnabled: true, transitEncryptionMode: "required" }],
      ["password stage pw2", { transitEncryptionEnabled: true, transitEncryptionMode: "required" }],
      ["password activate pw2", { transitEncryptionEnabled: true, transitEncryptionMode: "required" }],
      ["password retire pw1", { transitEncryptionEnabled: true, transitEncryptionMode: "required" }],
    ]);
  });

  test("fails on a phase with client certificates: ElastiCache has none", () => {
    const walk = walkLedgers(FULL_WALK_STEPS);
    const refusedSteps = walk.filter((w) => {
      try {
        assertElastiCachePhase(currentRedisPhase(w.ledger), "ledger");
        return false;
      } catch (err) {
        expect((err as StemguardError).problem).toMatch(/ElastiCache has no client certificates/);
        expect((err as StemguardError).fix).toMatch(/keep client-auth at no/);
        return true;
      }
    });
    // From client-auth optional on, every later phase keeps client certificates.
    expect(refusedSteps.map((w) => w.step)).toEqual(["client-auth optional", "client-auth yes", "password stage pw2", "password activate pw2", "password retire pw1"]);
  });

  test("fails on a third accepted password: ElastiCache keeps two per user", () => {
    const walk = walkLedgers(AWS_WALK_STEPS);
    const activated = walk.find((w) => w.step === "password activate pw2")!.ledger; // pw2 active, pw1 retiring
    const three = applyRedisPasswordStep(activated, "stage", "pw3");
    const err = refused(() => assertElastiCachePhase(currentRedisPhase(three), "ledger"));
    expect(err.problem).toMatch(/accept 3 passwords \(pw1, pw2, pw3\); ElastiCache keeps at most 2/);
    expect(err.fix).toMatch(/retire the retiring password first/);
    expect(() => assertElastiCachePhase(currentRedisPhase(activated), "ledger")).not.toThrow();
  });

  test("engine versions: families, and Redis OSS below 7.0 refused with the reason", () => {
    expect(elastiCacheEngineVersion("redis", "7.1", FIELDS).family).toBe("redis7");
    expect(elastiCacheEngineVersion("redis", "7.0", FIELDS).family).toBe("redis7");
    expect(elastiCacheEngineVersion("valkey", "7.2", FIELDS).family).toBe("valkey7");
    expect(elastiCacheEngineVersion("valkey", "8.0", FIELDS).family).toBe("valkey8");
    const old = refused(() => elastiCacheEngineVersion("redis", "6.2", FIELDS));
    expect(old.field).toBe("engineVersion");
    expect(old.problem).toMatch(/below 7.0 cannot turn TLS on in place.*plans a replace/);
    expect(old.fix).toMatch(/upgrade the group to engineVersion "7.1" first/);
    expect(refused(() => elastiCacheEngineVersion("redis", "7.0.5", FIELDS)).problem).toMatch(/major.minor/);
    expect(refused(() => elastiCacheEngineVersion("memcached", "1.6", FIELDS)).field).toBe("engine");
    expect(refused(() => elastiCacheEngineVersion("valkey", "7.1", FIELDS)).problem).toMatch(/first Valkey is 7.2/);
  });

  test("password inputs: each required only in the phase whose step adds it to the stack", () => {
    const rows = walkLedgers(AWS_WALK_STEPS).map((w) => [
      w.step,
      planElastiCachePasswordInputs(w.ledger, "stem-redis", "server").map((p) => `${p.variableName}${p.required ? "!" : ""}`).join(" "),
      planElastiCachePasswordInputs(w.ledger, "stem-redis", "clients").map((p) => `${p.variableName}${p.required ? "!" : ""}`).join(" "),
    ]);
    expect(rows).toEqual([
      ["init plain", "", ""],
      ["tls dual", "", ""],
      ["password init pw1", "stem_redis_password_pw1!", "stem_redis_password_pw1!"],
      ["tls clients-tls", "stem_redis_password_pw1", "stem_redis_password_pw1"],
      ["tls tls-only", "stem_redis_password_pw1", "stem_redis_password_pw1"],
      ["password stage pw2", "stem_redis_password_pw1 stem_redis_password_pw2!", "stem_redis_password_pw1"],
      ["password activate pw2", "stem_redis_password_pw1 stem_redis_password_pw2", "stem_redis_password_pw2!"],
      ["password retire pw1", "stem_redis_password_pw2", "stem_redis_password_pw2"],
    ]);
    expect(planElastiCachePasswordInputs(walkLedgers(AWS_WALK_STEPS)[2].ledger, "prod/stem.redis", "server")[0].envVarName).toBe("TF_VAR_prod_stem_redis_password_pw1");
  });

  test("the server fingerprint moves exactly with what ElastiCache runs", () => {
    const prints = walkLedgers(AWS_WALK_STEPS).map((w) => elastiCacheServerFingerprint(currentRedisPhase(w.ledger)));
    expect(prints.every((p) => /^[0-9a-f]{16}$/.test(p))).toBe(true);
    // dual -> clients-tls moves only the clients: the server is the same.
    expect(prints[3]).toBe(prints[2]);
    expect(new Set(prints).size).toBe(prints.length - 1);
  });
});
