// The example AWS fleet that `stemguard demo` synthesizes (shipped with the
// package, so the demo runs where it is installed): a Stem fleet on ECS Fargate
// whose payload-signing keyring is rotated with `stemguard rotate ...` one pull
// request at a time: a producer (API), N worker services and beat. The
// repository's aws-fleet example app synthesizes it from its own ledger file; applying needs
// Terraform >= 1.11 and the material of the key the current phase creates
// (`stemguard keys generate --format tf-var`).
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { App, Fn, LocalBackend, S3Backend, TerraformStack, TerraformVariable } from "cdktf";
import { StemRedis } from "../aws/redis";
import { StemSigningKeyring } from "../aws/signing-keyring";
import type { RedisLedger } from "../core/redis/ledger-file";
import { initLedger } from "../core/keyring/steps";
import type { Role, SigningLedger } from "../core/keyring/types";

/** Construct ID of the fleet's stack (also its directory under `cdktf.out/stacks/`). */
export const AWS_FLEET_STACK_ID = "stem-fleet";

/** The example keyring: HMAC-SHA256 with "k1" active (the aws-fleet example app's ledger file holds the same). */
export function awsFleetExampleLedger(): SigningLedger {
  return initLedger("hmac-sha256", "k1");
}

/** An encrypted S3 backend with native lock files (Terraform >= 1.10). */
export interface AwsFleetS3Backend {
  readonly bucket: string;
  readonly key: string;
  /** @default - the provider's region */
  readonly region?: string;
  /** @default - the bucket's default encryption (SSE-S3 or its KMS key) */
  readonly kmsKeyId?: string;
}

export interface AwsFleetOptions {
  /** Where `app.synth()` writes the Terraform JSON. */
  readonly outdir: string;
  /**
   * The rotation ledger.
   *
   * @default - awsFleetExampleLedger(): HMAC-SHA256, "k1" active
   */
  readonly ledger?: SigningLedger;
  /**
   * Number of worker services (one queue each).
   *
   * @default 3
   */
  readonly services?: number;
  /** @default "eu-west-1" */
  readonly region?: string;
  /** @default "ghcr.io/example/stem-app:1.0.0" */
  readonly image?: string;
  /**
   * Keep state in S3 instead of a local file. Write-only arguments keep key
   * material out of state, but state still describes the fleet: encrypt it.
   *
   * @default - local backend (terraform.stem-fleet.tfstate)
   */
  readonly s3Backend?: AwsFleetS3Backend;
  /**
   * A Redis ledger: the fleet then runs its own ElastiCache Redis
   * (`StemRedis` "Redis", with the read-only census user), the tasks' security
   * group is allowed in, and every role secret carries the role's Redis URLs
   * (the keyring's `redis`), so no container sets STEM_BROKER_URL itself. The
   * ElastiCache passwords are in state: use `s3Backend` for anything real.
   *
   * @default - no Redis: the tasks use the `broker_url` variable (an existing rediss:// Redis)
   */
  readonly redis?: RedisLedger;
  /**
   * Construct id of the stack (its directory under `cdktf.out/stacks/`): one
   * app can then hold the fleet of several environments.
   *
   * @default AWS_FLEET_STACK_ID ("stem-fleet")
   */
  readonly stackId?: string;
}

/** The synthesized pieces, for tests and tools that inspect them. */
export interface AwsFleetApp {
  readonly app: App;
  readonly stack: TerraformStack;
  readonly keyring: StemSigningKeyring;
  /** The fleet's Redis, with `redis`. */
  readonly redis?: StemRedis;
}

const EXECUTION_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy";

/** Builds (but does not synthesize) the fleet app; call `app.synth()` to write `outdir`. */
export function buildAwsFleetApp(options: AwsFleetOptions): AwsFleetApp {
  const app = new App({ outdir: options.outdir });
  return { app, ...addAwsFleetStack(app, options) };
}

