import * as fs from "node:fs";
import * as path from "node:path";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { StemCensusJob, StemRedis, StemSecurity, StemSigningKeyring, StemTlsBundles, type StemSecurityProps } from "../../lib/kubernetes";
import { initRedisLedger } from "../../lib/core/redis/ledger-file";
import { addKubernetesSecurityExample } from "../../examples/security/kubernetes";
import { refused } from "../support/refused";
import { ledgerDir, SECURITY_REDIS, SECURITY_SIGNING } from "../support/security-ledgers";
import { findLeaks, markerDocument, markerMaterial } from "../aws/markers";
import { findPasswordLeaks, markerPassword } from "../aws/redis-markers";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const IMAGE = `registry.example.com/orders:1.4.2@sha256:${"c".repeat(64)}`;
const CLI = `registry.example.com/stemguard:0.1.0@sha256:${"d".repeat(64)}`;
const WORKLOADS: StemSecurityProps["workloads"] = [
  { name: "api", role: "producer", image: IMAGE },
  { name: "worker", role: "worker", image: IMAGE, queues: ["default"], podLabels: { "app.kubernetes.io/name": "worker" } },
  { name: "beat", role: "beat", image: IMAGE },
];

let dir: ReturnType<typeof ledgerDir>;
beforeAll(() => (dir = ledgerDir()));
afterAll(() => dir.remove());

function stack(app = Testing.app(), id = "test"): TerraformStack {
  const s = new TerraformStack(app, id);
  new KubernetesProvider(s, "kubernetes", {});
  return s;
}

function full(props: Partial<StemSecurityProps> = {}) {
  const app = Testing.app();
  const s = stack(app);
  const alarmsStack = stack(app, "alarms");
  const security = new StemSecurity(s, "Security", { workloads: WORKLOADS, namespace: "stem", ledgerDir: dir.dir, census: { image: CLI }, alarms: { stack: alarmsStack }, ...props });
  return { stack: s, alarmsStack, security };
}

const bare = (props: Partial<StemSecurityProps> = {}) => new StemSecurity(stack(), "Security", { workloads: WORKLOADS, namespace: "stem", ledgerDir: dir.dir, redis: false, census: false, scan: false, alarms: false, ...props });
const addresses = (json: Json) => Object.entries(json.resource as Json).flatMap(([type, r]) => Object.keys(r).map((name) => `${type}.${name}`)).sort();
const envNames = (env: readonly { name: string }[]) => env.map((e) => e.name);

