// Small cdktf apps built with the real constructs, synthesized with app.synth() into a
// cdktf.out-shaped folder, for the review tests: one AWS stack (keyring + TLS bundles + ECS
// workloads) and one Kubernetes stack (keyring + TLS + Redis StatefulSet/PVC + workloads).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { PersistentVolumeClaimV1 } from "@cdktf/provider-kubernetes/lib/persistent-volume-claim-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { StatefulSetV1 } from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import { App, Fn, LocalBackend, TerraformStack } from "cdktf";
import * as aws from "../../../lib/aws";
import * as k8s from "../../../lib/kubernetes";
import { applyStep, initLedger } from "../../../lib/core/keyring/steps";
import type { Role, SigningLedger } from "../../../lib/core/keyring/types";
import { applyRedisPasswordStep, applyRedisTlsStep, initRedisLedger, type RedisLedger } from "../../../lib/core/redis/ledger-file";
import { applyTlsStep, initTlsLedger } from "../../../lib/core/tls/ca-ledger";
import type { TlsCaLedger, TlsStep } from "../../../lib/core/tls/ca-ledger-types";

/** The ledgers one phase of the test apps renders. */
export interface AppLedgers {
  readonly signing: SigningLedger;
  readonly tls: TlsCaLedger;
  readonly redis: RedisLedger;
}

/** Knobs the unsafe cases turn: each is something a user could really write. */
export interface AppVariant {
  /** Construct id of the AWS keyring. @default "Signing" */
  readonly awsKeyringId?: string;
  /** namePrefix of the AWS keyring. @default "stem/signing" */
  readonly awsNamePrefix?: string;
  /** Leave the AWS keyring out of the stack (its workloads then carry no keyring). */
  readonly withoutAwsKeyring?: boolean;
  /** Kubernetes Redis storage size (a volume claim template change replaces the StatefulSet). @default "5Gi" */
  readonly redisStorage?: string;
  /** namePrefix of the Kubernetes TLS bundles (renames the TLS Secrets: a replace). @default "stem-tls" */
  readonly tlsNamePrefix?: string;
  /** Roles of the AWS keyring (and workloads). @default producer, worker */
  readonly awsRoles?: readonly Role[];
  /** Add a standalone PersistentVolumeClaim for the workers. @default false */
  readonly withPvc?: boolean;
  /** Which stacks to synthesize. @default both */
  readonly stacks?: readonly ("aws" | "kubernetes")[];
}

const fp = (hex: string) => Array.from({ length: 32 }, () => hex).join(":");

export const signingPhases = (): SigningLedger[] => {
  const out = [initLedger("hmac-sha256", "k1")];
  out.push(applyStep(out.at(-1)!, "stage", "k2"));
  out.push(applyStep(out.at(-1)!, "activate", "k2"));
  out.push(applyStep(out.at(-1)!, "retire", "k1"));
  return out;
};

export const tlsPhases = (): TlsCaLedger[] => {
  const steps: TlsStep[] = [
    { op: "stage-ca", caId: "ca-2", caFingerprint256: fp("BB") },
    { op: "reissue-leaves", serverFingerprint256: fp("B1"), clientFingerprint256: fp("B2") },
    { op: "retire-ca", caId: "ca-1" },
    { op: "renew-leaves", serverFingerprint256: fp("B3"), clientFingerprint256: fp("B4") },
  ];
  const out = [initTlsLedger("ca-1", fp("AA"), { serverFingerprint256: fp("A1"), clientFingerprint256: fp("A2") })];
  for (const s of steps) out.push(applyTlsStep(out.at(-1)!, s));
  return out;
};

/** Redis: TLS mode plain -> dual -> clients-tls -> tls-only, client-auth optional, then passwords init, stage, activate, retire. */
export const redisPhases = (): RedisLedger[] => {
  const out = [initRedisLedger("plain")];
  const tls = (step: Parameters<typeof applyRedisTlsStep>[1]) => out.push(applyRedisTlsStep(out.at(-1)!, step));
  const pw = (op: "init" | "stage" | "activate" | "retire", id: string) => out.push(applyRedisPasswordStep(out.at(-1)!, op, id));
  tls({ op: "mode", mode: "dual" });
  pw("init", "pw1");
  tls({ op: "mode", mode: "clients-tls" });
  tls({ op: "mode", mode: "tls-only" });
  tls({ op: "client-auth", clientAuth: "optional" });
  pw("stage", "pw2");
  pw("activate", "pw2");
  pw("retire", "pw1");
  return out;
};

