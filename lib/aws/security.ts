import type { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct, type IConstruct } from "constructs";
import { StemguardError } from "../core/errors";
import type { Role } from "../core/keyring/types";
import { REDIS_URL_VARIABLES } from "../core/redis/client-env";
import { brokerUrlVariableName } from "../private/broker-url-variable";
import {
  assertEachOnce,
  assertSecurityNamePrefix,
  checkWorkloads,
  choosePart,
  distinct,
  hasKey,
  inputsOf,
  ledgerPaths,
  redisSummary,
  refuseOwnStemVariables,
  SECURITY_PART_IDS,
  signingSummary,
  workloadRoles,
  type StemSecurityPart,
  type StemSecurityInput,
  type StemSecurityLedgerFiles,
  type StemSecuritySummary,
  type StemSecurityWorkloadBase,
} from "../private/security-parts";
import { STEM_SIGNING_PREFIX, STEM_TLS_PREFIX } from "../private/user-env-rules";
import { notifySns, StemAlarms, type IAlarmActionStrategy, type IStemAlarms, type StemAlarmsProps } from "./alarms";
import { StemCensusJob, type IStemCensusJob, type StemCensusJobProps } from "./census-job";
import { KEYRING_REVISION_ENV, REDIS_CLIENT_REVISION_ENV, type BoundContainerDefinition, type EcsContainerDefinition } from "./ecs-container";
import { StemRedis, type IStemRedis, type StemRedisProps } from "./redis";
import type { IKmsKeyRef, IRoleRef } from "./refs";
import type { FargateNetwork, IEcsClusterRef } from "./scheduled-task";
import { StemSigningKeyring, type ISigningKeyring, type StemSigningKeyringProps } from "./signing-keyring";
import { StemTlsBundles, TLS_REVISION_ENV, type ITlsBundles, type StemTlsBundlesProps } from "./tls-bundles";
import { StemVulnerabilityScan, type IStemVulnerabilityScan, type ITopicRef, type StemVulnerabilityScanProps } from "./vulnerability-scan";

export type { StemSecurityInput, StemSecurityLedgerFiles, StemSecurityPart, StemSecuritySummary } from "../private/security-parts";

const STEM_SECURITY = Symbol.for("stemguard.aws.StemSecurity");

/** One Stem workload of the deployment (an ECS service). */
export type StemSecurityWorkload = StemSecurityWorkloadBase;

/** The keyring the composition creates: `StemSigningKeyringProps` without what the composition decides (roles from the workloads, its Redis). */
export type StemSecurityKeyringProps = Omit<StemSigningKeyringProps, "roles" | "redis">;

/** The census job the composition creates: cluster and network come from the composition, queues from the workers. */
export interface StemSecurityCensusProps extends Omit<StemCensusJobProps, keyof FargateNetwork | "cluster" | "queues"> {
  /**
   * Queues to count.
   *
   * @default - every queue of the workloads
   */
  readonly queues?: readonly string[];
}

/** The weekly scan the composition creates: cluster and network come from the composition, images from the workloads. */
export interface StemSecurityScanProps extends Omit<StemVulnerabilityScanProps, keyof FargateNetwork | "cluster" | "images" | "notificationTopic"> {
  /**
   * Images to scan, pinned by digest.
   *
   * @default - every workload's image
   */
  readonly images?: readonly string[];
  /**
   * Where failed and finding-bearing runs are announced.
   *
   * @default - `notifications.ticket`, else `notifications.page`
   */
  readonly notificationTopic?: ITopicRef;
}

/** The alarms the composition creates: census, scan, ledger and name prefix come from the composition. */
export interface StemSecurityAlarmsProps extends Omit<StemAlarmsProps, "census" | "scan" | "ledger" | "ledgerFile" | "actions" | "namePrefix"> {
  /**
   * What the alarms notify, by severity.
   *
   * @default - `notifySns(notifications)`
   */
  readonly actions?: IAlarmActionStrategy;
  /**
   * Alarm names are `<namePrefix>-<alarm id>[-<queue|key|certificate>]`.
   *
   * @default - the composition's `namePrefix`
   */
  readonly namePrefix?: string;
}

