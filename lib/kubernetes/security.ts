import { TerraformStack } from "cdktf";
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
import { StemAlarms, type IStemAlarms, type StemAlarmsProps } from "./alarms";
import { StemCensusJob, type IStemCensusJob, type StemCensusJobProps } from "./census-job";
import { assertLabels, assertNamespace } from "./kubernetes-names";
import { StemRedis, type IStemRedis, type StemRedisProps } from "./redis";
import { StemSigningKeyring, type ISigningKeyring, type StemSigningKeyringProps } from "./signing-keyring";
import { StemTlsBundles, type ITlsBundles, type StemTlsBundlesProps, type TlsSecretVolume, type TlsVolumeMount } from "./tls-bundles";
import { StemVulnerabilityScan, type IStemVulnerabilityScan, type StemVulnerabilityScanProps } from "./vulnerability-scan";
import type { EnvVarLike, StemContainerEnvVar } from "./workload-env";
import type { TlsEnvVar } from "./tls-bundles";

export type { StemSecurityInput, StemSecurityLedgerFiles, StemSecurityPart, StemSecuritySummary } from "../private/security-parts";

const STEM_SECURITY = Symbol.for("stemguard.kubernetes.StemSecurity");

/** One Stem workload of the deployment (a Deployment, StatefulSet or CronJob). */
export interface StemSecurityWorkload extends StemSecurityWorkloadBase {
  /**
   * Labels of its pods: the composition's Redis admits pods with all of them
   * (NetworkPolicy). Put them on the pod template.
   *
   * @default { app: <name> }
   */
  readonly podLabels?: Readonly<Record<string, string>>;
}

/** The keyring the composition creates: without what the composition decides (namespace, roles, its Redis). */
export type StemSecurityKeyringProps = Omit<StemSigningKeyringProps, "namespace" | "roles" | "redis">;
/** The TLS bundles the composition creates, in its namespace. */
export type StemSecurityTlsProps = Omit<StemTlsBundlesProps, "namespace">;
/** The Redis the composition creates, in its namespace, with the composition's TLS bundles. */
export type StemSecurityRedisProps = Omit<StemRedisProps, "namespace" | "tlsBundles">;

/** The census the composition creates, in its namespace. */
export type StemSecurityCensusProps = Omit<StemCensusJobProps, "namespace">;

/** The weekly scan the composition creates, in its namespace. */
export interface StemSecurityScanProps extends Omit<StemVulnerabilityScanProps, "namespace" | "images"> {
  /**
   * Images to scan, pinned by digest.
   *
   * @default - every workload's image
   */
  readonly images?: readonly string[];
}

/** The alarms the composition creates: a PrometheusRule needs a stack of its own. */
export interface StemSecurityAlarmsProps extends Omit<StemAlarmsProps, "namespace" | "scan" | "ledger" | "ledgerFile"> {
  /**
   * The stack the PrometheusRule goes into (not the composition's:
   * `kubernetes_manifest` reads the CRD during plan). The alarms are created
   * there as `<composition id>/Alarms`.
   */
  readonly stack: TerraformStack;
  /**
   * Namespace of the PrometheusRule.
   *
   * @default - the composition's namespace
   */
  readonly namespace?: string;
}

export interface StemSecurityProps {
  /** The deployment's producers (the dashboard too), worker pools and beat. Their roles decide which role Secrets exist. */
  readonly workloads: readonly StemSecurityWorkload[];

  /** Namespace of every part and of the workloads (they mount its Secrets). A literal name. */
  readonly namespace: string;

  /**
   * Every part is named `<namePrefix>-<part>`: the keyring `<prefix>-signing`,
   * the TLS bundles `<prefix>-tls`, Redis `<prefix>-redis`, the census
   * `<prefix>-census`, the scan `<prefix>-scan` (for "stem": each part's own
   * default). 1-26 lowercase letters, digits and single hyphens. A part's own
   * `namePrefix`/`name` overrides it.
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
   * The signing keyring: props for the one the composition creates (id
   * `Signing`), or your own (`StemSigningKeyring.fromNamePrefix`). It cannot
   * be turned off: the others wire through it.
   *
   * @default - a keyring from the signing ledger, roles from the workloads
   */
  readonly keyring?: StemSecurityKeyringProps | ISigningKeyring;

  /**
   * TLS bundles of your own CA (id `Tls`): Redis's server certificate and
   * every client's trust bundle and certificate. Your own `ITlsBundles`, or `false`.
   *
   * @default - created from the TLS ledger while the composition has a Redis it runs; none without one
   */
  readonly tls?: StemSecurityPart<StemSecurityTlsProps, ITlsBundles>;

