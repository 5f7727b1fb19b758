// The census's read-only user on the Kubernetes StemRedis: users.acl (write-only) carries its
// SHA-256 computed by Terraform, its password is a required ephemeral input, and its URL goes
// to the census job's write-only Secret. The same ACL on a real redis-server: test/integration/census.test.ts.
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { CENSUS_USER_RULES } from "../../lib/core/redis/census-user";
import type { RedisLedger } from "../../lib/core/redis/ledger-file";
import { StemCensusJob } from "../../lib/kubernetes/census-job";
import { StemRedis, type StemRedisProps } from "../../lib/kubernetes/redis";
import { censusAuthRevision } from "../../lib/kubernetes/redis-census-user";
import { StemTlsBundles } from "../../lib/kubernetes/tls-bundles";
import { fullWalkSteps } from "../core/redis/walk";
import { refused } from "../support/refused";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const WALK = fullWalkSteps();
const ledgerAt = (step: string): RedisLedger => WALK.find((w) => w.step === step)!.ledger;
const CLI = `registry.example.com/stemguard:0.1.0@sha256:${"d".repeat(64)}`;

function build(step: string, props: Partial<StemRedisProps> = {}) {
  const stack = new TerraformStack(Testing.app(), "test");
  new KubernetesProvider(stack, "kubernetes", { configPath: "~/.kube/config" });
  const tls = new StemTlsBundles(stack, "Tls", { namespace: "stem", revision: 1 });
  const redis = new StemRedis(stack, "Redis", { ledger: ledgerAt(step), namespace: "stem", tlsBundles: tls, allowFrom: [{ podSelector: { app: "worker" } }], ...props });
  return { stack, redis, tls };
}
const auth = (json: Json) => Object.values(json.resource.kubernetes_secret_v1 as Record<string, Json>).find((s) => s.metadata.name === "stem-redis-auth")!;

describe("StemRedis censusUser (Kubernetes)", () => {
  test("users.acl gets the census user with Terraform's SHA-256 of a required ephemeral input; the census job gets its URL write-only", () => {
    const { stack, redis, tls } = build("password activate pw2", { censusUser: {} });
    const census = new StemCensusJob(stack, "Census", { namespace: "stem", image: CLI, tlsBundles: tls, brokerUrl: redis.censusBrokerUrl });
    expect(census.brokerUrlInput).toBeUndefined();
    const text = Testing.synth(stack, true);
    const json = JSON.parse(text) as Json;
    const acl = auth(json).data_wo["users.acl"] as string;
    const lines = acl.split("\n");
    expect(lines[0]).toMatch(/^user default on #\$\{sha256\(var\.stem_redis_password_pw1\)\} #\$\{sha256\(var\.stem_redis_password_pw2\)\} /);
    expect(lines[1]).toBe(`user stemguard-census on #\${sha256(var.stem_redis_census_password_census)} ${CENSUS_USER_RULES}`);
    expect(json.variable.stem_redis_census_password_census).toMatchObject({ ephemeral: true, sensitive: true });
    expect(json.variable.stem_redis_census_password_census.default).toBeUndefined(); // required on every plan and apply
    expect(redis.censusInput).toMatchObject({ variableName: "stem_redis_census_password_census", envVarName: "TF_VAR_stem_redis_census_password_census", required: true });
    const censusSecret = Object.values(json.resource.kubernetes_secret_v1 as Record<string, Json>).find((s) => s.metadata.name === "stem-census")!;
    expect(censusSecret.data_wo).toEqual({ STEM_BROKER_URL: "rediss://stemguard-census:${var.stem_redis_census_password_census}@stem-redis.stem.svc.cluster.local:6380/0" });
    expect(json.variable.stem_census_broker_url).toBeUndefined();
    // The password input appears only in write-only arguments (data_wo) and its own declaration/validation.
    const uses = text.split("\n").filter((l) => l.includes("var.stem_redis_census_password_census"));
    expect(uses.every((l) => /"users\.acl"|STEM_BROKER_URL|condition/.test(l))).toBe(true);
  });

  test("the auth Secret's data_wo_revision changes when the census user is added or its password id changes, and not otherwise", () => {
    const revision = (props: Partial<StemRedisProps>) => auth(JSON.parse(Testing.synth(build("password activate pw2", props).stack, true)) as Json).data_wo_revision as number;
    const without = revision({});
    const base = revision({ censusUser: {} });
    expect(without).toBeLessThan(100_000); // the ledger's own auth revision, unchanged without a census user
    expect(base).not.toBe(without);
    expect(revision({ censusUser: { passwordId: "census2" } })).not.toBe(base);
    expect(revision({ censusUser: { userName: "other-census" } })).not.toBe(base);
    expect(revision({ censusUser: { passwordId: "census" } })).toBe(base);
    expect(censusAuthRevision(7, undefined)).toBe(7);
    expect(censusAuthRevision(7, { userName: "u", passwordId: "p" }) % 100_000).toBe(7);
  });

  test("plain phase: the census URL is redis:// on the plain port; bad names are refused", () => {
    const { redis } = build("init plain", { censusUser: { userName: "census-ro", passwordId: "c1" } });
    expect(redis.censusBrokerUrl).toMatch(/^redis:\/\/census-ro:\$\{TfToken\[TOKEN\.\d+\]\}@stem-redis\.stem\.svc\.cluster\.local:6379\/0$/);
    expect(refused(() => build("init plain", { censusUser: { userName: "default" } })).field).toMatch(/censusUser\.userName$/);
    expect(refused(() => build("init plain", { censusUser: { passwordId: "bad id" } })).field).toMatch(/censusUser\.passwordId$/);
  });

  test("the census job refuses a literal broker URL (it would land in the synthesized JSON)", () => {
    const { stack } = build("init plain");
    const err = refused(() => new StemCensusJob(stack, "Census", { namespace: "stem", image: CLI, brokerUrl: "redis://stemguard-census:pw@redis:6379/0" }));
    expect(err.field).toMatch(/brokerUrl$/);
    expect(JSON.stringify(err)).not.toContain(":pw@");
  });
});
