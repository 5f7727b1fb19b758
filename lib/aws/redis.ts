import { DataAwsElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/data-aws-elasticache-replication-group";
import { ElasticacheParameterGroup } from "@cdktf/provider-aws/lib/elasticache-parameter-group";
import { ElasticacheReplicationGroup } from "@cdktf/provider-aws/lib/elasticache-replication-group";
import { ElasticacheSubnetGroup } from "@cdktf/provider-aws/lib/elasticache-subnet-group";
import { ElasticacheUser } from "@cdktf/provider-aws/lib/elasticache-user";
import { ElasticacheUserGroup } from "@cdktf/provider-aws/lib/elasticache-user-group";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Aspects, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { assertKeyId } from "../core/keyring/key-id";
import { StemguardError } from "../core/errors";
import { elastiCacheEngineVersion, elastiCacheTransit, type ElastiCacheEngine } from "../core/redis/elasticache";
import { CENSUS_USER_NAME } from "../core/redis/census-user";
import { redisPasswordVariableName } from "../core/redis/revisions";
import { claimObjectName } from "../private/stack-claims";
import { redisPasswordVariable, type RedisPasswordInput } from "../private/redis-password-variable";
import type { IKmsKeyRef } from "./refs";
import { assertInteger, StemRedisBase, storedCopy, storedValue, type IStemRedis, type StemRedisImportProps } from "./redis-base";
import { StateBackendWarning } from "./redis-state-warning";

export type { IStemRedis, RedisEnvVar, RedisPasswordInput, StemRedisImportProps } from "./redis-base";

const STEM_REDIS = Symbol.for("stemguard.StemRedis");

/** Every role's default access: all keys, all Pub/Sub channels (Stem's heartbeats), all commands. */
const DEFAULT_ACCESS_STRING = "on ~* &* +@all";

/**
 * The census user's access: read-only commands on Stem's keys, no channels,
 * no dangerous commands. The census's Redis ACL on a self-run Redis is `resetkeys %R~stem:*
 * resetchannels -@all +@read -@dangerous +ping +hello +select`; ElastiCache
 * access strings take no reset rules (a new user starts with no keys and no
 * channels), and with read commands only, `~stem:*` grants what `%R~stem:*` does.
 */
export const CENSUS_ACCESS_STRING = "on ~stem:* -@all +@read -@dangerous +ping +hello +select";

/** A security group by id: a `SecurityGroup`, a `DataAwsSecurityGroup` or a literal `sg-...`. */
export interface ISecurityGroupRef {
  readonly id: string;
}

/** The read-only census user (`StemRedisProps.censusUser`). */
export interface RedisCensusUserProps {
  /**
   * Id of the census user's password (`[A-Za-z0-9._-]`). Its input is
   * `<prefix_with_underscores>_census_password_<id>` (the content of
   * `material/<id>.password` from 'stemguard redis password generate'),
   * needed once, in the apply that creates it; the stack keeps a copy in its
   * state (like the default user's, not write-only: the provider has no
   * write-only password argument). A new id rotates it: that phase needs the
   * new input, and the user then accepts only the new password.
   *
   * @default "census"
   */
  readonly passwordId?: string;

  /**
   * The user name the census logs in with (ElastiCache user names are unique per user group).
   *
   * @default "stemguard-census" (the same as on Kubernetes and in `stemguard redis render`)
   */
  readonly userName?: string;
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

  /**
   * A read-only census user in the user group, for stemguard's census (it
   * counts queued envelopes by signing key without changing anything):
   * access string `on ~stem:* -@all +@read -@dangerous +ping +hello +select`.
   * Its password is in state like the default user's (see `censusInput`).
   * The user group is attached from the ledger's first password on, so the
   * census can log in from then on (ElastiCache requires TLS for passwords).
   *
   * @default - no census user
   */
  readonly censusUser?: RedisCensusUserProps;
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
 * Clients over rediss:// trust Amazon's certificate through the platform
 * trust store: `clientEnv` sets no `STEM_TLS_*` unless `caCertPath` names a
 * bundle that holds Amazon's CA (once any `STEM_TLS_*` path is set, Stem
 * trusts only that file). **ElastiCache has no client certificates** (its
 * TLS authenticates the server only; clients authenticate with the
 * password), so a Redis ledger with client-auth `optional` or `yes` is
 * refused here; run Redis yourself (`stemguard/kubernetes`) for mutual TLS.
 * Engine: Redis OSS 7.0 or later (TLS turns on in place only from 7.0.5;
 * below it the provider replaces the group, i.e. a new, empty Redis), or Valkey.
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

  /** The primary endpoint's address (a token): the host of every URL, and the name Stem verifies the certificate against. */
  public readonly clientHost: string;
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
  /** The read-only census user (`censusUser`), when asked for. */
  public readonly censusUser?: ElasticacheUser;
  /** The census user's password input, when `censusUser` is given: required in the apply that creates the user. */
  public readonly censusInput?: RedisPasswordInput;
  /** The census user's name and password (a sensitive expression over this stack's stored copy), when `censusUser` is given. */
  public readonly censusCredentials?: { readonly userName: string; readonly password: string };
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
    // RBAC users and groups of engine "redis" serve Redis OSS and Valkey groups alike; a
    // "valkey" group would refuse the no-password default user of the plain phase.
    this.defaultUser = new ElasticacheUser(this, "DefaultUser", {
      userId: `${this.namePrefix}-default`,
      userName: "default",
      engine: "redis",
      accessString,
      authenticationMode: passwords.length > 0 ? { type: "password", passwords } : { type: "no-password-required" },
      ...tags,
    });
    if (props.censusUser) {
      const census = censusUser(this, props.censusUser, field("censusUser"), tags);
      this.censusUser = census.user;
      this.censusInput = census.input;
      this.censusCredentials = census.credentials;
    }
    this.userGroup = new ElasticacheUserGroup(this, "UserGroup", {
      userGroupId: this.namePrefix,
      engine: "redis",
      userIds: [this.defaultUser.userId, ...(this.censusUser ? [this.censusUser.userId] : [])],
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
    this.clientHost = this.replicationGroup.primaryEndpointAddress;
    for (const peer of props.allowFrom ?? []) this.allowFrom(peer);
    Aspects.of(this).add(new StateBackendWarning(this, this.phase.acceptedPasswords.length > 0 || this.censusUser !== undefined));
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
  public readonly clientHost: string;

  constructor(scope: Construct, id: string, props: StemRedisImportProps) {
    super(scope, id, props, "clients");
    this.clientHost = new DataAwsElasticacheReplicationGroup(this, "ReplicationGroup", { replicationGroupId: this.namePrefix }).primaryEndpointAddress;
  }
}

/** The census user: `<prefix>-census`, its password input and stored copy. */
function censusUser(redis: StemRedis, props: RedisCensusUserProps, field: string, tags: { tags?: Record<string, string> }) {
  const passwordId = props.passwordId ?? "census";
  assertKeyId(passwordId, `${field}.passwordId`, "password id");
  const userName = props.userName ?? CENSUS_USER_NAME;
  if (!/^[A-Za-z][A-Za-z0-9-]{0,39}$/.test(userName) || userName === "default") {
    throw new StemguardError("censusUser.userName must be a letter, then up to 39 letters, digits or hyphens, and not default", { field: `${field}.userName`, value: userName, fix: `use "${CENSUS_USER_NAME}"` });
  }
  const variableName = redisPasswordVariableName(`${redis.namePrefix}_census`, passwordId);
  const input = redisPasswordVariable(redis, { passwordId, variableName, envVarName: `TF_VAR_${variableName}`, required: false }, `census ${redis.namePrefix}`, field, "state");
  const holder = storedCopy(redis, `CensusPassword-${passwordId}`, input.variable.stringValue, `Census password "${passwordId}"`, input.envVarName);
  const password = storedValue(holder);
  const user = new ElasticacheUser(redis, "CensusUser", {
    userId: `${redis.namePrefix}-census`,
    userName,
    engine: "redis",
    accessString: CENSUS_ACCESS_STRING,
    authenticationMode: { type: "password", passwords: [password] },
    ...tags,
  });
  return { user, input, credentials: { userName, password } };
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