export interface StemSecurityProps {
  /** The deployment's producers (the dashboard too), worker pools and beat. Their roles decide which role secrets exist. */
  readonly workloads: readonly StemSecurityWorkload[];

  /**
   * Every part is named `<namePrefix>-<part>`: the keyring `<prefix>-signing`, the
   * TLS bundles `<prefix>-tls`, Redis `<prefix>-redis`, the census
   * `<prefix>-census`, the scan `<prefix>-scan`, the alarms `<prefix>-...`
   * (for "stem": each part's own default). 1-26 lowercase letters, digits and
   * single hyphens. A part's own `namePrefix`/`name` overrides it.
   *
   * @default "stem"
   */
  readonly namePrefix?: string;

  /**
   * Directory of the ledger files, relative to the process's working directory.
   *
   * @default "." (the working directory)
   */
  readonly ledgerDir?: string;

  /**
   * Ledger files in other places than `ledgerDir`. A part's own `ledger` or `ledgerFile` wins over both.
   *
   * @default - `stemguard.rotation.json`, `stemguard.tls.json` and `stemguard.redis.json` in `ledgerDir`
   */
  readonly ledgerFiles?: StemSecurityLedgerFiles;

  /**
   * Customer-managed KMS key of every Secrets Manager secret (keyring, TLS bundles, census URL).
   *
   * @default - the account's `aws/secretsmanager` key
   */
  readonly kmsKey?: IKmsKeyRef;

  /**
   * The ECS cluster the census and scan tasks run in.
   *
   * @default - none: required while the census or the scan is on
   */
  readonly cluster?: IEcsClusterRef;

  /**
   * Subnets and security groups of the census and scan tasks.
   *
   * @default - none: required while the census or the scan is on
   */
  readonly network?: FargateNetwork;

  /**
   * SNS topics by severity: the alarms' actions (`notifySns`) and the scan's announcements (`ticket`, else `page`).
   *
   * @default - none: required while the alarms or the scan is on (unless given to them)
   */
  readonly notifications?: { readonly page: ITopicRef; readonly ticket?: ITopicRef };

  /**
   * The signing keyring: props for the one the composition creates (id
   * `Signing`), or your own (`StemSigningKeyring.fromNamePrefix` for one
   * another stack owns). The keyring cannot be turned off: it is what the
   * others wire through.
   *
   * @default - a keyring from the signing ledger, roles from the workloads
   */
  readonly keyring?: StemSecurityKeyringProps | ISigningKeyring;

  /**
   * TLS bundles of your own CA (id `Tls`), your own `ITlsBundles`, or `false`.
   * Not with the composition's Redis: ElastiCache's certificate is Amazon's,
   * clients trust it through the platform store, and a `STEM_TLS_CA_CERT`
   * would make Stem trust only your CA. For a Redis of your own with your CA
   * (`redis: false`).
   *
   * @default false
   */
  readonly tls?: StemSecurityPart<StemTlsBundlesProps, ITlsBundles>;

  /**
   * ElastiCache Redis (id `Redis`; `vpcId` and `subnetIds` are required), your
   * own `IStemRedis`, or `false` for a Redis you wire yourself (the containers
   * then set `STEM_BROKER_URL`). The keyring's role secrets carry its URLs.
   *
   * @default - required: give its props or `false`
   */
  readonly redis?: StemSecurityPart<StemRedisProps, IStemRedis>;

  /**
   * The census job (id `Census`; `image` is required), one another stack runs
   * (`StemCensusJob.fromQueues`), or `false`. The composition's Redis gets its
   * read-only census user then (`censusUser`, unless you set it).
   *
   * @default - required: give its props or `false`
   */
  readonly census?: StemSecurityPart<StemSecurityCensusProps, IStemCensusJob>;

  /**
   * The weekly vulnerability scan (id `Scan`), one another stack runs
   * (`StemVulnerabilityScan.fromScanName`), or `false`.
   *
   * @default - the workloads' images, Monday 06:00 UTC
   */
  readonly scan?: StemSecurityPart<StemSecurityScanProps, IStemVulnerabilityScan>;

