// StemRedis on ElastiCache, synthesized for every phase of the AWS walk: transit settings,
// the RBAC user group (default user with the accepted passwords, read-only census user),
// the signing keyring's role secrets carrying the Redis URLs, the refusals, and no password
// in the synthesized JSON. Real terraform (validate, plan, each step against the previous
// phase's offline state) is in test/transitions/aws-redis.transition.ts.
import "../support/cdktf-jest";
import * as fs from "node:fs";
import * as path from "node:path";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { TerraformStack, Testing } from "cdktf";
import { CENSUS_ACCESS_STRING, StemRedis } from "../../lib/aws/redis";
import { StemSigningKeyring } from "../../lib/aws/signing-keyring";
import { applyRedisPasswordStep, type RedisLedger } from "../../lib/core/redis/ledger-file";
import { refused } from "../support/refused";
import { findPasswordLeaks, markerPassword } from "./redis-markers";
import { REDIS_KEYRING_PREFIX, REDIS_NETWORK, REDIS_SIGNING_LEDGER, redisStack } from "./redis-stack";
import { AWS_WALK_STEPS, FULL_WALK_STEPS, walkLedgers } from "./redis-walk";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const WALK = walkLedgers(AWS_WALK_STEPS);
const ledgerAt = (step: string): RedisLedger => WALK.find((w) => w.step === step)!.ledger;
const only = (json: Json, type: string): Json => {
  const all = Object.values((json.resource?.[type] ?? {}) as Record<string, Json>);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
};
const named = (json: Json, type: string, prefix: string): Json => Object.entries(json.resource[type] as Record<string, Json>).find(([n]) => n.startsWith(prefix))![1];

/** Every phase of the walk, synthesized once for the whole file. */
const PHASES = WALK.map(({ step, ledger }) => {
  const { stack, redis, keyring } = redisStack(ledger);
  const text = Testing.synth(stack, true);
  return { step, ledger, stack, redis, keyring: keyring!, text, json: JSON.parse(text) as Json };
});
const at = (step: string) => PHASES.find((p) => p.step === step)!;

/** The JSON object a role secret writes, with its expressions as synthesized. */
function roleSecretEnv(json: Json, role: string): Record<string, string> {
  const version = named(json, "aws_secretsmanager_secret_version", `Signing_Role-${role}_Version_`);
  const match = /^\$\{jsonencode\((\{[\s\S]*\})\)\}$/.exec(version.secret_string_wo as string);
  if (!match) throw new Error(`unexpected secret_string_wo: ${version.secret_string_wo}`);
  // {"NAME" = expr, ...}: split on the top-level `"NAME" = ` keys.
  const body = match[1].slice(1, -1);
  const out: Record<string, string> = {};
  const keys = [...body.matchAll(/"([A-Z_]+)" = /g)];
  keys.forEach((k, i) => (out[k[1]] = body.slice(k.index! + k[0].length, i + 1 < keys.length ? keys[i + 1].index : undefined).replace(/,\s*$/, "")));
  return out;
}