  /**
   * Redis as a StatefulSet (id `Redis`), admitting every workload's pods;
   * your own `IStemRedis`; or `false` for a Redis you wire yourself (the
   * containers then set `STEM_BROKER_URL`). The keyring's role Secrets carry its URLs.
   *
   * @default - a Redis from the Redis ledger
   */
  readonly redis?: StemSecurityPart<StemSecurityRedisProps, IStemRedis>;

  /**
   * The census exporter (id `Census`; `image` is required), one another stack
   * runs (`StemCensusJob.fromNamePrefix`), or `false`.
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
   * The alarms (`Alarms` under `<id>` in `alarms.stack`), your own `IStemAlarms`, or `false`.
   *
   * @default - required: give `{ stack }` or `false` (a PrometheusRule needs a stack of its own)
   */
  readonly alarms?: StemSecurityPart<StemSecurityAlarmsProps, IStemAlarms>;
}

/** The parts of a container spec bind touches; every other field passes through unchanged. */
export interface StemSecurityContainer {
  readonly name: string;
  readonly env?: readonly EnvVarLike[];
  readonly volumeMount?: readonly StemSecurityVolumeMount[];
  readonly [field: string]: unknown;
}

/** A container volume mount (the fields bind reads; others pass through). */
export interface StemSecurityVolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
}

/** What `bind` gives a workload: the container, and what its pod template needs. */
export interface StemPodBinding<T extends StemSecurityContainer> {
  /** The container with its env (yours first, then Stem's) and the TLS volume mounts. */
  readonly container: Omit<T, "env" | "volumeMount"> & {
    readonly env: (EnvVarLike | StemContainerEnvVar | TlsEnvVar)[];
    readonly volumeMount: (StemSecurityVolumeMount | TlsVolumeMount)[];
  };
  /** Pod-template annotations that roll the workload exactly when its env or TLS files change. */
  readonly podAnnotations: Record<string, string>;
  /** Pod `volume` entries: the TLS client bundle, when there is one. */
  readonly volumes: TlsSecretVolume[];
}

/** A Stem deployment's security on Kubernetes, composed: what `bind` and the phase report need. */
export interface IStemSecurity extends IConstruct {
  readonly namePrefix: string;
  readonly namespace: string;
  readonly workloads: readonly StemSecurityWorkload[];
  /** The roles the workloads run. */
  readonly roles: readonly Role[];
  readonly keyring: ISigningKeyring;
  readonly tls?: ITlsBundles;
  readonly redis?: IStemRedis;
  readonly census?: IStemCensusJob;
  readonly scan?: IStemVulnerabilityScan;
  readonly alarms?: IStemAlarms;
  /** `container` wired with everything a Stem component of `role` needs, plus its pod's annotations and volumes. */
  bind<T extends StemSecurityContainer>(container: T, role: Role, annotations?: Readonly<Record<string, string>>): StemPodBinding<T>;
  /** The pod labels of a workload (what its pod template must carry). */
  podLabels(workload: string): Record<string, string>;
  /** Ledger phases, revisions, what rolls each workload and the material inputs of this phase. */
  summary(): StemSecuritySummary;
}

/**
 * The security of one Stem deployment on Kubernetes, composed from one props
 * object and the ledger directory: TLS bundles of your own CA (`Tls`), Redis
 * as a StatefulSet (`Redis`), the signing keyring (`Signing`), the census
 * exporter (`Census`), the weekly scan (`Scan`) and the alarms (`Alarms`, in
 * a stack of their own). Each is the existing construct, created under that
 * id (a public contract: the ids are in every Terraform address below them),
 * replaced by your own, or turned off.
 *
 * Wire each workload with `bind(container, role)`: it returns the container
 * (env from the role Secret, TLS mounts), the pod-template annotations and
 * the volumes. The dashboard signs like a producer: bind it with `producer`.
 */
export class StemSecurity extends Construct implements IStemSecurity {
  /** True for a composition created by any copy of stemguard. */
  public static isStemSecurity(x: unknown): x is StemSecurity {
    return typeof x === "object" && x !== null && STEM_SECURITY in x;
  }

