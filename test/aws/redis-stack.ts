// A stack with StemRedis for one ledger phase, as the ElastiCache tests synthesize it: the
// replication group, a workers' security group allowed in, and one role secret that writes
// the worker's Redis URLs write-only (what a keyring's role secret does with clientEnv).
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Fn, S3Backend, TerraformStack, Testing } from "cdktf";
import { StemRedis, type StemRedisProps } from "../../lib/aws/redis";
import type { RedisLedger } from "../../lib/core/redis/ledger-file";

export const REDIS_NETWORK = { vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"] } as const;

export interface RedisTestStack {
  readonly stack: TerraformStack;
  readonly redis: StemRedis;
}

/** The stack of one phase; `encryptedBackend` adds an S3 backend with encrypt = true. */
export function redisStack(ledger: RedisLedger, props: Partial<StemRedisProps> = {}, options: { readonly encryptedBackend?: boolean } = {}): RedisTestStack {
  const stack = new TerraformStack(Testing.app(), "redis");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  if (options.encryptedBackend) new S3Backend(stack, { bucket: "stem-state", key: "redis.tfstate", region: "eu-west-1", encrypt: true });
  const workers = new SecurityGroup(stack, "Workers", { name: "stem-workers", vpcId: REDIS_NETWORK.vpcId });
  const redis = new StemRedis(stack, "Redis", { ledger, ...REDIS_NETWORK, subnetIds: [...REDIS_NETWORK.subnetIds], allowFrom: [workers], ...props });
  const secret = new SecretsmanagerSecret(stack, "WorkerRedisEnv", { name: "stem/redis/worker", recoveryWindowInDays: 0 });
  new SecretsmanagerSecretVersion(stack, "WorkerRedisEnvVersion", {
    secretId: secret.id,
    secretStringWo: Fn.jsonencode(Object.fromEntries(redis.clientEnv("worker").map((e) => [e.name, e.value]))),
    // A new version in every phase (the walk position): enough for these tests.
    secretStringWoVersion: ledger.tls.phase + (ledger.passwords?.phase ?? 0),
  });
  return { stack, redis };
}
