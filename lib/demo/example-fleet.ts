// The example fleet `stemguard demo` synthesizes last (shipped with the package): three
// environments (dev, staging, prod), each on AWS (ECS Fargate, ElastiCache) and on
// Kubernetes, each with N Stem services (producers, worker pools, beat), each environment and
// platform one StemSecurity reading the environment's own ledger directory. So one app holds
// every environment, and each environment sits at the phase its ledgers say.
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { App, LocalBackend, S3Backend, TerraformStack, TerraformVariable } from "cdktf";
import * as path from "node:path";
import { DEFAULT_LEDGER_FILE, readLedgerFile } from "../core/keyring/ledger-file";
import { DEFAULT_REDIS_LEDGER_FILE, readRedisLedgerFile } from "../core/redis/ledger-file";
import { readTlsLedgerFile } from "../core/tls/ca-ledger-file";
import { DEFAULT_TLS_LEDGER_FILE } from "../private/security-parts";
import type { FleetEnvironmentInput } from "./fleet-phase-report";
import { validateThenSynth } from "./validate-then-synth";
import { StemSecurity as AwsStemSecurity } from "../aws/security";
import type { Role } from "../core/keyring/types";
import { StemSecurity as KubernetesStemSecurity } from "../kubernetes/security";
import type { StemSecurityWorkloadBase } from "../private/security-parts";

/** The example app's image and the stemguard CLI's (census), pinned by digest as the weekly scan requires. */
const APP_IMAGE = `registry.example.com/stem-app:1.0.0@sha256:${"a".repeat(64)}`;
const STEMGUARD_IMAGE = `registry.example.com/stemguard:0.1.0@sha256:${"b".repeat(64)}`;
const EXECUTION_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";
/** Worker pools by queue; past these, `queue-NN`. */
const QUEUES = ["emails", "reports", "billing", "invoices", "exports", "imports", "notifications", "search", "thumbnails", "payments", "webhooks", "analytics", "audit", "cleanup", "sync", "media", "default"];

/** One environment: its name and the directory of its ledgers. */
export interface ExampleFleetEnvironment {
  /** A DNS label, e.g. "staging": stack ids `<name>-aws`, `<name>-kubernetes`, `<name>-kubernetes-alarms`; name prefix and namespace `stem-<name>`. */
  readonly name: string;
  /** Holds `stemguard.rotation.json`, `stemguard.redis.json` and `stemguard.tls.json` (`writeFleetLedgers`). */
  readonly ledgerDir: string;
}

export interface ExampleFleetOptions {
  /** Where `app.synth()` writes the Terraform JSON. */
  readonly outdir: string;
  /** The environments, in promotion order (`exampleFleetLedgers` and `writeFleetLedgers` make the example's). */
  readonly environments: readonly ExampleFleetEnvironment[];
  /**
   * Stem services per environment and platform, at least 4: 2 producers (api, dashboard), beat, and the rest worker pools (one queue each).
   *
   * @default 20
   */
  readonly services?: number;
}

/** One environment's stacks and compositions. */
export interface ExampleFleetEnvironmentStacks {
  readonly name: string;
  readonly ledgerDir: string;
  readonly aws: { readonly stack: TerraformStack; readonly security: AwsStemSecurity };
  readonly kubernetes: { readonly stack: TerraformStack; readonly alarmsStack: TerraformStack; readonly security: KubernetesStemSecurity };
}

export interface ExampleFleetApp {
  /** Created with `skipValidation` and without stack traces in the manifest: synthesize with `synth()`, which validates first. */
  readonly app: App;
  /**
   * Validates every construct, then writes `outdir`; needs no Terraform on
   * PATH (lib/demo/validate-then-synth.ts).
   */
  synth(): void;
  readonly workloads: readonly StemSecurityWorkloadBase[];
  readonly environments: readonly ExampleFleetEnvironmentStacks[];
}