  public readonly namePrefix: string;
  public readonly namespace: string;
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
    assertNamespace(props.namespace, field("namespace"));
    this.namespace = props.namespace;
    this.workloads = checkWorkloads(props.workloads, field("workloads"));
    this.workloads.forEach((w, i) => assertLabels(this.podLabelsOf(w), `${field("workloads")}[${i}].podLabels`));
    this.roles = workloadRoles(this.workloads);
    const files = ledgerPaths(props.ledgerDir, props.ledgerFiles);
    const ns = { namespace: this.namespace };

    const keyringChoice = choosePart<StemSecurityKeyringProps, ISigningKeyring>(props.keyring, Construct.isConstruct);
    const ownKeyring = keyringChoice.kind === "existing" ? keyringChoice.value : undefined;
    const redisChoice = choosePart<StemSecurityRedisProps, IStemRedis>(props.redis, Construct.isConstruct);
    if (ownKeyring && (redisChoice.kind === "existing" ? redisChoice.value !== ownKeyring.redis : redisChoice.kind === "create" && props.redis !== undefined)) {
      throw new StemguardError("the keyring of your own already carries the Redis env of its own redis prop; the composition cannot give it another", {
        field: field("redis"),
        fix: ownKeyring.redis ? `leave redis out (it is ${ownKeyring.redis.node.path}, the keyring's)` : "leave redis out, or create the keyring with that redis",
      });
    }
    const runsRedis = !ownKeyring && redisChoice.kind === "create";
    const existingRedis = ownKeyring ? ownKeyring.redis : redisChoice.kind === "existing" ? redisChoice.value : undefined;
    const redisTls = (existingRedis as { readonly tlsBundles?: ITlsBundles } | undefined)?.tlsBundles;

    // TLS first: Redis mounts its server bundle.
    const tlsChoice = choosePart<StemSecurityTlsProps, ITlsBundles>(props.tls, Construct.isConstruct);
    if (tlsChoice.kind === "existing") this.tls = tlsChoice.value;
    else if (tlsChoice.kind === "create" && (props.tls !== undefined || runsRedis)) {
      const tlsProps = tlsChoice.props ?? {};
      this.tls = new StemTlsBundles(this, SECURITY_PART_IDS.tls, { ...tlsLedgerSource(tlsProps, files.tls), namePrefix: `${this.namePrefix}-tls`, ...tlsProps, ...ns });
    } else if (tlsChoice.kind === "create") this.tls = redisTls;
    if (redisTls && this.tls && redisTls !== this.tls) {
      throw new StemguardError("the Redis of your own mounts other TLS bundles than these: the role Secrets would name their paths while the pods mount these", {
        field: field("tls"),
        value: this.tls.node.path,
        fix: `leave tls out (the Redis's bundles ${redisTls.node.path} are used)`,
      });
    }

    const censusChoice = choosePart<StemSecurityCensusProps, IStemCensusJob>(props.census, (v) => Construct.isConstruct(v) || hasKey(v, "serviceName"));
    const composesCensus = censusChoice.kind === "create" && censusChoice.props !== undefined;
    let ownRedis: StemRedis | undefined;
    if (existingRedis) this.redis = existingRedis;
    else if (runsRedis) {
      const redisProps = (redisChoice as { readonly props?: StemSecurityRedisProps }).props ?? {};
      const redis = new StemRedis(this, SECURITY_PART_IDS.redis, {
        ...ledgerSource(redisProps, files.redis),
        namePrefix: `${this.namePrefix}-redis`,
        // The census reads with the Redis's read-only user, as on AWS.
        ...(composesCensus ? { censusUser: {} } : {}),
        ...redisProps,
        ...ns,
        ...(this.tls ? { tlsBundles: this.tls } : {}),
      });
      ownRedis = redis;
      for (const w of this.workloads) redis.allowFrom(this.podLabelsOf(w));
      this.redis = redis;
    }

    if (ownKeyring) {
      const missing = this.roles.filter((r) => !ownKeyring.roles.includes(r));
      if (missing.length > 0) {
        throw new StemguardError(`the keyring has no role Secret for ${missing.join(", ")}, which the workloads run`, { field: field("keyring"), value: ownKeyring.roles, fix: `give the keyring the roles ${this.roles.join(", ")}` });
      }
      if (ownKeyring.namespace !== this.namespace) throw new StemguardError("the keyring's Secrets are in another namespace than the workloads", { field: field("keyring"), value: ownKeyring.namespace, fix: `use the keyring of namespace "${this.namespace}"` });
      this.keyring = ownKeyring;
    } else {
      const keyringProps = keyringChoice.kind === "create" ? (keyringChoice.props ?? {}) : {};
      this.keyring = new StemSigningKeyring(this, SECURITY_PART_IDS.keyring, {
        ...ledgerSource(keyringProps, files.signing),
        namePrefix: `${this.namePrefix}-signing`,
        ...keyringProps,
        ...ns,
        roles: this.roles,
        ...(this.redis ? { redis: this.redis } : {}),
      });
    }

