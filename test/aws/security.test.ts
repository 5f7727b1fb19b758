import * as fs from "node:fs";
import * as path from "node:path";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { TerraformStack, Testing } from "cdktf";
import { StemAlarms, StemRedis, StemSecurity, StemSigningKeyring, type StemSecurityProps } from "../../lib/aws";
import { applyStep } from "../../lib/core/keyring/steps";
import { initRedisLedger } from "../../lib/core/redis/ledger-file";
import { reviewSynthPair } from "../../lib/review/change/review-inputs";
import { AwsSecurityExample } from "../../examples/security/aws";
import { refused } from "../support/refused";
import { ledgerDir, SECURITY_REDIS, SECURITY_SIGNING } from "../support/security-ledgers";
import { findLeaks, markerDocument, markerMaterial } from "./markers";
import { findPasswordLeaks, markerPassword } from "./redis-markers";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const IMAGE = `registry.example.com/orders:1.4.2@sha256:${"c".repeat(64)}`;
const CLI = `registry.example.com/stemguard:0.1.0@sha256:${"d".repeat(64)}`;
const WORKLOADS: StemSecurityProps["workloads"] = [
  { name: "api", role: "producer", image: IMAGE },
  { name: "worker", role: "worker", image: IMAGE, queues: ["default"] },
  { name: "beat", role: "beat", image: IMAGE },
];
const NETWORK = { vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"] };

let dir: ReturnType<typeof ledgerDir>;
beforeAll(() => (dir = ledgerDir()));
afterAll(() => dir.remove());

function stack(): TerraformStack {
  const s = new TerraformStack(Testing.app(), "test");
  new AwsProvider(s, "aws", { region: "eu-west-1" });
  return s;
}

/** Every part on: the ledgers from the directory, the network, the topic. */
function full(s: TerraformStack, props: Partial<StemSecurityProps> = {}): StemSecurity {
  return new StemSecurity(s, "Security", {
    workloads: WORKLOADS,
    ledgerDir: dir.dir,
    cluster: { arn: "arn:aws:ecs:eu-west-1:000000000000:cluster/stem" },
    network: { subnetIds: NETWORK.subnetIds, securityGroupIds: ["sg-0123456789abcdef0"] },
    notifications: { page: { arn: "arn:aws:sns:eu-west-1:000000000000:stem-page" } },
    redis: { ...NETWORK },
    census: { image: CLI },
    ...props,
  });
}

const bare = (s: TerraformStack, props: Partial<StemSecurityProps> = {}) => new StemSecurity(s, "Security", { workloads: WORKLOADS, ledgerDir: dir.dir, redis: false, census: false, scan: false, alarms: false, ...props });
const addresses = (json: Json) => Object.entries(json.resource as Json).flatMap(([type, r]) => Object.keys(r).map((name) => `${type}.${name}`)).sort();
const names = (c: { environment: readonly { name: string }[]; secrets: readonly { name: string }[] }) => [...c.environment, ...c.secrets].map((e) => e.name);

describe("StemSecurity (AWS): one props object, the existing constructs under fixed ids", () => {
  test("every part: the ids, each part's names from namePrefix, the ledgers from ledgerDir, roles and queues from the workloads", () => {
    const s = stack();
    const security = full(s);
    // The ids are part of every address below them: a contract.
    expect(security.node.children.map((c) => c.node.id)).toEqual(["Redis", "Signing", "Census", "Scan", "Alarms"]);
    const json = JSON.parse(Testing.synth(s, true)) as Json;
    const keyring = security.keyring as StemSigningKeyring;
    expect(StemSigningKeyring.isStemSigningKeyring(keyring)).toBe(true);
    expect([keyring.namePrefix, keyring.roles, keyring.ledger]).toEqual(["stem-signing", ["producer", "worker", "beat"], SECURITY_SIGNING]);
    expect(keyring.redis).toBe(security.redis);
    const redis = security.redis as StemRedis;
    expect([redis.namePrefix, redis.phase.mode, redis.censusUser !== undefined]).toEqual(["stem-redis", "clients-tls", true]);
    expect(security.census!.queues).toEqual(["default"]);
    expect(Object.values(json.resource.aws_scheduler_schedule as Record<string, Json>).map((x) => x.name).sort()).toEqual(["stem-census", "stem-scan"]);
    expect(security.alarms!.alarmNames).toContain("stem-SignatureInvalid");
    expect(security.tls).toBeUndefined(); // ElastiCache: clients trust Amazon's CA
    // Terraform addresses, pinned (a rename would destroy and recreate).
    expect(addresses(json)).toMatchSnapshot();
  });

  test("namePrefix names every part; a part's own prop wins", () => {
    const s = stack();
    const security = full(s, { namePrefix: "orders", keyring: { namePrefix: "orders/signing" }, scan: { name: "orders-weekly" } });
    expect([security.keyring.namePrefix, security.redis!.namePrefix, security.scan!.scanName]).toEqual(["orders/signing", "orders-redis", "orders-weekly"]);
    expect((security.alarms as StemAlarms).namePrefix).toBe("orders");
    expect(refused(() => full(stack(), { namePrefix: "Orders_1" })).field).toBe("test/Security props.namePrefix");
  });

  test("parts off: only the keyring; containers then bring their own broker URL", () => {
    const s = stack();
    const security = bare(s);
    expect(security.node.children.map((c) => c.node.id)).toEqual(["Signing"]);
    const json = JSON.parse(Testing.synth(s, true)) as Json;
    expect(Object.keys(json.resource).sort()).toEqual(["aws_secretsmanager_secret", "aws_secretsmanager_secret_version"]);
    const c = security.bind({ name: "worker", image: IMAGE, environment: [{ name: "STEM_BROKER_URL", value: "rediss://redis.internal:6379/0" }] }, "worker");
    expect(names(c)).toEqual(["STEM_BROKER_URL", "TZ", "STEMGUARD_KEYRING_REVISION", "STEM_SIGNING_ALGORITHM", "STEM_SIGNING_KEYS", "STEM_SIGNING_ACTIVE_KEY"]);
  });

  test("fails closed where a default part lacks what it needs, naming the way out", () => {
    const e = refused(() => new StemSecurity(stack(), "Security", { workloads: WORKLOADS, ledgerDir: dir.dir }));
    expect([e.field, e.fix]).toEqual(["test/Security props.redis", expect.stringContaining("redis: false")]);
    expect(refused(() => full(stack(), { census: undefined })).fix).toMatch(/census: \{ image:.*census: false/);
    expect(refused(() => full(stack(), { cluster: undefined })).message).toMatch(/the census runs as a Fargate task.*Fix: pass cluster and network/);
    expect(refused(() => full(stack(), { notifications: undefined, census: false })).field).toBe("test/Security props.notifications");
    expect(refused(() => full(stack(), { workloads: [] })).field).toBe("test/Security props.workloads");
    expect(refused(() => full(stack(), { workloads: [...WORKLOADS, { name: "api", role: "producer", image: IMAGE }] })).field).toBe("test/Security props.workloads[3].name");
    // TLS bundles of your own CA with ElastiCache would make Stem distrust Amazon's certificate.
    expect(refused(() => full(stack(), { tls: {} })).message).toMatch(/do not go with ElastiCache/);
  });

  test("replaced parts: your own Redis, and a keyring another stack owns", () => {
    const s = stack();
    const tasks = new SecurityGroup(s, "Tasks", { name: "tasks", vpcId: NETWORK.vpcId });
    const redis = new StemRedis(s, "MyRedis", { ledger: SECURITY_REDIS, ...NETWORK, allowFrom: [tasks] });
    const security = full(s, { redis, census: false });
    expect(security.redis).toBe(redis);
    expect(security.keyring.redis).toBe(redis);
    expect(security.node.tryFindChild("Redis")).toBeUndefined();
    expect(JSON.parse(Testing.synth(s, true)).resource.aws_elasticache_replication_group).toHaveProperty(["MyRedis_ReplicationGroup_0739292E"]);

    // A service stack: the keyring and Redis another stack owns.
    const other = stack();
    const imported = StemRedis.fromNamePrefix(other, "Redis", { ledger: SECURITY_REDIS });
    const keyring = StemSigningKeyring.fromNamePrefix(other, "Signing", { ledger: SECURITY_SIGNING, roles: ["worker"], redis: imported });
    const service = new StemSecurity(other, "Security", { workloads: [WORKLOADS[1]], keyring, census: false, scan: false, alarms: false });
    expect([service.keyring, service.redis]).toEqual([keyring, imported]);
    expect(names(service.bind({ name: "worker", image: IMAGE }, "worker"))).toContain("STEM_BROKER_URL");
    // The keyring decided its Redis: the composition cannot give it another.
    expect(refused(() => new StemSecurity(stack(), "S", { workloads: [WORKLOADS[1]], keyring: StemSigningKeyring.fromNamePrefix(stack(), "K", { ledger: SECURITY_SIGNING }), redis: { ...NETWORK } })).message).toMatch(/cannot give it another/);
    expect(refused(() => new StemSecurity(other, "S2", { workloads: WORKLOADS, keyring, redis: false, census: false, scan: false, alarms: false })).message).toMatch(/no role secret for producer, beat/);
  });

  test("with a Redis of your own CA: TLS bundles, and bind adds their files; grantRead covers both secrets", () => {
    const s = stack();
    const security = bare(s, { tls: {} });
    expect(security.node.children.map((c) => c.node.id)).toEqual(["Tls", "Signing"]);
    expect(security.tls!.revision).toBe(1);
    const c = security.bind({ name: "worker", image: IMAGE, environment: [{ name: "STEM_BROKER_URL", value: "rediss://redis.internal:6379/0" }] }, "worker");
    expect(names(c)).toEqual([
      "STEM_BROKER_URL", "TZ", "STEMGUARD_KEYRING_REVISION", "STEM_TLS_CA_CERT", "STEM_TLS_CLIENT_CERT", "STEM_TLS_CLIENT_KEY", "STEMGUARD_TLS_REVISION",
      "STEM_SIGNING_ALGORITHM", "STEM_SIGNING_KEYS", "STEM_SIGNING_ACTIVE_KEY", "STEM_TLS_CA_CERT_PEM", "STEM_TLS_CLIENT_CERT_PEM", "STEM_TLS_CLIENT_KEY_PEM",
    ]);
    const role = new IamRole(s, "Exec", { name: "exec", assumeRolePolicy: "{}" });
    const policies = security.grantRead(role, "worker");
    expect(policies).toHaveLength(2);
    expect(security.grantRead(role, "worker")).toEqual(policies);
    expect(security.rollout("worker")).toEqual({ STEMGUARD_KEYRING_REVISION: "2", STEMGUARD_TLS_REVISION: "1" });
  });
});

describe("StemSecurity.bind (AWS)", () => {
  let security: StemSecurity;
  beforeAll(() => (security = full(stack())));

  test("every variable exactly once: the role secret's (signing and Redis URLs, pinned to this phase's version), TZ and the revisions that roll the task", () => {
    const c = security.bind({ name: "api", image: IMAGE, command: ["api"], environment: [{ name: "STEM_WORKER_NAME", value: "api-1" }] }, "producer");
    expect(c.command).toEqual(["api"]);
    expect(names(c)).toEqual(["STEM_WORKER_NAME", "TZ", "STEMGUARD_KEYRING_REVISION", "STEMGUARD_REDIS_CLIENT_REVISION", "STEM_SIGNING_ALGORITHM", "STEM_SIGNING_KEYS", "STEM_SIGNING_ACTIVE_KEY", "STEM_BROKER_URL", "STEM_RESULT_BACKEND_URL"]);
    expect(c.environment).toEqual(expect.arrayContaining([{ name: "STEMGUARD_KEYRING_REVISION", value: "2" }, { name: "STEMGUARD_REDIS_CLIENT_REVISION", value: "4" }]));
    for (const secret of c.secrets) expect(secret.valueFrom).toMatch(/^\$\{TfToken\[TOKEN\.\d+\]\}:STEM_[A-Z_]+::\$\{TfToken\[TOKEN\.\d+\]\}$/);
    expect(security.summary().workloads.find((w) => w.name === "api")!.rollout).toEqual({ STEMGUARD_KEYRING_REVISION: "2", STEMGUARD_REDIS_CLIENT_REVISION: "4" });
  });

  test("refuses the container's own STEM_* of the parts and a second bind, with field, value and fix", () => {
    const bind = (environment: { name: string; value: string }[]) => refused(() => security.bind({ name: "api", image: IMAGE, environment }, "producer"));
    const own = bind([{ name: "STEM_SIGNING_KEYS", value: "k1:x" }]);
    expect([own.field, own.value, own.fix]).toEqual(["test/Security.bind(producer).STEM_SIGNING_KEYS", "STEM_SIGNING_KEYS", expect.stringContaining("remove STEM_SIGNING_KEYS from the container")]);
    expect(bind([{ name: "STEM_SIGNING_PRIVATE_KEYS", value: "k1:x" }]).field).toMatch(/STEM_SIGNING_PRIVATE_KEYS$/);
    const url = bind([{ name: "STEM_SCHEDULE_STORE_URL", value: "redis://x:6379/2" }]);
    expect(url.fix).toMatch(/redis: false/);
    expect(bind([{ name: "STEM_TLS_CA_CERT", value: "/etc/ca.crt" }]).field).toMatch(/STEM_TLS_CA_CERT$/);
    const first = security.bind({ name: "api", image: IMAGE }, "producer");
    const second = refused(() => security.bind(first, "producer"));
    expect([second.message, second.fix]).toEqual([expect.stringContaining('container "api" is already bound to a StemSecurity (it has STEMGUARD_KEYRING_REVISION)'), expect.stringContaining("bind each container once")]);
    const secret = refused(() => security.bind({ name: "api", image: IMAGE, secrets: [{ name: "STEM_BROKER_URL", valueFrom: "arn:aws:secretsmanager:eu-west-1:0:secret:x" }] }, "producer"));
    expect(secret.field).toBe("test/Security.bind(producer).STEM_BROKER_URL");
    const beatless = bare(stack(), { workloads: [WORKLOADS[1]] });
    expect(refused(() => beatless.bind({ name: "beat", image: IMAGE }, "beat")).fix).toMatch(/add the workload to props.workloads with role "beat"/);
  });

  test("summary: each ledger's phase and step, the revisions, the inputs of this phase", () => {
    const summary = security.summary();
    expect(summary.signing).toEqual({ algorithm: "hmac-sha256", phase: 2, step: "stage k2", revisions: { producer: 2, worker: 2, beat: 2 } });
    expect(summary.redis).toEqual({ step: "tls clients-tls", mode: "clients-tls", clientAuth: "no", activePassword: "pw1", clientEnvRevision: 4 });
    expect(summary.inputs.map((i) => `${i.part} ${i.envVarName} ${i.required}`)).toEqual([
      "signing TF_VAR_stem_signing_key_k1 false",
      "signing TF_VAR_stem_signing_key_k2 true",
      "redis TF_VAR_stem_redis_password_pw1 false",
      "redis TF_VAR_stem_redis_census_password_census false",
      "census TF_VAR_stem_census_broker_url true",
    ]);
  });
});

test("no material in the synth, the written files, the bindings or the summary, wherever a caller could have it (AWS)", () => {
  const keys = ["k1", "k2"].map((id) => markerMaterial("hmac-sha256", id));
  const passwords = ["pw1", "census"].map(markerPassword);
  const saved = { ...process.env };
  process.env.TF_VAR_orders_signing_key_k1 = markerDocument(keys[0]);
  process.env.TF_VAR_orders_signing_key_k2 = markerDocument(keys[1]);
  process.env.TF_VAR_orders_redis_password_pw1 = passwords[0];
  process.env.TF_VAR_orders_redis_census_password_census = passwords[1];
  process.env.TF_VAR_orders_census_broker_url = `rediss://stemguard-census:${passwords[1]}@redis.internal:6379/0`;
  try {
    const app = Testing.app({ stackTraces: false });
    const example = new AwsSecurityExample(app, "orders", dir.dir);
    const fragments = JSON.stringify([example.security.bind({ name: "x", image: IMAGE }, "worker"), example.security.summary()]);
    app.synth();
    const written = fs
      .readdirSync(app.outdir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "utf8"))
      .join("\n");
    expect(written).toContain("orders_signing_key_k2"); // the search read the real output
    for (const text of [Testing.synth(example), written, fragments]) {
      expect(findLeaks(text, keys)).toEqual([]);
      expect(findPasswordLeaks(text, passwords)).toEqual([]);
      expect(text).not.toContain("MARKER");
    }
  } finally {
    process.env = saved;
  }
});

test("a plain Redis ledger (no password yet) composes too: no census password before TLS", () => {
  const plain = ledgerDir({ redis: initRedisLedger("plain") });
  try {
    const s = stack();
    const security = full(s, { ledgerDir: plain.dir });
    expect(security.redis!.phase.mode).toBe("plain");
    expect(() => Testing.synth(s, true)).not.toThrow();
  } finally {
    plain.remove();
  }
});

test("stemguard review of the composition: a signing step passes; renaming the composition fails (its id is in every address)", () => {
  const synthAt = (signing: typeof SECURITY_SIGNING) => {
    const d = ledgerDir({ signing });
    try {
      // app.synth(), not Testing.synth: the review reads the constructs' record in the "//" block, which Testing.synth drops.
      const app = Testing.app({ stackTraces: false });
      new AwsSecurityExample(app, "orders", d.dir);
      app.synth();
      return [{ name: "orders", json: JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks/orders/cdk.tf.json"), "utf8")) as Json }];
    } finally {
      d.remove();
    }
  };
  const base = synthAt(SECURITY_SIGNING);
  const head = synthAt(applyStep(SECURITY_SIGNING, "activate", "k2"));
  const review = reviewSynthPair(base, head);
  expect([review.ok, review.steps]).toEqual([true, [expect.stringContaining("activate k2")]]);
  // The same phase with the composition under another id: every part's address changes.
  const renamed = JSON.parse(JSON.stringify(base[0].json).replaceAll("Security_", "Sec_").replaceAll("orders/Security/", "orders/Sec/")) as Json;
  const refusedReview = reviewSynthPair(base, [{ name: "orders", json: renamed }]);
  expect(refusedReview.ok).toBe(false);
  expect(refusedReview.findings.map((f) => f.rule)).toEqual(expect.arrayContaining(["construct-id", "unexplained-destroy"]));
});