  /**
   * The alarms (id `Alarms`), your own `IStemAlarms`, or `false`. Rotation-aware from the signing ledger.
   *
   * @default - the default alarms, notifying `notifications`
   */
  readonly alarms?: StemSecurityPart<StemSecurityAlarmsProps, IStemAlarms>;
}

/** A Stem deployment's security on AWS, composed: what `bind` and the phase report need. */
export interface IStemSecurity extends IConstruct {
  readonly namePrefix: string;
  readonly workloads: readonly StemSecurityWorkload[];
  /** The roles the workloads run. */
  readonly roles: readonly Role[];
  readonly keyring: ISigningKeyring;
  readonly tls?: ITlsBundles;
  readonly redis?: IStemRedis;
  readonly census?: IStemCensusJob;
  readonly scan?: IStemVulnerabilityScan;
  readonly alarms?: IStemAlarms;
  /** `container` wired with everything a Stem component of `role` needs; refuses the container's own STEM_* of the parts and a second bind. */
  bind<T extends EcsContainerDefinition>(container: T, role: Role): BoundContainerDefinition<T>;
  /** Lets `grantee` (the task's execution role) read every secret `bind` refers to for `role`. */
  grantRead(grantee: IRoleRef, role: Role): IamRolePolicy[];
  /** Ledger phases, revisions, what rolls each workload and the material inputs of this phase. */
  summary(): StemSecuritySummary;
}

/**
 * The security of one Stem deployment on AWS, composed from one props object
 * and the ledger directory: the signing keyring (`Signing`), TLS bundles of
 * your own CA (`Tls`, off by default: ElastiCache clients trust Amazon's CA),
 * ElastiCache Redis (`Redis`), the census job (`Census`), the weekly scan
 * (`Scan`) and the alarms (`Alarms`). Each is the existing construct, created
 * under that id (a public contract: the ids are in every Terraform address
 * below them), replaced by your own, or turned off.
 *
 * Wire each ECS container with `bind(container, role)` and each task's
 * execution role with `grantRead(role, stemRole)`; give the task definitions
 * `skipDestroy: true` and `lifecycle: { createBeforeDestroy: true }`, so a step
 * registers the new revision first and keeps the previous one for rollback.
 * The dashboard signs like a producer: bind it with `producer`.
 */
export class StemSecurity extends Construct implements IStemSecurity {
  /** True for a composition created by any copy of stemguard. */
  public static isStemSecurity(x: unknown): x is StemSecurity {
    return typeof x === "object" && x !== null && STEM_SECURITY in x;
  }

  public readonly namePrefix: string;
  public readonly workloads: readonly StemSecurityWorkload[];
  public readonly roles: readonly Role[];
  public readonly keyring: ISigningKeyring;
  public readonly tls?: ITlsBundles;
  public readonly redis?: IStemRedis;
  public readonly census?: IStemCensusJob;
  public readonly scan?: IStemVulnerabilityScan;
  public readonly alarms?: IStemAlarms;