describe("StemSecurity (Kubernetes): one props object, the existing constructs under fixed ids", () => {
  test("every part: the ids, the names, the ledgers from ledgerDir; Redis admits every workload; alarms in their own stack", () => {
    const { stack: s, alarmsStack, security } = full();
    expect(security.node.children.map((c) => c.node.id)).toEqual(["Tls", "Redis", "Signing", "Census", "Scan"]);
    expect(alarmsStack.node.findChild("Security").node.children.map((c) => c.node.id)).toEqual(["Alarms"]);
    const json = JSON.parse(Testing.synth(s, true)) as Json;
    expect([security.keyring.namePrefix, security.tls!.namePrefix, security.redis!.namePrefix, security.scan!.scanName]).toEqual(["stem-signing", "stem-tls", "stem-redis", "stem-scan"]);
    expect(security.keyring.ledger).toEqual(SECURITY_SIGNING);
    expect((security.redis as StemRedis).tlsBundles).toBe(security.tls);
    const policy = Object.values(json.resource.kubernetes_network_policy_v1)[0] as Json;
    expect(policy.spec.ingress[0].from.map((f: Json) => f.pod_selector.match_labels)).toEqual([
      { app: "api" },
      { "app.kubernetes.io/name": "worker" },
      { app: "beat" },
      { "app.kubernetes.io/instance": "stem-census", "app.kubernetes.io/managed-by": "stemguard", "app.kubernetes.io/name": "stemguard-census" }, // the census's pods
    ]);
    expect(addresses(json)).toMatchSnapshot();
    expect(addresses(JSON.parse(Testing.synth(alarmsStack, true)))).toEqual(["kubernetes_manifest.Security_Alarms_2521F9EB"]);
  });

  test("parts off: only the keyring (no Redis, so no TLS by default)", () => {
    const security = bare();
    expect(security.node.children.map((c) => c.node.id)).toEqual(["Signing"]);
    const bound = security.bind({ name: "worker", image: IMAGE, env: [{ name: "STEM_BROKER_URL", value: "rediss://redis.internal:6380/0" }] }, "worker");
    expect(envNames(bound.container.env)).toEqual(["STEM_BROKER_URL", "STEM_SIGNING_ALGORITHM", "STEM_SIGNING_KEYS", "STEM_SIGNING_ACTIVE_KEY", "TZ"]);
    expect([bound.volumes, bound.podAnnotations]).toEqual([[], { "stemguard.io/keyring-revision": "2" }]);
  });

  test("TLS bundles for a Redis of your own CA outside the composition: bind gives their env, mounts and annotation", () => {
    const security = bare({ tls: { kinds: ["client"] } });
    const bound = security.bind({ name: "worker", image: IMAGE }, "worker");
    expect(envNames(bound.container.env)).toEqual(["STEM_TLS_CA_CERT", "STEM_TLS_CLIENT_CERT", "STEM_TLS_CLIENT_KEY", "STEM_SIGNING_ALGORITHM", "STEM_SIGNING_KEYS", "STEM_SIGNING_ACTIVE_KEY", "TZ"]);
    expect(bound.container.volumeMount.map((m) => m.mountPath)).toEqual(["/etc/stem/tls/ca", "/etc/stem/tls/client"]);
    expect(bound.podAnnotations).toEqual({ "stemguard.io/keyring-revision": "2", "stemguard.io/tls-revision": "1" });
  });

  test("fails closed: census without image, alarms without a stack of their own", () => {
    expect(refused(() => full({ census: undefined })).fix).toMatch(/census: false/);
    const e = refused(() => full({ alarms: undefined }));
    expect([e.field, e.fix]).toEqual(["test/Security props.alarms.stack", expect.stringContaining("alarms: false")]);
    const s = stack();
    expect(refused(() => new StemSecurity(s, "S", { workloads: WORKLOADS, namespace: "stem", ledgerDir: dir.dir, census: false, alarms: { stack: s } })).message).toMatch(/needs a stack of its own/);
  });

  test("replaced parts: your own Redis with its TLS bundles; a keyring another stack owns", () => {
    const s = stack();
    const tls = new StemTlsBundles(s, "MyTls", { namespace: "stem", revision: 1 });
    const redis = new StemRedis(s, "MyRedis", { ledger: SECURITY_REDIS, namespace: "stem", tlsBundles: tls, allowFrom: [{ podSelector: { app: "worker" } }] });
    const security = new StemSecurity(s, "Security", { workloads: WORKLOADS, namespace: "stem", ledgerDir: dir.dir, redis, census: false, scan: false, alarms: false });
    expect([security.redis, security.tls, security.keyring.redis]).toEqual([redis, tls, redis]);
    expect(security.node.children.map((c) => c.node.id)).toEqual(["Signing"]);
    expect(refused(() => new StemSecurity(s, "S2", { workloads: WORKLOADS, namespace: "stem", keyring: { namePrefix: "s2" }, redis, tls: StemTlsBundles.fromNamePrefix(s, "T2", { namespace: "stem", revision: 1 }), census: false, scan: false, alarms: false })).message).toMatch(/other TLS bundles/);

    const other = stack();
    const keyring = StemSigningKeyring.fromNamePrefix(other, "Signing", { ledger: SECURITY_SIGNING, namespace: "stem", roles: ["worker"] });
    const service = new StemSecurity(other, "Security", { workloads: [WORKLOADS[1]], namespace: "stem", keyring, redis: false, census: false, scan: false, alarms: false });
    expect(envNames(service.bind({ name: "worker", image: IMAGE }, "worker").container.env)).toContain("STEM_SIGNING_KEYS");
    expect(refused(() => new StemSecurity(other, "S3", { workloads: [WORKLOADS[1]], namespace: "other", keyring, redis: false, census: false, scan: false, alarms: false })).message).toMatch(/another namespace/);
  });
});