/** The fleet's Stem services: api and dashboard (producers), `services - 3` worker pools, beat. */
export function exampleFleetWorkloads(services = 20): StemSecurityWorkloadBase[] {
  if (!Number.isInteger(services) || services < 4) throw new RangeError(`services must be a whole number >= 4 (2 producers, beat and at least one worker pool), got ${services}`);
  const queue = (i: number) => QUEUES[i] ?? `queue-${String(i + 1).padStart(3, "0")}`;
  return [
    { name: "api", role: "producer", image: APP_IMAGE },
    { name: "dashboard", role: "producer", image: APP_IMAGE }, // signs like a producer
    ...Array.from({ length: services - 3 }, (_, i): StemSecurityWorkloadBase => ({ name: `worker-${queue(i)}`, role: "worker", image: APP_IMAGE, queues: [queue(i)] })),
    { name: "beat", role: "beat", image: APP_IMAGE },
  ];
}

/** Builds (does not synthesize) the fleet app; call `app.synth()` to write `outdir`. */
export function buildExampleFleetApp(options: ExampleFleetOptions): ExampleFleetApp {
  const app = new App({ outdir: options.outdir, skipValidation: true, stackTraces: false });
  const workloads = exampleFleetWorkloads(options.services);
  const environments = options.environments.map((env) => ({
    name: env.name,
    ledgerDir: env.ledgerDir,
    aws: addAwsEnvironment(app, env, workloads),
    kubernetes: addKubernetesEnvironment(app, env, workloads),
  }));
  return { app, workloads, environments, synth: () => validateThenSynth(app, "the example fleet") };
}

/** Each environment's ledger files (read again: what the ledger says) and its stacks' summaries (what they render), for `buildFleetPhaseReport`. */
export function summarizeExampleFleet(fleet: ExampleFleetApp): FleetEnvironmentInput[] {
  return fleet.environments.map((env) => {
    const source = (file: string) => ({ field: `${env.name} ledger ${file}`, missingFix: "write the environment's ledgers first (writeFleetLedgers)" });
    return {
      name: env.name,
      ledgerDir: env.ledgerDir,
      ledgers: {
        signing: readLedgerFile(path.join(env.ledgerDir, DEFAULT_LEDGER_FILE), source(DEFAULT_LEDGER_FILE)),
        redis: readRedisLedgerFile(path.join(env.ledgerDir, DEFAULT_REDIS_LEDGER_FILE), source(DEFAULT_REDIS_LEDGER_FILE)),
        tls: readTlsLedgerFile(path.join(env.ledgerDir, DEFAULT_TLS_LEDGER_FILE)),
      },
      stacks: [
        { stack: env.aws.stack.node.id, platform: "aws" as const, summary: env.aws.security.summary() },
        { stack: env.kubernetes.stack.node.id, platform: "kubernetes" as const, summary: env.kubernetes.security.summary() },
      ],
    };
  });
}