describe("StemRedis (ElastiCache): every phase of the AWS walk", () => {
  test("transit encryption per phase: off, then preferred (dual, clients-tls), then required (tls-only)", () => {
    const rows = PHASES.map((p) => {
      const rg = only(p.json, "aws_elasticache_replication_group");
      return [p.step, rg.transit_encryption_enabled, rg.transit_encryption_mode ?? "-"];
    });
    expect(rows).toEqual([
      ["init plain", false, "-"],
      ["tls dual", true, "preferred"],
      ["password init pw1", true, "preferred"],
      ["tls clients-tls", true, "preferred"],
      ["tls tls-only", true, "required"],
      ["password stage pw2", true, "required"],
      ["password activate pw2", true, "required"],
      ["password retire pw1", true, "required"],
    ]);
  });

  test("the user group: a user named default with the accepted passwords (at most two), the census user, attached from the first password", () => {
    const rows = PHASES.map((p) => {
      const users = Object.values(p.json.resource.aws_elasticache_user as Record<string, Json>);
      const def = users.find((u) => u.user_name === "default")!;
      const passwords = (def.authentication_mode.passwords ?? []) as string[];
      const ids = passwords.map((x) => /Redis_Password-(\w+?)_[0-9A-F]{8}\.triggers_replace/.exec(x)![1]);
      const attached = only(p.json, "aws_elasticache_replication_group").user_group_ids !== undefined;
      return [p.step, def.authentication_mode.type, ids.join(" ") || "-", attached];
    });
    expect(rows).toEqual([
      ["init plain", "no-password-required", "-", false],
      ["tls dual", "no-password-required", "-", false],
      ["password init pw1", "password", "pw1", true],
      ["tls clients-tls", "password", "pw1", true],
      ["tls tls-only", "password", "pw1", true],
      ["password stage pw2", "password", "pw1 pw2", true],
      ["password activate pw2", "password", "pw1 pw2", true],
      ["password retire pw1", "password", "pw2", true],
    ]);
    for (const p of PHASES) {
      const group = only(p.json, "aws_elasticache_user_group");
      expect(group).toMatchObject({ user_group_id: "stem-redis", engine: "redis" });
      expect(group.user_ids).toEqual(["stem-redis-default", "stem-redis-census"].map((id) => expect.stringContaining(id.startsWith("stem-redis-d") ? "DefaultUser" : "CensusUser")));
      const census = Object.values(p.json.resource.aws_elasticache_user as Record<string, Json>).find((u) => u.user_name === "stemguard-census")!;
      expect(census).toMatchObject({ user_id: "stem-redis-census", engine: "redis", access_string: CENSUS_ACCESS_STRING, authentication_mode: { type: "password" } });
      expect(census.authentication_mode.passwords).toEqual([expect.stringMatching(/^\$\{sensitive\(terraform_data\.Redis_CensusPassword-census_[0-9A-F]{8}\.triggers_replace\)\}$/)]);
      const rg = only(p.json, "aws_elasticache_replication_group");
      expect(rg).toMatchObject({ engine: "redis", engine_version: "7.1", at_rest_encryption_enabled: "true", apply_immediately: true, port: 6379 });
    }
    expect(CENSUS_ACCESS_STRING).toBe("on ~stem:* -@all +@read -@dangerous +ping +hello +select");
  });

  test("the password inputs are sensitive, not ephemeral (no write-only argument), default \"\" unless required, and stored once in terraform_data", () => {
    const p = at("password stage pw2");
    expect(p.redis.materialInputs.map((m) => [m.variableName, m.required])).toEqual([
      ["stem_redis_password_pw1", false],
      ["stem_redis_password_pw2", true],
    ]);
    expect(p.json.variable.stem_redis_password_pw2).toMatchObject({ type: "string", sensitive: true });
    expect(p.json.variable.stem_redis_password_pw2.ephemeral).toBeUndefined();
    expect(p.json.variable.stem_redis_password_pw2.default).toBeUndefined();
    expect(p.json.variable.stem_redis_password_pw1).toMatchObject({ sensitive: true, default: "", nullable: false });
    expect(p.json.variable.stem_redis_census_password_census).toMatchObject({ sensitive: true, default: "", nullable: false });
    const holder = named(p.json, "terraform_data", "Redis_Password-pw2_");
    expect(holder).toMatchObject({ triggers_replace: "${var.stem_redis_password_pw2}", lifecycle: { ignore_changes: ["triggers_replace"] } });
    expect(holder.lifecycle.postcondition[0].error_message).toContain("Set TF_VAR_stem_redis_password_pw2 once");
  });

  test("each role secret carries the role's Redis URLs next to the signing env, write-only; containers read them from it", () => {
    for (const p of PHASES) {
      const tls = ["clients-tls", "tls-only"].includes(p.redis.phase.mode);
      for (const role of ["producer", "worker", "beat"] as const) {
        const env = roleSecretEnv(p.json, role);
        expect(Object.keys(env)).toEqual([...p.keyring.variableNames(role)]);
        expect(Object.keys(env)).toEqual(expect.arrayContaining(["STEM_SIGNING_KEYS", "STEM_BROKER_URL", "STEM_RESULT_BACKEND_URL"]));
        // ElastiCache clients trust Amazon's CA through the platform store: no STEM_TLS_* at all.
        expect(Object.keys(env).filter((k) => k.startsWith("STEM_TLS_"))).toEqual([]);
        const auth = p.redis.phase.activePassword ? `:\${sensitive(terraform_data.Redis_Password-${p.redis.phase.activePassword}_` : "";
        expect(env.STEM_BROKER_URL).toContain(`"${tls ? "rediss" : "redis"}://${auth}`);
        expect(env.STEM_BROKER_URL).toContain("aws_elasticache_replication_group.Redis_ReplicationGroup_");
        expect(env.STEM_BROKER_URL).toMatch(/:6379\/0"$/);
        expect(env.STEM_RESULT_BACKEND_URL).toMatch(/:6379\/1"$/);
      }
      const version = named(p.json, "aws_secretsmanager_secret_version", "Signing_Role-worker_Version_");
      expect(version.secret_string_wo_version).toBe(p.keyring.revision("worker") + p.redis.clientEnvRevision);
      const binding = p.keyring.containerBinding("worker");
      expect(binding.environment).toContainEqual({ name: "STEMGUARD_REDIS_CLIENT_REVISION", value: String(p.redis.clientEnvRevision) });
      expect(binding.secrets.map((s) => s.name)).toEqual(expect.arrayContaining(["STEM_BROKER_URL", "STEM_RESULT_BACKEND_URL"]));
    }
    // The client env moves at the first password, at clients-tls and at the activation only.
    expect(PHASES.map((p) => p.redis.clientEnvRevision)).toEqual([1, 1, 3, 4, 4, 4, 7, 7]);
  });

  test("clients-tls sets STEM_TLS_CA_CERT only when a CA bundle holding Amazon's CA is given", () => {
    const { redis } = redisStack(ledgerAt("tls clients-tls"), { caCertPath: "/etc/ssl/certs/amazon-root-ca.pem" }, { keyring: false });
    expect(redis.clientEnvNames("worker")).toEqual(["STEM_BROKER_URL", "STEM_RESULT_BACKEND_URL", "STEM_TLS_CA_CERT"]);
    expect(redis.clientEnv("worker").at(-1)).toEqual({ name: "STEM_TLS_CA_CERT", value: "/etc/ssl/certs/amazon-root-ca.pem" });
    const dual = redisStack(ledgerAt("tls dual"), { caCertPath: "/etc/ssl/certs/amazon-root-ca.pem" }, { keyring: false });
    expect(dual.redis.clientEnvNames("worker")).toEqual(["STEM_BROKER_URL", "STEM_RESULT_BACKEND_URL"]);
  });

  test("no password reaches the synthesized JSON in any form (only sensitive references)", () => {
    const passwords = ["pw1", "pw2", "census"].map(markerPassword);
    for (const p of PHASES) expect({ step: p.step, leaks: findPasswordLeaks(p.text, passwords) }).toEqual({ step: p.step, leaks: [] });
    // Nor any jest snapshot of the AWS tests.
    const snapshots = path.join(__dirname, "__snapshots__");
    for (const file of fs.existsSync(snapshots) ? fs.readdirSync(snapshots) : []) {
      expect({ file, leaks: findPasswordLeaks(fs.readFileSync(path.join(snapshots, file), "utf8"), passwords) }).toEqual({ file, leaks: [] });
    }
    // Control: the search finds a password inside an encoded URL.
    expect(findPasswordLeaks(Buffer.from(`rediss://:${passwords[0]}@h:6379/0`).toString("base64"), passwords).length).toBeGreaterThan(0);
  });

  test("warns at synth when the state backend is not encrypted remote state, and not with an encrypted S3 backend", () => {
    const warnings = (stack: TerraformStack) => {
      Testing.synth(stack);
      const redis = stack.node.findChild("Redis");
      return redis.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
    };
    const local = warnings(redisStack(ledgerAt("password init pw1"), {}, { keyring: false }).stack);
    expect(local).toEqual([expect.stringContaining("holds the Redis passwords in plain text")]);
    expect(local[0]).toContain("the stack has no backend");
    expect(warnings(redisStack(ledgerAt("password init pw1"), {}, { keyring: false, encryptedBackend: true }).stack)).toEqual([]);
  });
});

describe("StemRedis (ElastiCache): refusals name the field, the value and the fix", () => {
  test("client-auth optional or yes: ElastiCache has no client certificates", () => {
    const withClientAuth = walkLedgers(FULL_WALK_STEPS).find((w) => w.step === "client-auth optional")!.ledger;
    const err = refused(() => redisStack(withClientAuth, {}, { keyring: false }));
    expect(err.message).toContain("ElastiCache has no client certificates");
    expect(err).toMatchObject({ field: "redis/Redis props.ledger", value: "optional" });
    expect(err.fix).toContain("keep client-auth at no");
  });

  test("engine below 7.0.5 (Redis OSS 6.x): TLS cannot be turned on in place", () => {
    const err = refused(() => redisStack(WALK[0].ledger, { engineVersion: "6.2" }, { keyring: false }));
    expect(err.message).toContain("the provider plans a replace of the replication group");
    expect(err).toMatchObject({ field: "redis/Redis props.engineVersion", value: "6.2" });
    expect(err.fix).toContain('engineVersion "7.1"');
  });

  test("a third accepted password: ElastiCache keeps two per user", () => {
    // The ledger allows a stage during the drain (a self-run Redis takes any number of passwords).
    const third = applyRedisPasswordStep(ledgerAt("password activate pw2"), "stage", "pw3");
    const err = refused(() => redisStack(third, {}, { keyring: false }));
    expect(err.message).toContain("ElastiCache keeps at most 2 per user");
    expect(err.fix).toContain("retire the retiring password first");
  });

  test("an access string with password rules, or off", () => {
    const secret = refused(() => redisStack(WALK[0].ledger, { accessString: "on >hunter2-and-more ~* +@all" }, { keyring: false }));
    expect(secret).toMatchObject({ field: "redis/Redis props.accessString", value: "(not shown)" });
    expect(JSON.stringify(secret)).not.toContain("hunter2");
    expect(refused(() => redisStack(WALK[0].ledger, { accessString: "off ~* +@all" }, { keyring: false })).field).toBe("redis/Redis props.accessString");
  });

  test("a census user named default or with a malformed password id", () => {
    expect(refused(() => redisStack(WALK[0].ledger, { censusUser: { userName: "default" } }, { keyring: false }))).toMatchObject({ field: "redis/Redis props.censusUser.userName", value: "default" });
    expect(refused(() => redisStack(WALK[0].ledger, { censusUser: { passwordId: "a b" } }, { keyring: false })).field).toBe("redis/Redis props.censusUser.passwordId");
  });

  test("the keyring refuses a Redis of another stack, and a container that sets its own Redis URL or STEM_TLS_*", () => {
    const { stack: other, redis } = redisStack(WALK[0].ledger, {}, { keyring: false });
    const stack = new TerraformStack(Testing.app(), "services");
    const err = refused(() => new StemSigningKeyring(stack, "Signing", { ledger: REDIS_SIGNING_LEDGER, namePrefix: REDIS_KEYRING_PREFIX, redis }));
    expect(err).toMatchObject({ field: "services/Signing props.redis", value: "redis/Redis" });
    expect(err.fix).toContain("StemRedis.fromNamePrefix");
    expect(other).toBeDefined();
    const { keyring } = redisStack(WALK[0].ledger);
    for (const name of ["STEM_BROKER_URL", "STEM_SCHEDULE_STORE_URL", "STEM_TLS_CA_CERT"]) {
      const own = refused(() => keyring!.bindToContainer({ name: "worker", environment: [{ name, value: "redis://x:6379/0" }] }, "worker"));
      expect(own).toMatchObject({ field: `redis/Signing.bindToContainer(worker).${name}`, value: name });
    }
  });

  test("the unknown role, and an imported Redis looks the endpoint up and keeps only the active password", () => {
    const stack = new TerraformStack(Testing.app(), "services");
    const imported = StemRedis.fromNamePrefix(stack, "Redis", { ledger: ledgerAt("password stage pw2") });
    expect(imported.materialInputs.map((m) => [m.passwordId, m.required])).toEqual([["pw1", false]]);
    expect(StemRedis.isStemRedis(imported)).toBe(false);
    const json = JSON.parse(Testing.synth(stack)) as Json;
    expect(Object.values(json.data.aws_elasticache_replication_group as Record<string, Json>)[0]).toMatchObject({ replication_group_id: "stem-redis" });
    expect(refused(() => imported.clientEnv("dashboard" as never)).fix).toContain("the dashboard signs like a producer");
    expect(new SecurityGroup(stack, "X", { vpcId: REDIS_NETWORK.vpcId })).toBeDefined();
  });
});