  constructor(scope: Construct, id: string, props: StemSecurityProps) {
    super(scope, id);
    Object.defineProperty(this, STEM_SECURITY, { value: true });
    const field = (name: string) => `${this.node.path} props.${name}`;
    this.namePrefix = props.namePrefix ?? "stem";
    assertSecurityNamePrefix(this.namePrefix, field("namePrefix"));
    this.workloads = checkWorkloads(props.workloads, field("workloads"));
    this.roles = workloadRoles(this.workloads);
    const files = ledgerPaths(props.ledgerDir, props.ledgerFiles);
    const queues = distinct(this.workloads.flatMap((w) => w.queues ?? []));
    const kms = props.kmsKey ? { kmsKey: props.kmsKey } : {};

    const keyringChoice = choosePart<StemSecurityKeyringProps, ISigningKeyring>(props.keyring, Construct.isConstruct);
    const ownKeyring = keyringChoice.kind === "existing" ? keyringChoice.value : undefined;
    const censusChoice = choosePart<StemSecurityCensusProps, IStemCensusJob>(props.census, (v) => Construct.isConstruct(v) || !hasKey(v, "image"));

    // Redis first: the keyring's role secrets carry its URLs.
    const redisChoice = choosePart<StemRedisProps, IStemRedis>(props.redis, Construct.isConstruct);
    if (ownKeyring) {
      // A keyring of your own already decided which Redis its role secrets carry.
      if (redisChoice.kind === "create" && props.redis !== undefined) throw keyringRedisConflict(field("redis"), "a new Redis", ownKeyring);
      if (redisChoice.kind === "existing" && redisChoice.value !== ownKeyring.redis) throw keyringRedisConflict(field("redis"), redisChoice.value.node.path, ownKeyring);
      this.redis = ownKeyring.redis;
    } else if (redisChoice.kind === "existing") {
      this.redis = redisChoice.value;
    } else if (redisChoice.kind === "create") {
      const redisProps = redisChoice.props;
      if (redisProps === undefined) {
        throw new StemguardError("the composition runs Stem's Redis on ElastiCache by default, which needs its network", {
          field: field("redis"),
          fix: "pass redis: { vpcId, subnetIds, allowFrom: [tasksSecurityGroup] }, your own StemRedis, or redis: false for a Redis you wire yourself",
        });
      }
      this.redis = new StemRedis(this, SECURITY_PART_IDS.redis, {
        ...ledgerSource(redisProps, files.redis),
        namePrefix: `${this.namePrefix}-redis`,
        ...(censusChoice.kind === "create" ? { censusUser: {} } : {}),
        ...redisProps,
      });
    }

    const tlsChoice = choosePart<StemTlsBundlesProps, ITlsBundles>(props.tls ?? false, Construct.isConstruct);
    if (tlsChoice.kind !== "off" && this.redis) {
      throw new StemguardError("TLS bundles of your own CA do not go with ElastiCache: its certificate is Amazon's, clients trust it through the platform store, and STEM_TLS_CA_CERT would make Stem trust only your CA", {
        field: field("tls"),
        fix: "leave tls out (ElastiCache clients need no bundle; for a CA file holding Amazon's CA set redis.caCertPath), or set redis: false for a Redis of your own with your CA",
      });
    }
    if (tlsChoice.kind === "existing") this.tls = tlsChoice.value;
    if (tlsChoice.kind === "create") {
      const tlsProps = tlsChoice.props ?? {};
      this.tls = new StemTlsBundles(this, SECURITY_PART_IDS.tls, { ...tlsLedgerSource(tlsProps, files.tls), namePrefix: `${this.namePrefix}-tls`, ...kms, ...tlsProps });
    }

    if (ownKeyring) {
      const missing = this.roles.filter((r) => !ownKeyring.roles.includes(r));
      if (missing.length > 0) {
        throw new StemguardError(`the keyring has no role secret for ${missing.join(", ")}, which the workloads run`, { field: field("keyring"), value: ownKeyring.roles, fix: `give the keyring the roles ${this.roles.join(", ")}` });
      }
      this.keyring = ownKeyring;
    } else {
      const keyringProps = keyringChoice.kind === "create" ? (keyringChoice.props ?? {}) : {};
      this.keyring = new StemSigningKeyring(this, SECURITY_PART_IDS.keyring, {
        ...ledgerSource(keyringProps, files.signing),
        namePrefix: `${this.namePrefix}-signing`,
        ...kms,
        ...keyringProps,
        roles: this.roles,
        ...(this.redis ? { redis: this.redis } : {}),
      });
    }

    const network = (part: string) => {
      if (!props.cluster || !props.network) {
        throw new StemguardError(`the ${part} runs as a Fargate task and needs the cluster and network`, { field: field(props.cluster ? "network" : "cluster"), fix: `pass cluster and network ({ subnetIds, securityGroupIds }), or ${part}: false` });
      }
      return { cluster: props.cluster, ...props.network };
    };

    if (censusChoice.kind === "existing") this.census = censusChoice.value;
    if (censusChoice.kind === "create") {
      const censusProps = censusChoice.props;
      if (censusProps === undefined) {
        throw new StemguardError("the census needs the stemguard CLI image", { field: field("census"), fix: 'pass census: { image: "<registry>/stemguard:<tag>@sha256:<digest>" }, one another stack runs (StemCensusJob.fromQueues), or census: false' });
      }
      this.census = new StemCensusJob(this, SECURITY_PART_IDS.census, { ...network("census"), queues, name: `${this.namePrefix}-census`, ...kms, ...censusProps });
    }

    const scanChoice = choosePart<StemSecurityScanProps, IStemVulnerabilityScan>(props.scan, (v) => Construct.isConstruct(v) || hasKey(v, "scanName"));
    if (scanChoice.kind === "existing") this.scan = scanChoice.value;
    if (scanChoice.kind === "create") {
      const scanProps = scanChoice.props ?? {};
      const topic = scanProps.notificationTopic ?? props.notifications?.ticket ?? props.notifications?.page;
      if (!topic) throw new StemguardError("the scan announces failed and finding-bearing runs on an SNS topic", { field: field("notifications"), fix: "pass notifications: { page, ticket }, scan: { notificationTopic }, or scan: false" });
      this.scan = new StemVulnerabilityScan(this, SECURITY_PART_IDS.scan, {
        ...network("scan"),
        images: distinct(this.workloads.map((w) => w.image)),
        name: `${this.namePrefix}-scan`,
        ...scanProps,
        notificationTopic: topic,
      });
    }

    const alarmsChoice = choosePart<StemSecurityAlarmsProps, IStemAlarms>(props.alarms, (v) => Construct.isConstruct(v) || hasKey(v, "specs"));
    if (alarmsChoice.kind === "existing") this.alarms = alarmsChoice.value;
    if (alarmsChoice.kind === "create") {
      const alarmsProps = alarmsChoice.props ?? {};
      const actions = alarmsProps.actions ?? (props.notifications ? notifySns(props.notifications) : undefined);
      if (!actions) throw new StemguardError("the alarms need somewhere to notify", { field: field("notifications"), fix: "pass notifications: { page, ticket }, alarms: { actions }, or alarms: false" });
      this.alarms = new StemAlarms(this, SECURITY_PART_IDS.alarms, {
        namePrefix: this.namePrefix,
        ...alarmsProps,
        actions,
        ledger: this.keyring.ledger,
        census: this.census ?? StemCensusJob.fromQueues(queues),
        ...(this.scan ? { scan: this.scan } : {}),
      });
    }
  }

