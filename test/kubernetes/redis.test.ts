import { createHash } from "node:crypto";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { TerraformLocal, TerraformStack, Testing } from "cdktf";
import type { RedisLedger } from "../../lib/core/redis/ledger-file";
import { StemRedis, type StemRedisProps } from "../../lib/kubernetes/redis";
import { StemTlsBundles } from "../../lib/kubernetes/tls-bundles";
import { fullWalkSteps } from "../core/redis/walk";
import { byName, type SynthJson } from "./fixtures";
import { refused } from "../support/refused";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const WALK = fullWalkSteps();
const ledgerAt = (step: string): RedisLedger => WALK.find((w) => w.step === step)!.ledger;

function redisStack(ledger: RedisLedger, props: Partial<StemRedisProps> = {}) {
  const stack = new TerraformStack(Testing.app(), "test");
  new KubernetesProvider(stack, "kubernetes", { configPath: "~/.kube/config" });
  const tls = new StemTlsBundles(stack, "Tls", { namespace: "stem", revision: 1 });
  const redis = new StemRedis(stack, "Redis", { ledger, namespace: "stem", tlsBundles: tls, allowFrom: [{ podSelector: { app: "worker" } }], ...props });
  return { stack, redis, tls };
}

function synth(stack: TerraformStack): { text: string; json: Json } {
  const text = Testing.synth(stack, true);
  return { text, json: JSON.parse(text) as Json };
}

const one = (json: Json, type: string, name: string): Json => byName(json as SynthJson, type)[name];

/** The synthesized form of each value (tokens become Terraform expressions), through one synth of locals. */
let probes = 0;
function resolveAll(stack: TerraformStack, values: readonly string[]): string[] {
  const ids = values.map((value) => {
    const local = new TerraformLocal(stack, `probe${++probes}`, value);
    local.overrideLogicalId(`probe${probes}`);
    return `probe${probes}`;
  });
  const locals = (JSON.parse(Testing.synth(stack)) as Json).locals as Record<string, string>;
  return ids.map((id) => locals[id]);
}

/** A role's env with its values as synthesized. */
function resolvedEnv(stack: TerraformStack, env: readonly { name: string; value: string }[]): Record<string, string> {
  const values = resolveAll(stack, env.map((e) => e.value));
  return Object.fromEntries(env.map((e, i) => [e.name, values[i]]));
}


/** Every phase of the full walk, synthesized once for the whole file. */
const PHASES = WALK.map(({ step, ledger }) => {
  const { stack, redis } = redisStack(ledger);
  return { step, redis, stack, ...synth(stack) };
});
const at = (step: string) => PHASES.find((p) => p.step === step)!;

