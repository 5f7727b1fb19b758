// A stack with StemRedis for one ledger phase, as the ElastiCache tests synthesize it: the
// replication group (with the read-only census user), a workers' security group allowed in,
// and the signing keyring wired to the Redis, whose role secrets carry every role's Redis
// URLs write-only next to the signing env.
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import * as fs from "node:fs";
import * as path from "node:path";
import { App, S3Backend, TerraformStack, Testing } from "cdktf";
import { StemRedis, type StemRedisProps } from "../../lib/aws/redis";
import { StemSigningKeyring, type StemSigningKeyringProps } from "../../lib/aws/signing-keyring";
import { initLedger } from "../../lib/core/keyring/steps";
import type { RedisLedger } from "../../lib/core/redis/ledger-file";

export const REDIS_NETWORK = { vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"] } as const;
/** The keyring of every Redis test stack: HMAC, k1 active (its material input is required). */
export const REDIS_SIGNING_LEDGER = initLedger("hmac-sha256", "k1");
export const REDIS_KEYRING_PREFIX = "stem/signing";

export interface RedisTestStack {
  readonly stack: TerraformStack;
  readonly redis: StemRedis;
  readonly keyring?: StemSigningKeyring;
}

export interface RedisStackOptions {
  /** An S3 backend with encrypt = true. */
  readonly encryptedBackend?: boolean;
  /** Wire a signing keyring to the Redis (default true). */
  readonly keyring?: boolean | Partial<StemSigningKeyringProps>;
  /** Construct id of the Redis (its resources' addresses). @default "Redis" */
  readonly redisId?: string;
}

/** The stack of one phase. */
export function redisStack(ledger: RedisLedger, props: Partial<StemRedisProps> = {}, options: RedisStackOptions = {}): RedisTestStack {
  const stack = new TerraformStack(Testing.app(), "redis");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  if (options.encryptedBackend) new S3Backend(stack, { bucket: "stem-state", key: "redis.tfstate", region: "eu-west-1", encrypt: true });
  const workers = new SecurityGroup(stack, "Workers", { name: "stem-workers", vpcId: REDIS_NETWORK.vpcId });
  const redis = new StemRedis(stack, options.redisId ?? "Redis", { ledger, ...REDIS_NETWORK, subnetIds: [...REDIS_NETWORK.subnetIds], allowFrom: [workers], censusUser: {}, ...props });
  const keyringProps = typeof options.keyring === "object" ? options.keyring : {};
  const keyring =
    options.keyring === false ? undefined : new StemSigningKeyring(stack, "Signing", { ledger: REDIS_SIGNING_LEDGER, namePrefix: REDIS_KEYRING_PREFIX, recoveryWindowInDays: 0, redis, ...keyringProps });
  return { stack, redis, keyring };
}

/**
 * The stack JSON of one phase as `app.synth()` writes it: with cdktf's `"//"` metadata (construct
 * paths) and stemguard's record, which the review reads (Testing.synth drops both).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests reach into untyped JSON
export function redisStackJson(ledger: RedisLedger, props: Partial<StemRedisProps> = {}, options: RedisStackOptions = {}): Record<string, any> {
  const { stack } = redisStack(ledger, props, options);
  const app = stack.node.root as App;
  try {
    app.synth();
    return JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", stack.node.id, "cdk.tf.json"), "utf8"));
  } finally {
    fs.rmSync(app.outdir, { recursive: true, force: true });
  }
}