  /**
   * `container` (an ECS container definition) wired with everything a Stem
   * component of `role` needs: the keyring's binding (each variable of the
   * role secret, i.e. the signing env and, with the Redis, its URLs, pinned
   * to this phase's version; `TZ=UTC`; `STEMGUARD_KEYRING_REVISION` and
   * `STEMGUARD_REDIS_CLIENT_REVISION`) and, with TLS bundles, theirs (the PEMs
   * and file paths, `STEMGUARD_TLS_REVISION`). The revision variables change
   * exactly when the role's env does, so the task definition, and the
   * service, roll then and only then.
   *
   * Refuses a container that was bound already, and any `STEM_*` variable of
   * its own that bind sets or whose family a part owns (`STEM_SIGNING_*`;
   * with a Redis or TLS bundles `STEM_TLS_*`; with a Redis every Redis URL
   * variable). The result has every variable exactly once (checked).
   */
  public bind<T extends EcsContainerDefinition>(container: T, role: Role): BoundContainerDefinition<T> {
    const field = `${this.node.path}.bind(${role})`;
    this.expectRole(role, field);
    const own = [...(container.environment ?? []), ...(container.secrets ?? [])].map((e) => e.name);
    const sets = new Set([...this.keyring.variableNames(role), ...(this.tls ? ["STEM_TLS_CA_CERT", "STEM_TLS_CLIENT_CERT", "STEM_TLS_CLIENT_KEY"] : [])]);
    refuseOwnStemVariables(
      own,
      {
        marker: KEYRING_REVISION_ENV,
        sets,
        prefixes: [STEM_SIGNING_PREFIX, ...(this.tls || this.redis ? [STEM_TLS_PREFIX] : [])],
        names: new Set(this.redis ? REDIS_URL_VARIABLES : []),
      },
      field,
      container.name,
    );
    const signed = this.keyring.bindToContainer(container, role);
    const bound = this.tls ? this.tls.bindToContainer(signed) : signed;
    assertEachOnce([...bound.environment, ...bound.secrets].map((e) => e.name), field, container.name);
    return bound;
  }