/** The first phase of every ledger. */
export function firstLedgers(): AppLedgers {
  return { signing: signingPhases()[0], tls: tlsPhases()[0], redis: redisPhases()[1] };
}

function awsStack(app: App, ledgers: AppLedgers, v: AppVariant): void {
  const stack = new TerraformStack(app, "stem-aws");
  new LocalBackend(stack, { path: "terraform.stem-aws.tfstate" });
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const keyring = v.withoutAwsKeyring ? undefined : new aws.StemSigningKeyring(stack, v.awsKeyringId ?? "Signing", { ledger: ledgers.signing, namePrefix: v.awsNamePrefix ?? "stem/signing", roles: v.awsRoles ?? ["producer", "worker"] });
  const tls = new aws.StemTlsBundles(stack, "Tls", { ledger: ledgers.tls, namePrefix: "stem/tls" });
  for (const role of v.awsRoles ?? (["producer", "worker"] as Role[])) {
    const exec = new IamRole(stack, `Exec-${role}`, { name: `stem-${role}-exec`, assumeRolePolicy: "{}" });
    keyring?.grantRead(exec, role);
    tls.grantRead(exec);
    const base = { name: "stem", image: "example/stem:1", essential: true };
    const container = keyring ? keyring.bindToContainer(base, role) : base;
    const binding = tls.containerBinding();
    const task = new EcsTaskDefinition(stack, `Task-${role}`, {
      family: `stem-${role}`,
      executionRoleArn: exec.arn,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      containerDefinitions: Fn.jsonencode([{ ...container, environment: [...((container as { environment?: unknown[] }).environment ?? []), ...binding.environment], secrets: [...((container as { secrets?: unknown[] }).secrets ?? []), ...binding.secrets] }]),
      skipDestroy: true,
      lifecycle: { createBeforeDestroy: true },
    });
    new EcsService(stack, `Service-${role}`, { name: `stem-${role}`, cluster: "stem", taskDefinition: task.arn, desiredCount: 1, launchType: "FARGATE" });
  }
}

function kubernetesStack(app: App, ledgers: AppLedgers, v: AppVariant): void {
  const stack = new TerraformStack(app, "stem-kubernetes");
  new LocalBackend(stack, { path: "terraform.stem-kubernetes.tfstate" });
  new KubernetesProvider(stack, "kubernetes", {});
  const tls = new k8s.StemTlsBundles(stack, "Tls", { ledger: ledgers.tls, namespace: "stem", ...(v.tlsNamePrefix ? { namePrefix: v.tlsNamePrefix } : {}) });
  const redis = new k8s.StemRedis(stack, "Redis", { ledger: ledgers.redis, namespace: "stem", tlsBundles: tls, storage: { size: v.redisStorage ?? "5Gi" } });
  redis.allowFrom({ app: "worker" });
  const keyring = new k8s.StemSigningKeyring(stack, "Keyring", { ledger: ledgers.signing, namespace: "stem", redis });
  const template = (role: Role, app: string) => ({
    metadata: { labels: { app }, annotations: { ...keyring.podAnnotations(role), ...tls.podAnnotations() } },
    spec: { volume: tls.volumes("client"), container: [{ name: app, image: "example/stem:1", env: keyring.containerEnv(role), volumeMount: tls.volumeMounts("client") }] },
  });
  new DeploymentV1(stack, "api", { metadata: { name: "api", namespace: "stem" }, spec: { selector: { matchLabels: { app: "api" } }, template: template("producer", "api") } });
  if (v.withPvc) new PersistentVolumeClaimV1(stack, "worker-data", { metadata: { name: "worker-data", namespace: "stem" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } });
  new StatefulSetV1(stack, "worker", { metadata: { name: "worker", namespace: "stem" }, spec: { serviceName: "worker", selector: { matchLabels: { app: "worker" } }, template: template("worker", "worker") } });
}

/** Synthesizes the test apps for one phase into a new temp folder (cdktf.out layout) and returns it. */
export function synthApps(ledgers: AppLedgers, variant: AppVariant = {}): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-review-"));
  const app = new App({ outdir });
  const stacks = variant.stacks ?? ["aws", "kubernetes"];
  if (stacks.includes("aws")) awsStack(app, ledgers, variant);
  if (stacks.includes("kubernetes")) kubernetesStack(app, ledgers, variant);
  app.synth();
  return outdir;
}