    const queues = distinct(this.workloads.flatMap((w) => w.queues ?? []));
    if (censusChoice.kind === "existing") this.census = censusChoice.value;
    if (censusChoice.kind === "create") {
      const censusProps = censusChoice.props;
      if (censusProps === undefined) {
        throw new StemguardError("the census needs the stemguard CLI image", { field: field("census"), fix: 'pass census: { image: "<registry>/stemguard:<tag>@sha256:<digest>" }, one another stack runs (StemCensusJob.fromNamePrefix), or census: false' });
      }
      // Over the Redis's census user and, where the deployment has its own CA, its client bundle.
      const clientTls = this.tls && this.tls.kinds.includes("client") ? { tlsBundles: this.tls } : {};
      this.census = new StemCensusJob(this, SECURITY_PART_IDS.census, {
        namePrefix: `${this.namePrefix}-census`,
        ...(queues.length > 0 ? { queues } : {}),
        ...(ownRedis?.censusBrokerUrl !== undefined ? { brokerUrl: ownRedis.censusBrokerUrl } : {}),
        ...clientTls,
        ...censusProps,
        ...ns,
      });
      // Its pods reach the Redis through the NetworkPolicy like the workloads'.
      ownRedis?.allowFrom(this.census.serviceLabels);
    }

    const scanChoice = choosePart<StemSecurityScanProps, IStemVulnerabilityScan>(props.scan, (v) => Construct.isConstruct(v) || hasKey(v, "scanName"));
    if (scanChoice.kind === "existing") this.scan = scanChoice.value;
    if (scanChoice.kind === "create") {
      this.scan = new StemVulnerabilityScan(this, SECURITY_PART_IDS.scan, { images: distinct(this.workloads.map((w) => w.image)), name: `${this.namePrefix}-scan`, ...scanChoice.props, ...ns });
    }