/** Adds the fleet's stack (`AWS_FLEET_STACK_ID`) to an app that may hold other stacks. */
export function addAwsFleetStack(app: App, options: Omit<AwsFleetOptions, "outdir">): Omit<AwsFleetApp, "app"> {
  const services = options.services ?? 3;
  if (!Number.isInteger(services) || services < 1) {
    throw new Error(`services must be a whole number >= 1, got ${services}`);
  }
  const stack = new TerraformStack(app, options.stackId ?? AWS_FLEET_STACK_ID);
  const region = options.region ?? "eu-west-1";
  const image = options.image ?? "ghcr.io/example/stem-app:1.0.0";

  new AwsProvider(stack, "aws", { region, defaultTags: [{ tags: { app: "stem-fleet", "managed-by": "stemguard" } }] });
  if (options.s3Backend) {
    const backend = new S3Backend(stack, {
      bucket: options.s3Backend.bucket,
      key: options.s3Backend.key,
      region: options.s3Backend.region ?? region,
      encrypt: true,
      ...(options.s3Backend.kmsKeyId ? { kmsKeyId: options.s3Backend.kmsKeyId } : {}),
    });
    backend.addOverride("use_lockfile", true); // not in cdktf 0.21's typed props
  } else {
    new LocalBackend(stack, { path: "terraform.stem-fleet.tfstate" });
  }

  const subnets = new TerraformVariable(stack, "subnet_ids", {
    type: "list(string)",
    description: "Private subnets for the Fargate tasks.",
  });
  const securityGroups = new TerraformVariable(stack, "security_group_ids", {
    type: "list(string)",
    description: "Security groups for the Fargate tasks (must reach Redis).",
  });
  // Without a Redis ledger the tasks use an existing Redis; with one, the fleet runs it and the role secrets carry its URLs.
  const brokerUrl = options.redis
    ? undefined
    : new TerraformVariable(stack, "broker_url", {
        type: "string",
        default: "rediss://redis.stem.internal:6379/0",
        description: "Stem broker URL (rediss://, no password: Redis AUTH comes from its own secret).",
      });
  let redis: StemRedis | undefined;
  let taskSecurityGroups = securityGroups.listValue;
  if (options.redis) {
    const vpcId = new TerraformVariable(stack, "vpc_id", { type: "string", description: "The VPC of the Fargate tasks and of Redis." });
    const tasks = new SecurityGroup(stack, "TaskSecurityGroup", { name: "stem-fleet-tasks", description: "Stem's Fargate tasks (allowed into Redis).", vpcId: vpcId.stringValue });
    // DOCS_BLOCK_START:redis
    redis = new StemRedis(stack, "Redis", {
      ledger: options.redis,
      namePrefix: "stem-fleet-redis",
      vpcId: vpcId.stringValue,
      subnetIds: subnets.listValue,
      allowFrom: [tasks],
      censusUser: {},
    });
    // DOCS_BLOCK_END:redis
    taskSecurityGroups = Fn.concat([securityGroups.listValue, [tasks.id]]);
  }

  const kmsKey = new KmsKey(stack, "SecretsKey", {
    description: "Encrypts the Stem signing keyring secrets",
    enableKeyRotation: true,
    deletionWindowInDays: 30,
  });

  // DOCS_BLOCK_START:keyring
  const keyring = new StemSigningKeyring(stack, "Signing", {
    ledger: options.ledger ?? awsFleetExampleLedger(),
    namePrefix: "stem-fleet/signing",
    kmsKey,
    ...(redis ? { redis } : {}),
  });
  // DOCS_BLOCK_END:keyring

  const cluster = new EcsCluster(stack, "Cluster", { name: "stem-fleet" });

  // One execution role per Stem role: ECS reads the role secret with it at task start.
  const executionRoles = new Map<Role, IamRole>();
  for (const role of keyring.roles) {
    const executionRole = new IamRole(stack, `ExecutionRole-${role}`, {
      name: `stem-fleet-${role}-execution`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    new IamRolePolicyAttachment(stack, `ExecutionRole-${role}-Managed`, { role: executionRole.name, policyArn: EXECUTION_POLICY_ARN });
    keyring.grantRead(executionRole, role);
    executionRoles.set(role, executionRole);
  }

  const service = (name: string, role: Role, command: string[]) => {
    // DOCS_BLOCK_START:task-definition
    const container = keyring.bindToContainer(
      {
        name: "stem",
        image,
        essential: true,
        command,
        ...(brokerUrl ? { environment: [{ name: "STEM_BROKER_URL", value: brokerUrl.stringValue }] } : {}),
      },
      role,
    );
    const taskDefinition = new EcsTaskDefinition(stack, `Task-${name}`, {
      family: `stem-fleet-${name}`,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      executionRoleArn: executionRoles.get(role)!.arn,
      containerDefinitions: JSON.stringify([container]),
      // Each step that changes the role's env replaces the task definition:
      // register the new revision first, and keep the previous one registered
      // (its pinned role secret version stays readable) so a rollback can use it.
      skipDestroy: true,
      lifecycle: { createBeforeDestroy: true },
    });
    // DOCS_BLOCK_END:task-definition
    new EcsService(stack, `Service-${name}`, {
      name: `stem-fleet-${name}`,
      cluster: cluster.arn,
      taskDefinition: taskDefinition.arn,
      desiredCount: role === "beat" ? 1 : 2,
      launchType: "FARGATE",
      networkConfiguration: { subnets: subnets.listValue, securityGroups: taskSecurityGroups },
      deploymentCircuitBreaker: { enable: true, rollback: true },
    });
  };

  if (keyring.roles.includes("producer")) service("api", "producer", ["stem-app", "serve"]);
  for (let i = 0; i < services; i++) service(`worker-${i}`, "worker", ["stem", "worker", "--queue", `queue-${i}`]);
  if (keyring.roles.includes("beat")) service("beat", "beat", ["stem", "beat"]);

  return { stack, keyring, ...(redis ? { redis } : {}) };
}
