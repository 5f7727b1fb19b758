import { DataAwsElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/data-aws-elasticache-replication-group";
import { ElasticacheParameterGroup } from "@cdktf/provider-aws/lib/elasticache-parameter-group";
import { ElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { ElasticacheSubnetGroup } from "@cdktf/provider-aws/lib/elasticache-subnet-group";
import { ElasticacheUser } from "@cdktf/provider-aws/lib/elasticache-user";
import { ElasticacheUserGroup } from "@cdktf/provider-aws/lib/elasticache-user-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Annotations, Aspects, DataResource, Fn, TerraformBackend, TerraformStack, Token, type IAspect, type TerraformVariable } from "cdktf";
import { Construct, type IConstruct } from "constructs";
import { StemguardError } from "../core/errors";
import { ROLES, type Role } from "../core/keyring/types";
import { renderRedisClientEnv, type RedisUrlVariable } from "../core/redis/client-env";
import {
  assertElastiCachePhase,
  elastiCacheEngineVersion,
  elastiCacheServerFingerprint,
  elastiCacheTransit,
  planElastiCachePasswordInputs,
  type ElastiCacheEngine,
  type ElastiCachePasswordInputPlan,
} from "../core/redis/elasticache";
import { currentRedisPhase, type RedisLedger } from "../core/redis/ledger-file";
import type { RedisPhase } from "../core/redis/types";
import { assertPlainAbsolutePath } from "../private/tls-bundle-rules";
import { claimObjectName } from "../private/stack-claims";
import type { IKmsKeyRef } from "./refs";
import { loadRedisLedger, redisLedgerTag } from "./redis-ledger";
import { redisPasswordVariable } from "./redis-password-variable";

const STEM_REDIS = Symbol.for("stemguard.StemRedis");

/** The default `namePrefix`, the same on every platform. */
const DEFAULT_NAME_PREFIX = "stem-redis";
/** Every role's default access: all keys, all Pub/Sub channels (Stem's heartbeats), all commands. */
const DEFAULT_ACCESS_STRING = "on ~* &* +@all";
/** `<namePrefix>-default` (the RBAC user id) must fit ElastiCache's 40 characters. */
const MAX_NAME_PREFIX = 32;

/** A security group by id: a `SecurityGroup`, a `DataAwsSecurityGroup` or a literal `sg-...`. */
export interface ISecurityGroupRef {
  readonly id: string;
}

/** One entry of a role's Stem Redis env. `value` may be a Terraform expression over a sensitive input (see `clientEnv`). */
export interface RedisEnvVar {
  readonly name: string;
  readonly value: string;
}

/** A declared password input: names plus the Terraform variable. */
export interface RedisPasswordInput extends ElastiCachePasswordInputPlan {
  /** The sensitive input variable (stack level). */
  readonly variable: TerraformVariable;
}

/** What a Redis created here and one another stack owns (`StemRedis.fromNamePrefix`) both take. */
export interface StemRedisImportProps {
  /**
   * The Redis ledger as an object. Give at most one of `ledger` and `ledgerFile`.
   *
   * @default - read from `ledgerFile`
   */
  readonly ledger?: RedisLedger;

  /**
   * Path of the Redis ledger, relative to the process's working directory.
   *
   * @default "stemguard.redis.json"
   */
  readonly ledgerFile?: string;

  /**
   * The replication group id, and prefix of every other name: the subnet
   * group and user group (`<prefix>`), the security group
   * (`<prefix>-redis`), the parameter group (`<prefix>-<family>`), the RBAC
   * default user (`<prefix>-default`) and the password inputs
   * (`<prefix_with_underscores>_password_<id>`). 1-32 lowercase letters,
   * digits and single hyphens, starting with a letter.
   *
   * @default "stem-redis"
   */
  readonly namePrefix?: string;

  /**
   * The port. ElastiCache serves TLS and plain on this one port while the
   * transit encryption mode is `preferred`, so the URL port never changes.
   *
   * @default 6379
   */
  readonly port?: number;

  /**
   * Database index per Stem URL variable; `STEM_BROKER_URL` is always set.
   *
   * @default { STEM_BROKER_URL: 0, STEM_RESULT_BACKEND_URL: 1 }
   */
  readonly databases?: Partial<Record<RedisUrlVariable, number>>;

  /**
   * Path, inside the Stem containers, of a CA bundle that holds Amazon's CA
   * (the ElastiCache server certificate's issuer), set as `STEM_TLS_CA_CERT`
   * over rediss://. Leave it unset: clients then trust the platform store,
   * which holds Amazon's roots. Once any `STEM_TLS_*` path is set, Stem trusts
   * only that file, so a bundle without Amazon's CA fails every connection.
   *
   * @default - no STEM_TLS_* (the platform trust store)
   */
  readonly caCertPath?: string;
}

export interface StemRedisProps extends StemRedisImportProps {
  /** The VPC of the security group. */
  readonly vpcId: string;

  /** Subnets of the subnet group; in at least two Availability Zones for `multiAz`. */
  readonly subnetIds: readonly string[];

  /**
   * `redis` (Redis OSS) or `valkey`.
   *
   * @default "redis"
   */
  readonly engine?: ElastiCacheEngine;

  /**
   * Engine version as major.minor. Redis OSS below 7.0 is refused: TLS can be
   * turned on in place only from engine 7.0.5 (below it the provider replaces
   * the group, i.e. a new, empty Redis). Valkey starts at 7.2.
   *
   * @default "7.1" for redis, "8.0" for valkey
   */
  readonly engineVersion?: string;

  /**
   * Node type of every node.
   *
   * @default "cache.t4g.small"
   */
  readonly nodeType?: string;

  /**
   * Read replicas beside the primary (0-5).
   *
   * @default 1
   */
  readonly replicas?: number;

  /**
   * Multi-AZ with automatic failover to a replica. Needs `replicas` >= 1.
   *
   * @default - true when there is a replica
   */
  readonly multiAz?: boolean;

  /**
   * Customer-managed KMS key for encryption at rest (always on).
   *
   * @default - the ElastiCache service key
   */
  readonly kmsKey?: IKmsKeyRef;

  /**
   * Days ElastiCache keeps daily snapshots (0 turns snapshots off, at most 35).
   *
   * @default 7
   */
  readonly snapshotRetentionDays?: number;

  /**
   * Daily snapshot window, UTC, `hh:mm-hh:mm` (at least 60 minutes; must not overlap `maintenanceWindow`).
   *
   * @default "03:00-04:00"
   */
  readonly snapshotWindow?: string;

  /**
   * Weekly maintenance window, UTC, `ddd:hh:mm-ddd:hh:mm`.
   *
   * @default "sun:05:00-sun:06:00"
   */
  readonly maintenanceWindow?: string;

  /**
   * Apply each phase's modification at once. A phase is one apply: without
   * it ElastiCache defers the change to the maintenance window, and the next
   * phase could be applied before the previous one took effect.
   *
   * @default true
   */
  readonly applyImmediately?: boolean;

  /**
   * Access string of the RBAC `default` user, the only user Stem can log in
   * as (Stem sends no username). Starts with `on`; must not hold password
   * rules (`>`, `<`, `#`, `!`, `nopass`, `resetpass`): passwords come from the ledger.
   *
   * @default "on ~* &* +@all"
   */
  readonly accessString?: string;

  /**
   * Parameters of the parameter group (family derived from the engine and version).
   *
   * @default - none (the family's defaults)
   */
  readonly parameters?: Readonly<Record<string, string>>;

  /**
   * Security groups allowed to connect on the port (more with `allowFrom`).
   *
   * @default - none
   */
  readonly allowFrom?: readonly ISecurityGroupRef[];

  /**
   * Tags for every resource.
   *
   * @default - no tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** A Redis Stem workloads can use: created here (`new StemRedis`) or in another stack (`StemRedis.fromNamePrefix`). */
export interface IStemRedis extends IConstruct {
  /** The validated Redis ledger. */
  readonly ledger: RedisLedger;
  /** What the server and every client get in the ledger's phase. */
  readonly phase: RedisPhase;
  readonly namePrefix: string;
  readonly port: number;
  /** The primary endpoint's address (a token): the host of every URL, and the name Stem verifies the certificate against. */
  readonly endpointAddress: string;
  /** Fingerprint of what ElastiCache runs in this phase (transit settings, which password ids it accepts and clients send). */
  readonly revision: string;
  /** The password inputs of this phase. */
  readonly materialInputs: readonly RedisPasswordInput[];
  /** A role's Stem Redis env: every URL variable and, with `caCertPath` over rediss://, `STEM_TLS_CA_CERT`. */
  clientEnv(role: Role): RedisEnvVar[];
}

/** What a created and an imported Redis share: everything that follows from the ledger, the names and the endpoint. */
abstract class StemRedisBase extends Construct implements IStemRedis {
  public readonly ledger: RedisLedger;
  public readonly phase: RedisPhase;
  public readonly namePrefix: string;
  public readonly port: number;
  public readonly revision: string;
  public abstract readonly endpointAddress: string;
  public readonly materialInputs: readonly RedisPasswordInput[];
  protected readonly ledgerTag: string;
  private readonly databases?: Partial<Record<RedisUrlVariable, number>>;
  private readonly caCertPath?: string;
  /** Password id -> its stored copy in this stack's state (terraform_data), kept across phases. */
  private readonly holders = new Map<string, DataResource>();
  private readonly passwordExpressions = new Map<string, string>();

  protected constructor(scope: Construct, id: string, props: StemRedisImportProps, scopeOfPasswords: "server" | "clients") {
    super(scope, id);
    const field = (name: string) => `${this.node.path} props.${name}`;
    this.ledger = loadRedisLedger(props, field);
    this.ledgerTag = redisLedgerTag(this.ledger);
    this.phase = currentRedisPhase(this.ledger);
    assertElastiCachePhase(this.phase, field(props.ledger !== undefined ? "ledger" : "ledgerFile"));
    this.namePrefix = props.namePrefix ?? DEFAULT_NAME_PREFIX;
    assertNamePrefix(this.namePrefix, field("namePrefix"));
    this.port = props.port ?? 6379;
    assertInteger(this.port, 1, 65535, field("port"), "e.g. 6379");
    this.databases = props.databases;
    if (props.caCertPath !== undefined) assertPlainAbsolutePath(props.caCertPath, field("caCertPath"), "caCertPath", "/etc/ssl/certs/amazon-root-ca.pem");
    this.caCertPath = props.caCertPath;
    this.revision = elastiCacheServerFingerprint(this.phase);

    const inputs: RedisPasswordInput[] = [];
    for (const plan of planElastiCachePasswordInputs(this.ledger, this.namePrefix, scopeOfPasswords)) {
      const input = redisPasswordVariable(this, plan, this.ledgerTag, field("namePrefix"));
      inputs.push(input);
      // The stack's own copy of the password, written once from the input: the input is
      // needed only in the phase that adds the password (ignore_changes), yet every later
      // phase still configures it (the provider has no write-only password argument). It is
      // kept in triggers_replace, not input: state marks it sensitive there, while
      // terraform_data's output (a copy of input) would be unmarked and shown in plan output.
      const holder = new DataResource(this, `Password-${plan.passwordId}`, {
        lifecycle: {
          ignoreChanges: ["triggers_replace"],
          postcondition: [
            {
              condition: "${length(self.triggers_replace) > 0}",
              errorMessage: `Redis password "${plan.passwordId}" has no value here: this stack has no stored copy yet (a new environment). Set ${plan.envVarName} once ('stemguard redis password generate').`,
            },
          ],
        },
      });
      holder.addOverride("triggers_replace", input.variable.stringValue);
      this.holders.set(plan.passwordId, holder);
    }
    this.materialInputs = inputs;
  }

  /**
   * A role's Stem Redis env in this phase: every URL variable Stem reads
   * (`STEM_BROKER_URL`, `STEM_RESULT_BACKEND_URL`, and the stores given in
   * `databases`) with the primary endpoint as host, `redis://` before
   * clients-tls and `rediss://` from it on, on the one port, with the active
   * password; over rediss:// `STEM_TLS_CA_CERT` only when `caCertPath` is set
   * (otherwise Stem trusts the platform store, which holds Amazon's CA).
   *
   * Once the ledger has a password the URL values are Terraform expressions
   * (`sensitive(...)` of this stack's stored copy of the password input),
   * never text: put them only into write-only arguments, e.g. a role's
   * Secrets Manager secret (`secret_string_wo`), never into ECS
   * `environment` (task definitions are in state and plan output).
   */
  public clientEnv(role: Role): RedisEnvVar[] {
    if (!ROLES.includes(role)) throw new StemguardError(`unknown role; roles are ${ROLES.join(", ")}`, { field: `${this.node.path}.clientEnv`, value: role, fix: "use producer, worker or beat (the dashboard signs like a producer)" });
    const env = renderRedisClientEnv(this.phase, { host: this.endpointAddress, port: this.port, databases: this.databases, tlsFiles: this.caCertPath ? { ca: this.caCertPath } : undefined }, (passwordId) => this.passwordExpression(passwordId));
    return env.map(([name, value]) => ({ name, value }));
  }

  /** `sensitive(terraform_data.<password>.triggers_replace)`: one token per id (cdktf records a stack trace per token). */
  protected passwordExpression(passwordId: string): string {
    let value = this.passwordExpressions.get(passwordId);
    if (value === undefined) {
      const holder = this.holders.get(passwordId);
      if (!holder) throw new Error(`internal: no stored copy of Redis password ${passwordId}`); // the input plan covers every accepted id
      value = Fn.sensitive(holder.getStringAttribute("triggers_replace")) as string;
      this.passwordExpressions.set(passwordId, value);
    }
    return value;
  }
}

/**
 * Stem's Redis on ElastiCache: a replication group (Redis OSS or Valkey)
 * driven by the Redis ledger (`stemguard.redis.json`), with its subnet group,
 * security group (`allowFrom`), parameter group and the RBAC user group whose
 * `default` user holds the ledger's passwords.
 *
 * TLS phases are ElastiCache's own migration: `plain` -> transit encryption
 * off; `dual` and `clients-tls` -> on, mode `preferred` (TLS and plain on the
 * one port); `tls-only` -> `required`. Each is an in-place modification
 * (applied at once, `applyImmediately`). ElastiCache has no client
 * certificates: a ledger with client-auth `optional` or `yes` is refused.
 *
 * Passwords: the user group holds a user named `default` (ElastiCache
 * requires one in every user group; Stem sends no username), with the
 * ledger's accepted passwords (staged + active, or active + retiring: at most
 * two, ElastiCache's limit) and access string `on ~* &* +@all`. Before the
 * first password the user is `no-password-required` and the group is not
 * attached (ElastiCache's built-in open default user serves); the first
 * password step attaches it. A password reaches Terraform once, through the
 * sensitive input `<prefix>_password_<id>` (see `materialInputs`).
 *
 * **The passwords are in Terraform state, in plan files and in
 * `terraform show -json`.** AWS provider 5.100 has no write-only argument for
 * ElastiCache passwords (and an ephemeral input may only feed write-only
 * arguments), so `aws_elasticache_user` and this construct's stored copies
 * (`terraform_data`) hold them. Keep state in an encrypted, access-controlled
 * remote backend (S3 with `encrypt = true`): the construct warns at synth
 * when the stack's backend is not one. `terraform plan` output shows them
 * only as `(sensitive value)`; redact plan JSON before posting it.
 *
 * Services in other stacks use `StemRedis.fromNamePrefix`.
 */
export class StemRedis extends StemRedisBase {
  /** True for a Redis created by any copy of stemguard (not for one imported with `fromNamePrefix`). */
  public static isStemRedis(x: unknown): x is StemRedis {
    return typeof x === "object" && x !== null && STEM_REDIS in x;
  }

  /**
   * A Redis another stack created: its endpoint is looked up by replication
   * group id (`namePrefix`; an `aws_elasticache_replication_group` data
   * source), and `clientEnv` follows from the same ledger. This stack keeps
   * its own copy of the ACTIVE password only (input required in the phase
   * that activates it). Apply the owning stack first in every phase.
   */
  public static fromNamePrefix(scope: Construct, id: string, props: StemRedisImportProps): IStemRedis {
    return new ImportedStemRedis(scope, id, props);
  }

  public readonly endpointAddress: string;
  /** Resolved engine. */
  public readonly engine: ElastiCacheEngine;
  /** Resolved engine version (major.minor). */
  public readonly engineVersion: string;
  public readonly replicationGroup: ElasticacheReplicationGroup;
  public readonly securityGroup: SecurityGroup;
  public readonly subnetGroup: ElasticacheSubnetGroup;
  public readonly parameterGroup: ElasticacheParameterGroup;
  /** The RBAC user named `default` (user id `<namePrefix>-default`). */
  public readonly defaultUser: ElasticacheUser;
  public readonly userGroup: ElasticacheUserGroup;
  private readonly peers = new Map<string, VpcSecurityGroupIngressRule>();

  constructor(scope: Construct, id: string, props: StemRedisProps) {
    super(scope, id, props, "server");
    Object.defineProperty(this, STEM_REDIS, { value: true });
    const field = (name: string) => `${this.node.path} props.${name}`;
    const engine = props.engine ?? "redis";
    const version = elastiCacheEngineVersion(engine, props.engineVersion ?? (engine === "valkey" ? "8.0" : "7.1"), { engine: field("engine"), engineVersion: field("engineVersion") });
    this.engine = version.engine;
    this.engineVersion = `${version.major}.${version.minor}`;
    const nodeType = props.nodeType ?? "cache.t4g.small";
    if (!Token.isUnresolved(nodeType) && !/^cache\.[a-z0-9-]+\.[a-z0-9]+$/.test(nodeType)) {
      throw new StemguardError("nodeType must be an ElastiCache node type", { field: field("nodeType"), value: nodeType, fix: 'e.g. "cache.t4g.small" or "cache.r7g.large"' });
    }
    const replicas = props.replicas ?? 1;
    assertInteger(replicas, 0, 5, field("replicas"), "use 0 to 5 read replicas");
    const multiAz = props.multiAz ?? replicas > 0;
    if (multiAz && replicas === 0) {
      throw new StemguardError("multiAz needs a replica to fail over to", { field: field("multiAz"), value: true, fix: "set replicas to 1 or more, or multiAz to false" });
    }
    assertSubnets(props.subnetIds, multiAz, field("subnetIds"));
    const retention = props.snapshotRetentionDays ?? 7;
    assertInteger(retention, 0, 35, field("snapshotRetentionDays"), "use 0 (no snapshots) to 35 days");
    const snapshotWindow = props.snapshotWindow ?? "03:00-04:00";
    if (!/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/.test(snapshotWindow)) {
      throw new StemguardError("snapshotWindow must be hh:mm-hh:mm (UTC)", { field: field("snapshotWindow"), value: snapshotWindow, fix: 'e.g. "03:00-04:00"' });
    }
    const maintenanceWindow = props.maintenanceWindow ?? "sun:05:00-sun:06:00";
    if (!/^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$/.test(maintenanceWindow)) {
      throw new StemguardError("maintenanceWindow must be ddd:hh:mm-ddd:hh:mm (UTC, lowercase day names)", { field: field("maintenanceWindow"), value: maintenanceWindow, fix: 'e.g. "sun:05:00-sun:06:00"' });
    }
    const accessString = props.accessString ?? DEFAULT_ACCESS_STRING;
    assertAccessString(accessString, field("accessString"));
    const tags = props.tags ? { tags: { ...props.tags } } : {};
    const claim = (what: string, name: string) => claimObjectName(this, `ElastiCache ${what} ${name}`, this.node.path, field("namePrefix"), this.namePrefix);
    claim("replication group", this.namePrefix);

    this.subnetGroup = new ElasticacheSubnetGroup(this, "SubnetGroup", {
      name: this.namePrefix,
      description: `Subnets of Stem's Redis ${this.namePrefix}. Managed by stemguard.`,
      subnetIds: [...props.subnetIds],
      ...tags,
    });
    this.securityGroup = new SecurityGroup(this, "SecurityGroup", {
      name: `${this.namePrefix}-redis`,
      description: `Stem's Redis ${this.namePrefix}: ingress on port ${this.port} from the security groups given to allowFrom. Managed by stemguard.`,
      vpcId: props.vpcId,
      ...tags,
    });
    // The family is in the name: an engine's major upgrade needs a new group, created before the old one goes.
    this.parameterGroup = new ElasticacheParameterGroup(this, "ParameterGroup", {
      name: `${this.namePrefix}-${version.family}`,
      family: version.family,
      description: `Parameters of Stem's Redis ${this.namePrefix}. Managed by stemguard.`,
      ...(props.parameters && Object.keys(props.parameters).length > 0 ? { parameter: Object.entries(props.parameters).map(([name, value]) => ({ name, value })) } : {}),
      lifecycle: { createBeforeDestroy: true },
      ...tags,
    });

    // The default user and its group exist from the first phase, so each later step changes
    // them in place. ElastiCache refuses a user group without a user named "default".
    const passwords = this.materialInputs.map((m) => this.passwordExpression(m.passwordId));
    this.defaultUser = new ElasticacheUser(this, "DefaultUser", {
      userId: `${this.namePrefix}-default`,
      userName: "default",
      engine: this.engine,
      accessString,
      authenticationMode: passwords.length > 0 ? { type: "password", passwords } : { type: "no-password-required" },
      ...tags,
    });
    this.userGroup = new ElasticacheUserGroup(this, "UserGroup", {
      userGroupId: this.namePrefix,
      engine: this.engine,
      userIds: [this.defaultUser.userId],
      ...tags,
    });

    const transit = elastiCacheTransit(this.phase);
    this.replicationGroup = new ElasticacheReplicationGroup(this, "ReplicationGroup", {
      replicationGroupId: this.namePrefix,
      description: `Stem's Redis (broker and result backend), driven by the Redis ledger. Managed by stemguard.`,
      engine: this.engine,
      engineVersion: this.engineVersion,
      nodeType,
      port: this.port,
      numCacheClusters: 1 + replicas,
      automaticFailoverEnabled: multiAz,
      multiAzEnabled: multiAz,
      subnetGroupName: this.subnetGroup.name,
      securityGroupIds: [this.securityGroup.id],
      parameterGroupName: this.parameterGroup.name,
      atRestEncryptionEnabled: "true",
      ...(props.kmsKey ? { kmsKeyId: props.kmsKey.arn } : {}),
      transitEncryptionEnabled: transit.transitEncryptionEnabled,
      ...(transit.transitEncryptionMode ? { transitEncryptionMode: transit.transitEncryptionMode } : {}),
      // Attached from the first password on: before it the built-in (open) default user serves.
      ...(passwords.length > 0 ? { userGroupIds: [this.userGroup.userGroupId] } : {}),
      snapshotRetentionLimit: retention,
      ...(retention > 0 ? { snapshotWindow } : {}),
      maintenanceWindow,
      applyImmediately: props.applyImmediately ?? true,
      ...tags,
    });
    this.endpointAddress = this.replicationGroup.primaryEndpointAddress;
    for (const peer of props.allowFrom ?? []) this.allowFrom(peer);
    Aspects.of(this).add(new StateBackendWarning(this));
  }

  /**
   * Lets `peer` (the security group of Stem's tasks) connect on the port:
   * an `aws_vpc_security_group_ingress_rule`. Allowing the same group twice
   * returns the same rule; its construct ID derives from the peer's
   * construct path (or its literal id), so it stays stable.
   */
  public allowFrom(peer: ISecurityGroupRef, description?: string): VpcSecurityGroupIngressRule {
    const id = `Ingress-${peerIdPart(peer, `${this.node.path}.allowFrom`)}`;
    const existing = this.peers.get(id);
    if (existing) return existing;
    const rule = new VpcSecurityGroupIngressRule(this, id, {
      securityGroupId: this.securityGroup.id,
      referencedSecurityGroupId: peer.id,
      ipProtocol: "tcp",
      fromPort: this.port,
      toPort: this.port,
      description: description ?? `Stem clients to Redis ${this.namePrefix}`,
    });
    this.peers.set(id, rule);
    return rule;
  }
}

/** `StemRedis.fromNamePrefix`: the URLs of a Redis another stack owns. */
class ImportedStemRedis extends StemRedisBase {
  public readonly endpointAddress: string;

  constructor(scope: Construct, id: string, props: StemRedisImportProps) {
    super(scope, id, props, "clients");
    this.endpointAddress = new DataAwsElasticacheReplicationGroup(this, "ReplicationGroup", { replicationGroupId: this.namePrefix }).primaryEndpointAddress;
  }
}

/**
 * Warns at synth when the stack's state backend is not encrypted remote
 * state: the ElastiCache passwords are in state (AWS provider 5.100 has no
 * write-only password argument).
 */
class StateBackendWarning implements IAspect {
  private warned = false;

  constructor(private readonly redis: StemRedis) {}

  public visit(node: IConstruct): void {
    if (node !== this.redis || this.warned) return;
    this.warned = true;
    const problem = stateBackendProblem(TerraformStack.of(this.redis));
    if (!problem) return;
    const holds = this.redis.phase.acceptedPasswords.length > 0 ? "holds the Redis passwords in plain text" : "will hold the Redis passwords in plain text from the first password step";
    Annotations.of(this.redis).addWarning(
      `stemguard: the Terraform state of this stack ${holds} (ElastiCache users have no write-only password argument in AWS provider 5.100), but ${problem}. ` +
        "Use an encrypted, access-controlled remote backend, e.g. new S3Backend(stack, { bucket, key, region, encrypt: true }) (plus use_lockfile through addOverride).",
    );
  }
}

/** Backends that keep state encrypted at rest by themselves. */
const ENCRYPTED_BACKENDS = new Set(["remote", "cloud", "gcs", "azurerm"]);

/** Why the stack's backend is not encrypted remote state, or undefined when it is. */
function stateBackendProblem(stack: TerraformStack): string | undefined {
  const backend = stack.node.children.find((c): c is TerraformBackend => TerraformBackend.isBackend(c));
  if (!backend) return "the stack has no backend (cdktf's default is the local backend: a terraform.tfstate file)";
  const config = (backend.toTerraform() as { terraform?: { backend?: Record<string, Record<string, unknown>> }; terraform_cloud?: unknown }).terraform?.backend ?? {};
  const [type, settings] = Object.entries(config)[0] ?? ["cloud", {}];
  if (type === "s3") return settings.encrypt === true ? undefined : "its S3 backend does not set encrypt = true";
  if (ENCRYPTED_BACKENDS.has(type)) return undefined;
  return type === "local" ? "its backend is local (a terraform.tfstate file)" : `stemguard cannot tell whether its ${type} backend encrypts state`;
}

function assertNamePrefix(prefix: unknown, field: string): asserts prefix is string {
  if (typeof prefix !== "string" || prefix.length > MAX_NAME_PREFIX || !/^[a-z](?:[a-z0-9]|-(?!-))*$/.test(prefix) || prefix.endsWith("-")) {
    throw new StemguardError(`namePrefix must be 1-${MAX_NAME_PREFIX} lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen: it is the replication group id (and <prefix>-default the RBAC user id)`, {
      field,
      value: prefix,
      fix: 'use a prefix such as "stem-redis" or "prod-stem"',
    });
  }
}

function assertInteger(value: number, min: number, max: number, field: string, fix: string): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StemguardError(`must be a whole number from ${min} to ${max}`, { field, value, fix });
  }
}

function assertSubnets(subnetIds: readonly string[], multiAz: boolean, field: string): void {
  if (Token.isUnresolved(subnetIds)) return;
  if (!Array.isArray(subnetIds) || subnetIds.length === 0) {
    throw new StemguardError("subnetIds must list the subnets of the subnet group", { field, value: subnetIds, fix: "pass the private subnet ids of the VPC, in two or more Availability Zones" });
  }
  if (multiAz && subnetIds.length < 2) {
    throw new StemguardError("multiAz needs subnets in at least two Availability Zones", { field, value: subnetIds, fix: "add a subnet in another Availability Zone, or set multiAz to false" });
  }
}

function assertAccessString(accessString: string, field: string): void {
  if (Token.isUnresolved(accessString)) return;
  if (!/^on(\s|$)/.test(accessString)) {
    throw new StemguardError("accessString must start with 'on': an 'off' default user refuses every Stem connection", { field, value: accessString, fix: `use "${DEFAULT_ACCESS_STRING}" or a narrower rule set starting with "on"` });
  }
  if (/(^|\s)([><#!%]|nopass|resetpass)/.test(accessString)) {
    throw new StemguardError("accessString must not hold password rules: the passwords come from the Redis ledger (and a password here would be in the synthesized JSON)", {
      field,
      value: "(not shown)",
      fix: `drop the >, <, #, !, nopass and resetpass rules; e.g. "${DEFAULT_ACCESS_STRING}"`,
    });
  }
}

/** A stable construct-ID part for a security group: its construct path below the stack, or its literal id. */
function peerIdPart(peer: ISecurityGroupRef, field: string): string {
  if (Construct.isConstruct(peer)) {
    const stack = TerraformStack.of(peer);
    return peer.node.scopes.slice(peer.node.scopes.indexOf(stack) + 1).map((c) => c.node.id).join("-");
  }
  if (!Token.isUnresolved(peer.id)) return peer.id;
  throw new StemguardError("cannot derive a stable construct ID from a security group whose id is a token", {
    field,
    value: "token",
    fix: "pass the SecurityGroup or DataAwsSecurityGroup construct itself, or a literal sg-... id",
  });
}