    const alarmsChoice = choosePart<StemSecurityAlarmsProps, IStemAlarms>(props.alarms, (v) => Construct.isConstruct(v) || hasKey(v, "specs"));
    if (alarmsChoice.kind === "existing") this.alarms = alarmsChoice.value;
    if (alarmsChoice.kind === "create") {
      const alarmsProps = alarmsChoice.props;
      if (alarmsProps === undefined || !(alarmsProps.stack instanceof TerraformStack) || alarmsProps.stack === TerraformStack.of(this)) {
        throw new StemguardError("the alarms are a PrometheusRule, which needs a stack of its own (kubernetes_manifest reads the CRD during plan)", {
          field: field("alarms.stack"),
          value: alarmsProps?.stack?.node.path,
          fix: "pass alarms: { stack: alarmsStack } (a TerraformStack applied after the Prometheus Operator), your own StemAlarms, or alarms: false",
        });
      }
      const { stack, ...rest } = alarmsProps;
      this.alarms = new StemAlarms(new Construct(stack, id), SECURITY_PART_IDS.alarms, { ...ns, ...rest, ledger: this.keyring.ledger, ...(this.scan ? { scan: this.scan } : {}) });
    }
  }

  /**
   * `container` wired with everything a Stem component of `role` needs, and
   * what its pod template needs:
   *
   * - `container.env`: yours first and unchanged, then (with TLS bundles and
   *   no composition Redis) the `STEM_TLS_*` file paths, then one
   *   `secretKeyRef` per variable of the role Secret (the signing env and,
   *   with the Redis, its URLs and `STEM_TLS_*` paths), then `TZ=UTC`;
   * - `container.volumeMount`: yours, then the TLS client bundle's read-only mounts;
   * - `podAnnotations`: `annotations` plus the keyring, Redis client and TLS
   *   revisions, which change exactly when the role's env or files do;
   * - `volumes`: the TLS client bundle's secret volumes (every phase: Stem reads them over rediss:// only).
   *
   * Refuses a container that was bound already, any `STEM_*` variable of its
   * own that bind sets or whose family a part owns (`STEM_SIGNING_*`; with a
   * Redis or TLS bundles `STEM_TLS_*`; with a Redis every Redis URL variable),
   * and a volume mount on the TLS bundles' paths. The result has every
   * variable exactly once (checked).
   */
  public bind<T extends StemSecurityContainer>(container: T, role: Role, annotations: Readonly<Record<string, string>> = {}): StemPodBinding<T> {
    const field = `${this.node.path}.bind(${role})`;
    this.expectRole(role, field);
    const own = container.env ?? [];
    const boundAlready = own.find((e) => e.name.startsWith("STEM_") && (e as { valueFrom?: { secretKeyRef?: { key?: unknown } } }).valueFrom?.secretKeyRef?.key === e.name);
    const ownTls = !this.redis && this.tls;
    refuseOwnStemVariables(
      own.map((e) => e.name),
      {
        marker: boundAlready?.name,
        sets: new Set([...this.keyring.variableNames(role), ...(ownTls ? ["STEM_TLS_CA_CERT", "STEM_TLS_CLIENT_CERT", "STEM_TLS_CLIENT_KEY"] : [])]),
        prefixes: [STEM_SIGNING_PREFIX, ...(this.tls || this.redis ? [STEM_TLS_PREFIX] : [])],
        names: new Set(this.redis ? REDIS_URL_VARIABLES : []),
      },
      field,
      container.name,
    );
    // With the Redis the role Secret carries the STEM_TLS_* paths; without it the bundles give them.
    const env = this.keyring.containerEnv(role, ownTls ? this.tls!.containerEnv(own) : own);
    assertEachOnce(env.map((e) => e.name), field, container.name);
    const mounts = this.tls ? this.tls.volumeMounts("client") : [];
    for (const mount of container.volumeMount ?? []) {
      if (mounts.some((m) => m.name === mount.name || m.mountPath === mount.mountPath)) {
        throw new StemguardError(`container "${container.name}" already mounts ${mount.mountPath} (${mount.name}); bind mounts the TLS bundles there`, {
          field: `${field}.volumeMount`,
          value: mount.name,
          fix: "remove the mount (a container bound already is passed again?), or give the TLS bundles another mountPath",
        });
      }
    }
    const podAnnotations = this.tls ? this.tls.podAnnotations(this.keyring.podAnnotations(role, annotations)) : this.keyring.podAnnotations(role, annotations);
    return {
      container: { ...container, env, volumeMount: [...(container.volumeMount ?? []), ...mounts] },
      podAnnotations,
      volumes: this.tls ? this.tls.volumes("client") : [],
    };
  }

  /** The pod labels of a workload: its `podLabels`, or `{ app: <name> }`. */
  public podLabels(workload: string): Record<string, string> {
    const found = this.workloads.find((w) => w.name === workload);
    if (!found) throw new StemguardError("no workload of that name", { field: `${this.node.path}.podLabels`, value: workload, fix: `use one of ${this.workloads.map((w) => w.name).join(", ")}` });
    return this.podLabelsOf(found);
  }

  /** The pod-template annotations `bind` returns for a workload of `role`: a new value rolls it. */
  public rollout(role: Role): Record<string, string> {
    this.expectRole(role, `${this.node.path}.rollout(${role})`);
    const keyring = this.keyring.podAnnotations(role);
    return this.tls ? this.tls.podAnnotations(keyring) : keyring;
  }

  public summary(): StemSecuritySummary {
    const inputs: StemSecurityInput[] = [
      ...inputsOf("signing", StemSigningKeyring.isStemSigningKeyring(this.keyring) ? this.keyring.materialInputs : undefined),
      ...inputsOf("tls", StemTlsBundles.isStemTlsBundles(this.tls) ? this.tls.materialInputs : undefined),
      ...inputsOf("redis", this.redis?.materialInputs),
      ...(this.redis instanceof StemRedis && this.redis.censusInput ? inputsOf("redis", [this.redis.censusInput]) : []),
      ...(this.census instanceof StemCensusJob && this.census.brokerUrlInput ? [censusInput(this.census)] : []),
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

  private podLabelsOf(workload: StemSecurityWorkload): Record<string, string> {
    return { ...(workload.podLabels ?? { app: workload.name }) };
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

function tlsLedgerSource(props: StemSecurityTlsProps, file: string): { ledgerFile?: string } {
  return props.revision !== undefined ? {} : ledgerSource(props, file);
}

function censusInput(census: StemCensusJob): StemSecurityInput {
  const variableName = brokerUrlVariableName(census.namePrefix);
  return { part: "census", variableName, envVarName: `TF_VAR_${variableName}`, required: true };
}