describe("StemSecurity.bind (Kubernetes)", () => {
  let security: StemSecurity;
  beforeAll(() => (security = full().security));

  test("every variable exactly once from the role Secret (signing, Redis URLs, STEM_TLS_* paths), the client mounts, the annotations that roll the pod", () => {
    const bound = security.bind({ name: "worker", image: IMAGE, args: ["worker"], env: [{ name: "STEM_WORKER_NAME", value: "w" }], volumeMount: [{ name: "tmp", mountPath: "/tmp" }] }, "worker", { "prometheus.io/scrape": "true" });
    expect(bound.container.args).toEqual(["worker"]);
    expect(envNames(bound.container.env)).toEqual(["STEM_WORKER_NAME", "STEM_SIGNING_ALGORITHM", "STEM_SIGNING_KEYS", "STEM_SIGNING_ACTIVE_KEY", "STEM_BROKER_URL", "STEM_RESULT_BACKEND_URL", "STEM_TLS_CA_CERT", "TZ"]);
    for (const e of bound.container.env.slice(1, -1) as Json[]) expect(e.valueFrom.secretKeyRef).toMatchObject({ key: e.name, optional: false });
    expect(bound.container.volumeMount.map((m) => m.name)).toEqual(["tmp", "stem-tls-ca", "stem-tls-client"]);
    expect(bound.volumes.map((v) => v.name)).toEqual(["stem-tls-ca", "stem-tls-client"]);
    expect(bound.podAnnotations).toEqual({ "prometheus.io/scrape": "true", "stemguard.io/keyring-revision": "2", "stemguard.io/redis-client-revision": "4", "stemguard.io/tls-revision": "1" });
    expect(security.podLabels("worker")).toEqual({ "app.kubernetes.io/name": "worker" });
  });

  test("refuses the container's own STEM_* of the parts, a second bind and a mount on the TLS paths, with field, value and fix", () => {
    const bind = (env: Json[]) => refused(() => security.bind({ name: "api", image: IMAGE, env: env as { name: string }[] }, "producer"));
    const own = bind([{ name: "STEM_SIGNING_ACTIVE_KEY", value: "k1" }]);
    expect([own.field, own.value]).toEqual(["test/Security.bind(producer).STEM_SIGNING_ACTIVE_KEY", "STEM_SIGNING_ACTIVE_KEY"]);
    expect(bind([{ name: "STEM_BROKER_URL", value: "redis://x:6379/0" }]).fix).toMatch(/redis: false/);
    expect(bind([{ name: "STEM_TLS_CLIENT_KEY", value: "/k" }]).field).toMatch(/STEM_TLS_CLIENT_KEY$/);
    const first = security.bind({ name: "api", image: IMAGE }, "producer");
    expect(refused(() => security.bind(first.container, "producer")).message).toMatch(/already bound to a StemSecurity \(it has STEM_SIGNING_ALGORITHM\)/);
    expect(refused(() => security.bind({ name: "api", image: IMAGE, volumeMount: [{ name: "ca", mountPath: "/etc/stem/tls/ca" }] }, "producer")).field).toBe("test/Security.bind(producer).volumeMount");
    expect(refused(() => security.bind({ name: "api", image: IMAGE }, "producer", { "stemguard.io/tls-revision": "9" })).message).toMatch(/set by the TLS bundles/);
  });

  test("summary: phases, revisions, rollout annotations, inputs", () => {
    const summary = security.summary();
    expect(summary.tls).toEqual({ revision: 1 });
    expect(summary.redis!.step).toBe("tls clients-tls");
    expect(summary.workloads[1]).toEqual({ name: "worker", role: "worker", rollout: { "stemguard.io/keyring-revision": "2", "stemguard.io/redis-client-revision": "4", "stemguard.io/tls-revision": "1" } });
    expect(summary.inputs.map((i) => i.variableName)).toEqual([
      "stem_signing_key_k1", "stem_signing_key_k2", "stem_tls_ca_bundle", "stem_tls_server_cert", "stem_tls_server_key", "stem_tls_client_cert", "stem_tls_client_key", "stem_redis_password_pw1", "stem_redis_census_password_census",
    ]);
  });
});