describe("StemRedis: every phase of the full walk", () => {
  test("the Services and the NetworkPolicy carry the ports open in the phase: plain, both while both are open, TLS only in tls-only", () => {
    const expected: Record<string, number[]> = {
      "init plain": [6379],
      "tls dual": [6379, 6380],
      "password init pw1": [6379, 6380],
      "tls clients-tls": [6379, 6380],
      "tls tls-only": [6380],
      "client-auth optional": [6380],
      "client-auth yes": [6380],
      "password stage pw2": [6380],
      "password activate pw2": [6380],
      "password retire pw1": [6380],
    };
    for (const p of PHASES) {
      for (const name of ["stem-redis", "stem-redis-headless"]) {
        const ports = one(p.json, "kubernetes_service_v1", name).spec.port as Json[];
        expect([p.step, ports.map((x) => x.port)]).toEqual([p.step, expected[p.step]]);
        expect(ports.map((x) => x.target_port)).toEqual(expected[p.step].map((n) => (n === 6379 ? "redis" : "redis-tls")));
      }
      const ingress = one(p.json, "kubernetes_network_policy_v1", "stem-redis").spec.ingress as Json[];
      expect([p.step, ingress[0].ports.map((x: Json) => Number(x.port))]).toEqual([p.step, expected[p.step]]);
      expect(ingress[0].from).toEqual([{ pod_selector: { match_labels: { app: "worker" } } }]);
    }
    expect(one(at("tls dual").json, "kubernetes_service_v1", "stem-redis-headless").spec.cluster_ip).toBe("None");
  });

  test("tls-auth-clients is rendered no in every TLS phase before the client-auth steps, then optional, then yes", () => {
    const authLine = (step: string) => (one(at(step).json, "kubernetes_config_map_v1", "stem-redis-config").data["live.conf"] as string).match(/^tls-auth-clients (.*)$/m)?.[1];
    expect(authLine("init plain")).toBeUndefined();
    for (const step of ["tls dual", "password init pw1", "tls clients-tls", "tls tls-only"]) expect([step, authLine(step)]).toEqual([step, "no"]);
    expect(authLine("client-auth optional")).toBe("optional");
    for (const step of ["client-auth yes", "password retire pw1"]) expect(authLine(step)).toBe("yes");
    // redis.conf starts with the same live part; the ConfigMap holds no secret.
    const conf = one(at("tls dual").json, "kubernetes_config_map_v1", "stem-redis-config").data;
    expect(conf["redis.conf"]).toContain("tls-auth-clients no\n");
    expect(conf["redis.conf"]).toContain("appendonly yes\n");
    expect(conf["redis.conf"]).toContain("aclfile /etc/stemguard/redis-auth/users.acl\n");
    expect(Object.keys(conf).sort()).toEqual(["live.conf", "probe.sh", "redis.conf", "reload.sh"]);
  });

  test("the pod template is the same in every phase (steps apply live); the config revision moves on the StatefulSet's own metadata", () => {
    const templates = PHASES.map((p) => JSON.stringify(one(p.json, "kubernetes_stateful_set_v1", "stem-redis").spec.template));
    for (const t of templates) expect(t).toBe(templates[0]);
    const revisions = PHASES.map((p) => one(p.json, "kubernetes_stateful_set_v1", "stem-redis").metadata.annotations["stemguard.io/redis-config-revision"]);
    expect(revisions).toEqual(PHASES.map((p) => p.redis.revision));
    // Each step changes the server configuration (the ACL's shape counts, its hashes do not), except
    // activate: the server accepts the same two passwords; only the reloader's password moves (auth Secret).
    const activate = PHASES.findIndex((p) => p.step === "password activate pw2");
    expect(revisions[activate]).toBe(revisions[activate - 1]);
    expect(new Set(revisions).size).toBe(PHASES.length - 1);
    // The image (a change Redis cannot take live) does change it.
    const { stack } = redisStack(ledgerAt("tls dual"), { image: "redis:7.4.1-alpine@sha256:" + "a".repeat(64) });
    expect(JSON.stringify(one(synth(stack).json, "kubernetes_stateful_set_v1", "stem-redis").spec.template)).not.toBe(templates[0]);
  });

  test("the pod: non-root, read-only root filesystem, the reloader sidecar on the same image, a readiness probe script from the ConfigMap, a data claim", () => {
    const sts = one(at("tls dual").json, "kubernetes_stateful_set_v1", "stem-redis");
    const pod = sts.spec.template.spec;
    expect(sts.spec.replicas).toBe("1");
    expect(pod.security_context).toMatchObject({ run_as_non_root: true, run_as_user: "999", fs_group: "1000" });
    const [redis, reloader] = pod.container as Json[];
    expect(redis.command).toEqual(["redis-server", "/etc/stemguard/redis/redis.conf"]);
    expect(redis.readiness_probe.exec.command).toEqual(["sh", "/etc/stemguard/redis/probe.sh"]);
    expect(reloader).toMatchObject({ name: "reloader", image: redis.image, command: ["sh", "/etc/stemguard/redis/reload.sh"] });
    for (const c of [redis, reloader]) expect(c.security_context).toMatchObject({ read_only_root_filesystem: true, allow_privilege_escalation: false, run_as_non_root: true });
    expect(sts.spec.volume_claim_template[0].spec.resources.requests.storage).toBe("1Gi");
    // The probe speaks TLS with the CA and the client certificate in TLS phases, plain before.
    const probe = (step: string) => one(at(step).json, "kubernetes_config_map_v1", "stem-redis-config").data["probe.sh"] as string;
    expect(probe("init plain")).not.toContain("--tls");
    expect(probe("client-auth yes")).toContain("ready --tls --cacert /etc/stem/tls/ca/ca.crt --cert /etc/stem/tls/client/tls.crt --key /etc/stem/tls/client/tls.key -h 127.0.0.1 -p 6380");
    expect(probe("client-auth yes")).toContain("REDISCLI_AUTH=$(cat /etc/stemguard/redis-auth/password)");
    // The reloader watches the ACL and the TLS files, so password steps and new certificates apply live too.
    expect(one(at("init plain").json, "kubernetes_config_map_v1", "stem-redis-config").data["reload.sh"]).toContain("/etc/stemguard/redis-auth/users.acl /etc/stem/tls/server/tls.crt");
  });
});

