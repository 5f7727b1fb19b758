import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import type { SigningLedger } from "../../lib/core/keyring/types";
import type { RedisLedger } from "../../lib/core/redis/ledger-file";
import { StemRedis } from "../../lib/kubernetes/redis";
import { StemSigningKeyring } from "../../lib/kubernetes/signing-keyring";
import { StemTlsBundles } from "../../lib/kubernetes/tls-bundles";
import { fullWalkSteps } from "../core/redis/walk";
import { byName, rotation } from "./fixtures";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const WALK = fullWalkSteps();
const ledgerAt = (step: string): RedisLedger => WALK.find((w) => w.step === step)!.ledger;

function wired(redisLedger: RedisLedger, signing: SigningLedger = rotation("hmac-sha256").staged) {
  const stack = new TerraformStack(Testing.app(), "test");
  new KubernetesProvider(stack, "kubernetes", {});
  const tls = new StemTlsBundles(stack, "Tls", { namespace: "stem", revision: 1 });
  const redis = new StemRedis(stack, "Redis", { ledger: redisLedger, namespace: "stem", tlsBundles: tls, allowFrom: [{ podSelector: { app: "worker" } }] });
  const keyring = new StemSigningKeyring(stack, "Keyring", { ledger: signing, namespace: "stem", redis });
  return { stack, tls, redis, keyring };
}

const roleSecret = (stack: TerraformStack, role: string): Json => byName(JSON.parse(Testing.synth(stack, true)), "kubernetes_secret_v1")[`stem-signing-${role}`];

describe("StemSigningKeyring with a StemRedis: a role's whole Stem env in one Secret", () => {
  test("each role Secret carries the Redis URLs (password as a Terraform expression) and STEM_TLS_* beside the signing env, write-only", () => {
    const { stack } = wired(ledgerAt("client-auth optional"));
    for (const role of ["producer", "worker", "beat"]) {
      const secret = roleSecret(stack, role);
      expect(secret.data_wo).toMatchObject({
        STEM_SIGNING_ACTIVE_KEY: "k1",
        STEM_BROKER_URL: "rediss://:${var.stem_redis_password_pw1}@stem-redis.stem.svc.cluster.local:6380/0",
        STEM_RESULT_BACKEND_URL: "rediss://:${var.stem_redis_password_pw1}@stem-redis.stem.svc.cluster.local:6380/1",
        STEM_TLS_CA_CERT: "/etc/stem/tls/ca/ca.crt",
        STEM_TLS_CLIENT_CERT: "/etc/stem/tls/client/tls.crt",
        STEM_TLS_CLIENT_KEY: "/etc/stem/tls/client/tls.key",
      });
      // Signing revision 2 (the staged ledger) + Redis client-env revision 6.
      expect(secret.data_wo_revision).toBe(8);
      expect(secret.metadata.annotations).toEqual({ "stemguard.io/keyring-revision": "2", "stemguard.io/redis-client-revision": "6" });
    }
  });

  test("containerEnv refers to every Redis variable in the Secret; the pods roll exactly when the Redis client env changes", () => {
    const { keyring } = wired(ledgerAt("tls clients-tls"));
    const env = keyring.containerEnv("worker") as Json[];
    expect(env.map((e) => e.name)).toEqual([...keyring.variableNames("worker"), "TZ"]);
    expect(env.find((e) => e.name === "STEM_BROKER_URL")).toEqual({ name: "STEM_BROKER_URL", valueFrom: { secretKeyRef: { name: expect.any(String), key: "STEM_BROKER_URL", optional: false } } });
    const annotation = (step: string) => wired(ledgerAt(step)).keyring.podAnnotations("worker")["stemguard.io/redis-client-revision"];
    const rolls = WALK.map((w) => annotation(w.step));
    expect(rolls).toEqual(["1", "1", "3", "4", "4", "6", "6", "6", "9", "9"]);
  });

  test("fails on a duplicate STEM_* variable: the container's own Redis URL, the TLS bundles' env, or a second binding", () => {
    const { keyring, tls } = wired(ledgerAt("tls clients-tls"));
    expect(() => keyring.containerEnv("worker", [{ name: "STEM_BROKER_URL", value: "redis://x:6379/0" }])).toThrow(/sets STEM_BROKER_URL, but the keyring's Secret carries the Redis env/);
    expect(() => keyring.containerEnv("worker", [{ name: "STEM_WORKFLOW_STORE_URL", value: "redis://x:6379/2" }])).toThrow(/STEM_WORKFLOW_STORE_URL/);
    expect(() => keyring.containerEnv("worker", tls.containerEnv())).toThrow(/do not also use the TLS bundles' containerEnv/);
    expect(() => keyring.containerEnv("worker", keyring.containerEnv("worker") as { name: string }[])).toThrow(/already bound to the signing keyring/);
  });

  test("a signing step rewrites the role Secrets, so the active Redis password is required then even in a phase where Redis writes nothing", () => {
    // tls-only changes no client env: the password is optional for Redis itself ...
    const alone = wired(ledgerAt("tls tls-only"), rotation("hmac-sha256").activated);
    expect(alone.redis.materialInputs.map((m) => [m.variableName, m.required])).toEqual([["stem_redis_password_pw1", true]]);
    const variable = (JSON.parse(Testing.synth(alone.stack)) as Json).variable.stem_redis_password_pw1;
    expect(variable.default).toBe("");
    expect(variable.validation.map((v: Json) => v.condition)).toContain("${(length(var.stem_redis_password_pw1) >= 1)}");
    expect(variable.description).toMatch(/Required in this phase: the signing keyring test\/Keyring rewrites the role Secrets/);
  });

  test("fails on a Redis from another stack; a keyring used from another stack lists the same variables", () => {
    const { redis } = wired(ledgerAt("tls dual"));
    const other = new TerraformStack(Testing.app(), "other");
    expect(() => new StemSigningKeyring(other, "Keyring", { ledger: rotation("hmac-sha256").staged, namespace: "stem", redis })).toThrow(/the Redis is in another stack.*StemRedis.fromNamePrefix/);
    const tls = StemTlsBundles.fromNamePrefix(other, "Tls", { namespace: "stem", revision: 1, kinds: ["client"] });
    const imported = StemRedis.fromNamePrefix(other, "Redis", { ledger: ledgerAt("tls dual"), namespace: "stem", tlsBundles: tls });
    const keyring = StemSigningKeyring.fromNamePrefix(other, "Imported", { ledger: rotation("hmac-sha256").staged, namespace: "stem", redis: imported });
    expect(keyring.variableNames("beat")).toContain("STEM_RESULT_BACKEND_URL");
    expect(keyring.podAnnotations("beat")["stemguard.io/redis-client-revision"]).toBe("1");
  });
});