test("no material in the synth, the written files, the bindings or the summary, wherever a caller could have it (Kubernetes)", () => {
  const keys = ["k1", "k2"].map((id) => markerMaterial("hmac-sha256", id));
  const passwords = [markerPassword("pw1")];
  const saved = { ...process.env };
  process.env.TF_VAR_orders_signing_key_k1 = markerDocument(keys[0]);
  process.env.TF_VAR_orders_signing_key_k2 = markerDocument(keys[1]);
  process.env.TF_VAR_orders_redis_password_pw1 = passwords[0];
  process.env.TF_VAR_orders_tls_client_key = "-----BEGIN PRIVATE KEY-----\nSENTINEL-do-not-leak\n-----END PRIVATE KEY-----";
  process.env.TF_VAR_orders_redis_census_password_census = markerPassword("census");
  passwords.push(process.env.TF_VAR_orders_redis_census_password_census);
  try {
    const app = Testing.app({ stackTraces: false });
    const { stack: s, security } = addKubernetesSecurityExample(app, dir.dir);
    const fragments = JSON.stringify([security.bind({ name: "x", image: IMAGE }, "worker"), security.summary()]);
    app.synth();
    const written = fs
      .readdirSync(app.outdir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "utf8"))
      .join("\n");
    expect(written).toContain("orders_tls_client_key");
    for (const text of [Testing.synth(s), written, fragments]) {
      expect(findLeaks(text, keys)).toEqual([]);
      expect(findPasswordLeaks(text, passwords)).toEqual([]);
      expect(text).not.toContain("SENTINEL");
      expect(text).not.toContain("MARKER");
    }
  } finally {
    process.env = saved;
  }
});

test("the composed census reads with the Redis's read-only user over the client bundle: no broker URL input of its own", () => {
  const { stack: s, security } = full();
  const redis = security.redis as StemRedis;
  expect(redis.censusInput?.variableName).toBe("stem_redis_census_password_census");
  const json = JSON.parse(Testing.synth(s)) as Json;
  expect(Object.keys(json.variable)).not.toContain("stem_census_broker_url");
  const census = security.census as StemCensusJob;
  expect(census.brokerUrlInput).toBeUndefined();
  const deployment = Object.values(json.resource.kubernetes_deployment_v1 as Record<string, Json>).find((d) => d.metadata.name === census.namePrefix)!;
  const container = deployment.spec.template.spec.container[0];
  expect(container.env.map((e: Json) => e.name)).toEqual(expect.arrayContaining(["STEM_TLS_CA_CERT", "STEM_TLS_CLIENT_CERT", "STEM_TLS_CLIENT_KEY"]));
  const policy = Object.values(json.resource.kubernetes_network_policy_v1 as Record<string, Json>)[0];
  expect(policy.spec.ingress[0].from.map((f: Json) => f.pod_selector.match_labels)).toContainEqual(census.serviceLabels);
  const aclSecret = JSON.stringify(json.resource.kubernetes_secret_v1);
  expect(aclSecret).toContain("user stemguard-census on #${sha256(var.stem_redis_census_password_census)}");
});

test("a plain Redis ledger: TLS bundles mounted already, so dual applies live", () => {
  const plain = ledgerDir({ redis: initRedisLedger("plain") });
  try {
    const { stack: s, security } = full({ ledgerDir: plain.dir });
    expect([security.redis!.phase.mode, (security.redis as StemRedis).tlsBundles]).toEqual(["plain", security.tls]);
    expect(envNames(security.bind({ name: "w", image: IMAGE }, "worker").container.env)).not.toContain("STEM_TLS_CA_CERT");
    expect(() => Testing.synth(s, true)).not.toThrow();
  } finally {
    plain.remove();
  }
});