  /**
   * Lets `grantee` (the ECS task execution role of a `role` workload) read the
   * keyring's role secret and, with TLS bundles, both bundle secrets (and
   * decrypt them with the KMS key). Granting twice returns the same policies.
   */
  public grantRead(grantee: IRoleRef, role: Role): IamRolePolicy[] {
    this.expectRole(role, `${this.node.path}.grantRead(${role})`);
    return [this.keyring.grantRead(grantee, role), ...(this.tls ? [this.tls.grantRead(grantee)] : [])];
  }

  /** The revision variables `bind` sets for a workload of `role`: a new value rolls it. */
  public rollout(role: Role): Record<string, string> {
    this.expectRole(role, `${this.node.path}.rollout(${role})`);
    return {
      [KEYRING_REVISION_ENV]: String(this.keyring.revision(role)),
      ...(this.keyring.redis ? { [REDIS_CLIENT_REVISION_ENV]: String(this.keyring.redis.clientEnvRevision) } : {}),
      ...(this.tls ? { [TLS_REVISION_ENV]: String(this.tls.revision) } : {}),
    };
  }

  public summary(): StemSecuritySummary {
    const inputs: StemSecurityInput[] = [
      ...inputsOf("signing", StemSigningKeyring.isStemSigningKeyring(this.keyring) ? this.keyring.materialInputs : undefined),
      ...inputsOf("tls", StemTlsBundles.isStemTlsBundles(this.tls) ? this.tls.materialInputs : undefined),
      ...inputsOf("redis", this.redis?.materialInputs),
      ...inputsOf("redis", this.redis && StemRedis.isStemRedis(this.redis) && this.redis.censusInput ? [this.redis.censusInput] : undefined),
      ...(this.census instanceof StemCensusJob ? [censusInput(this.census)] : []),
    ];
    return {
      namePrefix: this.namePrefix,
      signing: signingSummary(this.keyring.ledger, this.roles, (r) => this.keyring.revision(r)),
      ...(this.tls ? { tls: { revision: this.tls.revision } } : {}),
      ...(this.redis ? { redis: redisSummary(this.redis.ledger, this.redis.phase, this.redis.clientEnvRevision) } : {}),
      workloads: this.workloads.map((w) => ({ name: w.name, role: w.role, rollout: this.rollout(w.role) })),
      inputs,
    };
  }

  private expectRole(role: Role, field: string): void {
    if (!this.roles.includes(role)) {
      throw new StemguardError(`no workload of this StemSecurity has the role "${role}"`, { field, value: role, fix: `add the workload to props.workloads with role "${role}" (the roles now: ${this.roles.join(", ")})` });
    }
  }
}

/** The part's own ledger source, else the composition's file. */
function ledgerSource(props: { readonly ledger?: unknown; readonly ledgerFile?: string }, file: string): { ledgerFile?: string } {
  return props.ledger !== undefined || props.ledgerFile !== undefined ? {} : { ledgerFile: file };
}

function tlsLedgerSource(props: StemTlsBundlesProps, file: string): { ledgerFile?: string } {
  return props.revision !== undefined ? {} : ledgerSource(props, file);
}

function censusInput(census: StemCensusJob): StemSecurityInput {
  const variableName = brokerUrlVariableName(census.censusName);
  return { part: "census", variableName, envVarName: `TF_VAR_${variableName}`, required: true };
}

function keyringRedisConflict(field: string, given: string, keyring: ISigningKeyring): StemguardError {
  return new StemguardError("the keyring of your own already carries the Redis env of its own redis prop; the composition cannot give it another", {
    field,
    value: given,
    fix: keyring.redis ? `leave redis out (it is ${keyring.redis.node.path}, the keyring's)` : "leave redis out, or create the keyring with that redis",
  });
}