function addAwsEnvironment(app: App, env: ExampleFleetEnvironment, workloads: readonly StemSecurityWorkloadBase[]): ExampleFleetEnvironmentStacks["aws"] {
  const stack = new TerraformStack(app, `${env.name}-aws`);
  const prefix = `stem-${env.name}`;
  new AwsProvider(stack, "aws", { region: "eu-west-1", defaultTags: [{ tags: { environment: env.name, "managed-by": "stemguard" } }] });
  // ElastiCache passwords are in this state (docs/aws.md, "State"): an encrypted bucket with native lock files.
  new S3Backend(stack, { bucket: "example-stem-state", key: `${env.name}/aws.tfstate`, region: "eu-west-1", encrypt: true }).addOverride("use_lockfile", true);
  const vpcId = new TerraformVariable(stack, "vpc_id", { type: "string", description: "The VPC of the Fargate tasks and of Redis." }).stringValue;
  const subnetIds = new TerraformVariable(stack, "subnet_ids", { type: "list(string)", description: "Private subnets for the Fargate tasks and Redis." }).listValue;
  const tasks = new SecurityGroup(stack, "Tasks", { name: `${prefix}-tasks`, description: "Stem's Fargate tasks (allowed into Redis).", vpcId });
  const cluster = new EcsCluster(stack, "Cluster", { name: prefix });
  const page = new SnsTopic(stack, "Page", { name: `${prefix}-page` });
  const ticket = new SnsTopic(stack, "Ticket", { name: `${prefix}-ticket` });

  const security = new AwsStemSecurity(stack, "Security", {
    workloads,
    namePrefix: prefix,
    ledgerDir: env.ledgerDir,
    cluster,
    network: { subnetIds, securityGroupIds: [tasks.id] },
    notifications: { page, ticket },
    redis: { vpcId, subnetIds, allowFrom: [tasks] },
    census: { image: STEMGUARD_IMAGE },
  });

  // One execution role per Stem role: ECS reads the role secret with it at task start.
  const executionRoles = new Map<Role, IamRole>();
  for (const role of security.roles) {
    const executionRole = new IamRole(stack, `ExecutionRole-${role}`, {
      name: `${prefix}-${role}-execution`,
      assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
    });
    new IamRolePolicyAttachment(stack, `ExecutionRole-${role}-Managed`, { role: executionRole.name, policyArn: EXECUTION_POLICY_ARN });
    security.grantRead(executionRole, role);
    executionRoles.set(role, executionRole);
  }
  for (const w of workloads) {
    const container = security.bind({ name: w.name, image: w.image, essential: true, command: ["stem-app", ...(w.queues ? ["worker", "--queue", ...w.queues] : [w.name])] }, w.role);
    const task = new EcsTaskDefinition(stack, `Task-${w.name}`, {
      family: `${prefix}-${w.name}`,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      executionRoleArn: executionRoles.get(w.role)!.arn,
      containerDefinitions: JSON.stringify([container]),
      skipDestroy: true, // the previous revision stays registered for a rollback
      lifecycle: { createBeforeDestroy: true },
    });
    new EcsService(stack, `Service-${w.name}`, {
      name: `${prefix}-${w.name}`,
      cluster: cluster.arn,
      taskDefinition: task.arn,
      desiredCount: w.role === "beat" ? 1 : 2,
      launchType: "FARGATE",
      networkConfiguration: { subnets: subnetIds, securityGroups: [tasks.id] },
      deploymentCircuitBreaker: { enable: true, rollback: true },
    });
  }
  return { stack, security };
}

function addKubernetesEnvironment(app: App, env: ExampleFleetEnvironment, workloads: readonly StemSecurityWorkloadBase[]): ExampleFleetEnvironmentStacks["kubernetes"] {
  const prefix = `stem-${env.name}`;
  const stack = new TerraformStack(app, `${env.name}-kubernetes`);
  const alarmsStack = new TerraformStack(app, `${env.name}-kubernetes-alarms`);
  for (const s of [stack, alarmsStack]) {
    new KubernetesProvider(s, "kubernetes", { configPath: "~/.kube/config", configContext: env.name });
    new LocalBackend(s, { path: `terraform.${s.node.id}.tfstate` });
  }
  const security = new KubernetesStemSecurity(stack, "Security", {
    workloads,
    namespace: prefix,
    namePrefix: prefix,
    ledgerDir: env.ledgerDir,
    census: { image: STEMGUARD_IMAGE },
    alarms: { stack: alarmsStack, labels: { release: "kube-prometheus-stack" } },
  });
  for (const w of workloads) {
    const bound = security.bind({ name: w.name, image: w.image, args: w.queues ? ["worker", "--queue", ...w.queues] : [w.name] }, w.role);
    const labels = security.podLabels(w.name);
    new DeploymentV1(stack, w.name, {
      metadata: { name: w.name, namespace: security.namespace },
      spec: {
        replicas: w.role === "beat" ? "1" : "2",
        ...(w.role === "beat" ? { strategy: { type: "Recreate" } } : {}), // never two schedulers, not even during a roll
        selector: { matchLabels: labels },
        template: {
          metadata: { labels, annotations: bound.podAnnotations },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: "1000", fsGroup: "1000" }, // fsGroup: the TLS files are 0400
            volume: bound.volumes,
            container: [bound.container],
          },
        },
      },
    });
  }
  return { stack, alarmsStack, security };
}