describe("StemRedis: passwords stay out of synth", () => {
  test("users.acl in data_wo is Terraform's sha256() over each accepted password's ephemeral input; the password key is the active one", () => {
    const auth = (step: string) => one(at(step).json, "kubernetes_secret_v1", "stem-redis-auth");
    expect(auth("tls dual").data_wo).toEqual({ "users.acl": "user default on nopass ~* &* +@all\n", password: "" });
    expect(auth("password stage pw2").data_wo).toEqual({
      "users.acl": "user default on #${sha256(var.stem_redis_password_pw1)} #${sha256(var.stem_redis_password_pw2)} ~* &* +@all\n",
      password: "${var.stem_redis_password_pw1}",
    });
    expect(auth("password retire pw1").data_wo).toEqual({ "users.acl": "user default on #${sha256(var.stem_redis_password_pw2)} ~* &* +@all\n", password: "${var.stem_redis_password_pw2}" });
    // Rewritten exactly on the password steps.
    expect(PHASES.map((p) => auth(p.step).data_wo_revision)).toEqual([1, 1, 3, 3, 3, 3, 3, 8, 9, 10]);
    const variable = at("password stage pw2").json.variable.stem_redis_password_pw2;
    expect(variable).toMatchObject({ ephemeral: true, sensitive: true, type: "string" });
    for (const p of PHASES) expect(p.text).not.toContain("$${");
  });

  test("no password value, hash or literal `#<hex>` appears anywhere in the synthesized JSON", () => {
    const markers = ["MARKER-pw1-do-not-leak-0123456789abcdef", "MARKER-pw2-do-not-leak-0123456789abcdef"];
    const forms = markers.flatMap((m) => [m, createHash("sha256").update(m).digest("hex"), Buffer.from(m).toString("base64")]);
    for (const p of PHASES) {
      for (const form of forms) expect(p.text).not.toContain(form);
      expect(p.text).not.toMatch(/#[0-9a-f]{64}/);
      // The only 64-hex run is the image digest.
      expect([...new Set(p.text.match(/[0-9a-f]{64}/g))]).toEqual(["ff02b58f971e7d7d156a1267e283fcbbeee91773b6aa36c49dac28ecfe28eadf"]);
    }
  });

  test("a password input is required only in the phase whose step writes it, optional (default \"\") after", () => {
    const inputs = (step: string) => at(step).redis.materialInputs.map((m) => [m.variableName, m.required]);
    expect(inputs("tls dual")).toEqual([]);
    expect(inputs("password init pw1")).toEqual([["stem_redis_password_pw1", true]]);
    // clients-tls rewrites the roles' URLs (with the active password), tls-only does not.
    expect(inputs("tls clients-tls")).toEqual([["stem_redis_password_pw1", true]]);
    expect(inputs("tls tls-only")).toEqual([["stem_redis_password_pw1", false]]);
    expect(at("tls tls-only").json.variable.stem_redis_password_pw1).toMatchObject({ default: "", nullable: false });
    expect(inputs("password stage pw2")).toEqual([["stem_redis_password_pw1", true], ["stem_redis_password_pw2", true]]);
    expect(inputs("password retire pw1")).toEqual([["stem_redis_password_pw2", true]]);
    expect(at("password retire pw1").json.variable.stem_redis_password_pw1).toBeUndefined();
    expect(at("password init pw1").json.variable.stem_redis_password_pw1.validation[0].condition).toBe('${can(regex("^[A-Za-z0-9._~-]{32,128}$", var.stem_redis_password_pw1))}');
  });
});

describe("StemRedis: client env", () => {
  const resolved = (step: string, role: "producer" | "worker" | "beat") => {
    const p = at(step);
    return resolvedEnv(p.stack, p.redis.clientEnv(role));
  };

  test("redis:// on the plain port until clients-tls, then rediss:// on the TLS port with STEM_TLS_*; the password is a Terraform expression", () => {
    for (const role of ["producer", "worker", "beat"] as const) {
      expect(resolved("init plain", role)).toEqual({ STEM_BROKER_URL: "redis://stem-redis.stem.svc.cluster.local:6379/0", STEM_RESULT_BACKEND_URL: "redis://stem-redis.stem.svc.cluster.local:6379/1" });
      expect(resolved("password init pw1", role).STEM_BROKER_URL).toBe("redis://:${var.stem_redis_password_pw1}@stem-redis.stem.svc.cluster.local:6379/0");
      expect(resolved("tls clients-tls", role)).toEqual({
        STEM_BROKER_URL: "rediss://:${var.stem_redis_password_pw1}@stem-redis.stem.svc.cluster.local:6380/0",
        STEM_RESULT_BACKEND_URL: "rediss://:${var.stem_redis_password_pw1}@stem-redis.stem.svc.cluster.local:6380/1",
        STEM_TLS_CA_CERT: "/etc/stem/tls/ca/ca.crt",
      });
      expect(resolved("client-auth optional", role)).toMatchObject({ STEM_TLS_CLIENT_CERT: "/etc/stem/tls/client/tls.crt", STEM_TLS_CLIENT_KEY: "/etc/stem/tls/client/tls.key" });
      expect(resolved("password activate pw2", role).STEM_RESULT_BACKEND_URL).toBe("rediss://:${var.stem_redis_password_pw2}@stem-redis.stem.svc.cluster.local:6380/1");
    }
    expect(PHASES.map((p) => p.redis.clientEnvRevision)).toEqual([1, 1, 3, 4, 4, 6, 6, 6, 9, 9]);
    expect(() => at("tls dual").redis.clientEnv("dashboard" as "producer")).toThrow(/unknown role.*dashboard is a producer/);
  });

  test("every Redis URL variable given a database is rendered", () => {
    const { redis, stack } = redisStack(ledgerAt("tls clients-tls"), { databases: { STEM_BROKER_URL: 2, STEM_RESULT_BACKEND_URL: 3, STEM_REVOKE_STORE_URL: 4 } });
    const env = Object.entries(resolvedEnv(stack, redis.clientEnv("worker")));
    expect(env.slice(0, 3)).toEqual([
      ["STEM_BROKER_URL", "rediss://:${var.stem_redis_password_pw1}@stem-redis.stem.svc.cluster.local:6380/2"],
      ["STEM_RESULT_BACKEND_URL", "rediss://:${var.stem_redis_password_pw1}@stem-redis.stem.svc.cluster.local:6380/3"],
      ["STEM_REVOKE_STORE_URL", "rediss://:${var.stem_redis_password_pw1}@stem-redis.stem.svc.cluster.local:6380/4"],
    ]);
  });

  test("fromNamePrefix: the same env and names from the same ledger, no resources, only the active password's input", () => {
    const stack = new TerraformStack(Testing.app(), "services");
    new KubernetesProvider(stack, "kubernetes", {});
    const tls = StemTlsBundles.fromNamePrefix(stack, "Tls", { namespace: "stem", revision: 1, kinds: ["client"] });
    const redis = StemRedis.fromNamePrefix(stack, "Redis", { ledger: ledgerAt("password stage pw2"), namespace: "stem", tlsBundles: tls });
    expect(StemRedis.isStemRedis(redis)).toBe(false);
    expect(StemRedis.isStemRedis(at("init plain").redis)).toBe(true);
    const owner = at("password stage pw2");
    expect(resolvedEnv(stack, redis.clientEnv("worker"))).toEqual(resolvedEnv(owner.stack, owner.redis.clientEnv("worker")));
    expect(redis.materialInputs.map((m) => [m.variableName, m.required])).toEqual([["stem_redis_password_pw1", false]]);
    const json = JSON.parse(Testing.synth(stack)) as Json;
    expect(json.resource).toBeUndefined();
    expect(Object.keys(json.variable)).toEqual(["stem_redis_password_pw1"]);
    expect(json.variable.stem_redis_password_pw1.default).toBe("");
  });
});

describe("StemRedis: names, validation and misuse", () => {
  test("serverDnsNames cover both Service forms and the pod behind the headless Service; the client host is the cluster.local form", () => {
    const { redis } = at("init plain");
    expect(redis.serverDnsNames).toEqual(["stem-redis.stem.svc", "stem-redis.stem.svc.cluster.local", "stem-redis-0.stem-redis-headless.stem.svc", "stem-redis-0.stem-redis-headless.stem.svc.cluster.local"]);
    expect(redis.clientHost).toBe("stem-redis.stem.svc.cluster.local");
  });

  test("construct IDs (Terraform addresses) are pinned", () => {
    const { json } = at("init plain");
    const addresses = Object.entries(json.resource as Json).flatMap(([type, bodies]) => Object.keys(bodies as Json).filter((k) => k.startsWith("Redis")).map((k) => `${type}.${k}`)).sort();
    expect(addresses).toEqual([
      "kubernetes_config_map_v1.Redis_Config_D94F9251",
      "kubernetes_network_policy_v1.Redis_NetworkPolicy_B2B9A104",
      "kubernetes_pod_disruption_budget_v1.Redis_DisruptionBudget_A35A2B68",
      "kubernetes_secret_v1.Redis_Auth_C5C540BD",
      "kubernetes_service_v1.Redis_HeadlessService_CD1E3922",
      "kubernetes_service_v1.Redis_Service_5061E0BB",
      "kubernetes_stateful_set_v1.Redis_FF642DF2",
    ]);
    expect(one(json, "kubernetes_pod_disruption_budget_v1", "stem-redis").spec.max_unavailable).toBe("0");
  });

  test("fails on an image not pinned as name:tag@sha256:<64 hex>, naming the field, the value and the fix", () => {
    const digest = "a".repeat(64);
    const cases: [string, RegExp][] = [
      ["redis:7.4-alpine", /must be pinned by digest/],
      [`redis:7.4-alpine@sha256:${digest.slice(1)}`, /64 lowercase hex/],
      [`redis:7.4-alpine@sha256:${digest.toUpperCase()}`, /64 lowercase hex/],
      [`redis@sha256:${digest}`, /must carry a tag/],
      [`Redis:7.4@sha256:${digest}`, /lowercase registry path/],
    ];
    for (const [image, problem] of cases) {
      const e = refused(() => redisStack(ledgerAt("init plain"), { image }));
      expect(e.problem).toMatch(problem);
      expect(e.field).toBe("test/Redis props.image");
      expect(e.value).toBe(image);
      expect(e.fix).toMatch(/pin the image by digest/);
    }
    expect(() => redisStack(ledgerAt("init plain"), { image: `registry.example.com:5000/mirror/redis:7.4-alpine@sha256:${digest}` })).not.toThrow();
  });

  test("fails on namespace and namePrefix misuse: a token namespace, a second Redis with the same prefix in the namespace, bundles in another namespace", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const token = refused(() => new StemRedis(stack, "R", { ledger: ledgerAt("init plain"), namespace: "${TfToken[TOKEN.1]}" }));
    expect(token.problem).toMatch(/namespace must be a literal name/);
    expect(token.fix).toMatch(/dependsOn: \[namespace\]/);
    expect(refused(() => new StemRedis(stack, "R2", { ledger: ledgerAt("init plain"), namespace: "Stem" })).field).toBe("test/R2 props.namespace");
    expect(refused(() => new StemRedis(stack, "R3", { ledger: ledgerAt("init plain"), namespace: "stem", namePrefix: "Redis" })).field).toBe("test/R3 props.namePrefix");
    new StemRedis(stack, "First", { ledger: ledgerAt("init plain"), namespace: "stem" });
    const twice = refused(() => new StemRedis(stack, "Second", { ledger: ledgerAt("init plain"), namespace: "stem" }));
    expect(twice.problem).toMatch(/Kubernetes StatefulSet stem\/stem-redis is already created by test\/First/);
    expect(twice.fix).toMatch(/own namePrefix/);
    const tls = new StemTlsBundles(stack, "OtherTls", { namespace: "other", revision: 1, namePrefix: "other-tls" });
    expect(refused(() => new StemRedis(stack, "Third", { ledger: ledgerAt("init plain"), namespace: "stem", namePrefix: "third", tlsBundles: tls })).problem).toMatch(/must be in Redis's namespace/);
  });

  test("fails in a TLS phase without TLS bundles, and once clients present certificates without a client bundle", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const e = refused(() => new StemRedis(stack, "R", { ledger: ledgerAt("tls dual"), namespace: "stem" }));
    expect(e.problem).toMatch(/TLS mode dual: the server speaks TLS/);
    expect(e.fix).toMatch(/already in the plain phase/);
    const serverOnly = new StemTlsBundles(stack, "Tls", { namespace: "stem", revision: 1, kinds: ["server"] });
    expect(() => new StemRedis(stack, "Ok", { ledger: ledgerAt("tls tls-only"), namespace: "stem", tlsBundles: serverOnly, namePrefix: "ok" })).not.toThrow();
    expect(refused(() => new StemRedis(stack, "R2", { ledger: ledgerAt("client-auth optional"), namespace: "stem", tlsBundles: serverOnly, namePrefix: "r2" })).problem).toMatch(/no client bundle/);
  });

  test("the NetworkPolicy admits only the workloads given; none fails synthesis; an empty selector is refused", () => {
    const { stack, redis } = redisStack(ledgerAt("tls dual"), { allowFrom: [] });
    expect(() => Testing.synth(stack, true)).toThrow(/the NetworkPolicy admits no workload/);
    expect(refused(() => redis.allowFrom({})).problem).toMatch(/must not be empty/);
    redis.allowFrom({ app: "api" });
    redis.allowFrom({ app: "beat" }, { namespace: "stem-beat" });
    const ingress = one(synth(stack).json, "kubernetes_network_policy_v1", "stem-redis").spec.ingress as Json[];
    expect(ingress).toHaveLength(1);
    expect(ingress[0].from).toEqual([
      { pod_selector: { match_labels: { app: "api" } } },
      { pod_selector: { match_labels: { app: "beat" } }, namespace_selector: { match_labels: { "kubernetes.io/metadata.name": "stem-beat" } } },
    ]);
  });
});
