import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { NetworkPolicyV1, networkPolicyV1SpecIngressToTerraform } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { PodDisruptionBudgetV1 } from "@cdktf/provider-kubernetes/lib/pod-disruption-budget-v1";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { StatefulSetV1 } from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import { Fn, Lazy, type ITerraformDependable } from "cdktf";
import type { Construct } from "constructs";
import { StemguardError } from "../core/errors";
import { redisAuthRevision } from "../core/redis/revisions";
import { renderUsersAcl } from "../core/redis/server-config";
import { serverTransport } from "../core/redis/transport";
import { claimObjectName } from "../private/stack-claims";
import { assertPinnedImage } from "./image-reference";
import { assertLabels, assertNamespace } from "./kubernetes-names";
import { StemRedisBase, type IStemRedis, type RedisPasswordInput, type StemRedisImportProps } from "./redis-base";
import { censusAuthRevision, declareCensusUser, type RedisCensusUser, type RedisCensusUserProps } from "./redis-census-user";
import { redisPodSpec, type StemRedisResources } from "./redis-pod";

export type { IStemRedis, RedisEnvVar, RedisPasswordInput, StemRedisImportProps } from "./redis-base";
export type { StemRedisResources } from "./redis-pod";

const STEM_REDIS = Symbol.for("stemguard.kubernetes.StemRedis");

/**
 * The default image. The digest is one widely pinned in public repositories
 * for `redis:7.4-alpine` (linux/amd64 and arm64 index); re-check it against
 * the registry (`docker buildx imagetools inspect redis:7.4-alpine`) before
 * relying on it, and pin your own.
 */
export const DEFAULT_REDIS_IMAGE = "redis:7.4-alpine@sha256:ff02b58f971e7d7d156a1267e283fcbbeee91773b6aa36c49dac28ecfe28eadf";

/** Annotation with the server configuration's fingerprint (`revision`), on the StatefulSet and ConfigMap: never on the pod template. */
export const REDIS_CONFIG_REVISION_ANNOTATION = "stemguard.io/redis-config-revision";

const MANAGED_BY = "app.kubernetes.io/managed-by";
const NAME_LABEL = "app.kubernetes.io/name";
const INSTANCE_LABEL = "app.kubernetes.io/instance";

/** Workloads the NetworkPolicy admits: pods with all of these labels, in Redis's namespace or `namespace`. */
export interface StemRedisPeer {
  /** Labels every admitted pod has (at least one). */
  readonly podSelector: Readonly<Record<string, string>>;
  /**
   * Namespace of those pods.
   *
   * @default - Redis's namespace
   */
  readonly namespace?: string;
}

/** Persistence of the append-only file. */
export interface StemRedisStorage {
  /**
   * Size of each pod's PersistentVolumeClaim. A StatefulSet's claim template
   * cannot change once created: resize the claim itself.
   *
   * @default "1Gi"
   */
  readonly size?: string;
  /**
   * StorageClass of the claim.
   *
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
}

export interface StemRedisProps extends StemRedisImportProps {
  /**
   * The Redis image, pinned as `name:tag@sha256:<64 hex>`. Changing it is the
   * one change that restarts Redis (every worker reconnects).
   *
   * @default DEFAULT_REDIS_IMAGE - redis:7.4-alpine by digest; re-check the digest against the registry
   */
  readonly image?: string;

  /**
   * Persistence (the append-only file lives on the claim).
   *
   * @default - 1Gi on the default StorageClass
   */
  readonly storage?: StemRedisStorage;

  /**
   * Requests and limits of the Redis container (the reloader sidecar takes 10m / 16Mi).
   *
   * @default - requests cpu 100m, memory 256Mi; limits memory 512Mi
   */
  readonly resources?: StemRedisResources;

  /**
   * The Stem workloads the NetworkPolicy admits (more with `allowFrom`). The
   * policy opens only the ports of the phase; a Redis nobody is admitted to
   * fails synthesis.
   *
   * @default - none yet: call `allowFrom`
   */
  readonly allowFrom?: readonly StemRedisPeer[];

  /**
   * Extra labels for every object and the pod template.
   *
   * @default - only `app.kubernetes.io/name=redis`, `app.kubernetes.io/instance=<namePrefix>`, `app.kubernetes.io/managed-by=stemguard`
   */
  readonly labels?: Readonly<Record<string, string>>;

  /**
   * User id of both containers (the official image's `redis` user).
   *
   * @default 999
   */
  readonly runAsUser?: number;

  /**
   * Group of the pod's volumes (the data claim and the mounted Secrets).
   *
   * @default 1000
   */
  readonly fsGroup?: number;

  /**
   * Resources every object waits for (e.g. the namespace, since `namespace` is a literal).
   *
   * @default - none
   */
  readonly dependsOn?: readonly ITerraformDependable[];

  /**
   * A read-only census user in users.acl, for stemguard's census
   * (`resetkeys %R~stem:* resetchannels -@all +@read -@dangerous +ping +hello +select`,
   * docs/census.md). Its password is an ephemeral input (see `censusInput`):
   * only its SHA-256 is in users.acl, written with `data_wo`; give
   * `censusBrokerUrl` to the census job (`StemCensusJob`'s `brokerUrl`).
   *
   * @default - no census user
   */
  readonly censusUser?: RedisCensusUserProps;
}

/**
 * A single Redis for Stem on Kubernetes, driven by the Redis ledger
 * (`stemguard.redis.json`): TLS mode, client certificates and passwords move
 * one reviewed step at a time, and every step is applied live.
 *
 * Creates a StatefulSet `<prefix>` (one replica, append-only file on a
 * PersistentVolumeClaim, non-root with a read-only root filesystem), a
 * headless Service `<prefix>-headless`, a client Service `<prefix>` (the
 * plain and TLS ports while both are open), a PodDisruptionBudget that admits
 * no voluntary eviction, a NetworkPolicy that admits only `allowFrom`'s
 * workloads on the phase's ports, a ConfigMap `<prefix>-config` (redis.conf,
 * live.conf, reload.sh, probe.sh: no secrets) and a `kubernetes_secret_v1`
 * `<prefix>-auth` written with `data_wo` (users.acl with the SHA-256 of each
 * accepted password, computed by Terraform from the ephemeral inputs, and the
 * active password for the reloader and probe).
 *
 * **Live, no restart:** every ledger step (TLS mode, client-auth, password
 * stage/activate/retire) and a new certificate or CA bundle changes only
 * mounted files; the `reloader` sidecar applies them with `CONFIG SET` and
 * `ACL LOAD`. **Restart:** the image, the ports, the resources, the security
 * context, adding TLS bundles after the first apply: they change the pod template.
 *
 * Needs Terraform >= 1.11 and the Kubernetes provider >= 2.38.
 */
export class StemRedis extends StemRedisBase {
  /** True for a Redis created by any copy of stemguard (not for one imported with `fromNamePrefix`). */
  public static isStemRedis(x: unknown): x is StemRedis {
    return typeof x === "object" && x !== null && STEM_REDIS in x;
  }

  /**
   * A Redis another stack created: its client host, ports and each role's env
   * from the same ledger, no resources. Declares the active password's input
   * when `clientEnv` is first called. Apply the owning stack first in every phase.
   */
  public static fromNamePrefix(scope: Construct, id: string, props: StemRedisImportProps): IStemRedis {
    return new ImportedStemRedis(scope, id, props);
  }

  /** Resolved image. */
  public readonly image: string;
  /** `data_wo_revision` of the auth Secret: the latest walk position that changed the passwords. */
  public readonly authRevision: number;
  public readonly statefulSet: StatefulSetV1;
  public readonly service: ServiceV1;
  public readonly headlessService: ServiceV1;
  public readonly configMap: ConfigMapV1;
  public readonly authSecret: SecretV1;
  /** The census user's password input, when `censusUser` is given: required on every plan and apply (users.acl is write-only). */
  public readonly censusInput?: RedisPasswordInput;
  /**
   * The census user's broker URL, when `censusUser` is given: the phase's
   * scheme and port, the census user name and its password, database of
   * `STEM_BROKER_URL`. A Terraform expression over an ephemeral input: only
   * write-only arguments take it (pass it as `StemCensusJob`'s `brokerUrl`).
   */
  public readonly censusBrokerUrl?: string;
  public readonly networkPolicy: NetworkPolicyV1;
  public readonly disruptionBudget: PodDisruptionBudgetV1;

  protected readonly writes = { server: true, clients: true };
  private readonly peers: StemRedisPeer[] = [];

  constructor(scope: Construct, id: string, props: StemRedisProps) {
    super(scope, id, props);
    Object.defineProperty(this, STEM_REDIS, { value: true });
    const field = (name: string) => `${this.node.path} props.${name}`;
    this.image = props.image ?? DEFAULT_REDIS_IMAGE;
    assertPinnedImage(this.image, field("image"));
    if (this.tlsBundles && !this.tlsBundles.kinds.includes("server")) {
      throw new StemguardError("the TLS bundles have no server bundle for Redis to mount", { field: field("tlsBundles"), value: this.tlsBundles.kinds, fix: 'create the bundles with kinds ["server", "client"]' });
    }
    const userLabels = props.labels ?? {};
    assertLabels(userLabels, field("labels"));
    for (const owned of [MANAGED_BY, NAME_LABEL, INSTANCE_LABEL]) {
      if (owned in userLabels) throw new StemguardError("this label is set by the construct", { field: `${field("labels")}.${owned}`, value: userLabels[owned], fix: `remove "${owned}" from labels` });
    }
    const selector = { [NAME_LABEL]: "redis", [INSTANCE_LABEL]: this.namePrefix };
    const labels = { ...userLabels, ...selector, [MANAGED_BY]: "stemguard" };
    const dependsOn = props.dependsOn ? [...props.dependsOn] : undefined;
    const metadata = (name: string, annotations?: Record<string, string>) => ({ name, namespace: this.namespace, labels, ...(annotations ? { annotations } : {}) });
    for (const kind of ["StatefulSet", "Service", "ConfigMap", "Secret"]) {
      claimObjectName(this, `Kubernetes ${kind} ${this.namespace}/${kind === "ConfigMap" ? `${this.namePrefix}-config` : kind === "Secret" ? `${this.namePrefix}-auth` : this.namePrefix}`, this.node.path, field("namePrefix"), this.namePrefix);
    }

    // Declares the phase's password inputs now (stack variables, whether or not clientEnv is called).
    void this.materialInputs;
    const revisionNote = { [REDIS_CONFIG_REVISION_ANNOTATION]: this.revision };

    this.configMap = new ConfigMapV1(this, "Config", { metadata: metadata(`${this.namePrefix}-config`, revisionNote), data: { ...this.configFiles }, dependsOn });

    // Tokens only: Fn.sha256 over the variable's token (a hand-written "${...}" would be escaped to a literal).
    const census: RedisCensusUser | undefined = props.censusUser ? declareCensusUser(this, this.namePrefix, props.censusUser, this.ledgerTag, field("censusUser")) : undefined;
    this.censusInput = census?.input;
    this.censusBrokerUrl = census && this.censusUrl(census.userName, census.password);
    this.authRevision = censusAuthRevision(redisAuthRevision(this.ledger), census);
    const active = this.phase.activePassword;
    this.authSecret = new SecretV1(this, "Auth", {
      metadata: metadata(`${this.namePrefix}-auth`, { "stemguard.io/redis-auth-revision": String(this.authRevision) }),
      type: "Opaque",
      dataWo: {
        "users.acl": renderUsersAcl(this.phase, (passwordId) => Fn.sha256(this.passwordValue(passwordId)), [], census ? { censusUser: census.acl } : {}),
        password: active === undefined ? "" : this.passwordValue(active),
      },
      dataWoRevision: this.authRevision,
      dependsOn,
    });

    const ports = this.openPorts();
    const servicePorts = ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.name, protocol: "TCP" }));
    this.headlessService = new ServiceV1(this, "HeadlessService", {
      metadata: metadata(this.names.headlessService),
      spec: { clusterIp: "None", publishNotReadyAddresses: true, selector, port: servicePorts },
      dependsOn,
    });
    this.service = new ServiceV1(this, "Service", { metadata: metadata(this.names.service), spec: { type: "ClusterIP", selector, port: servicePorts }, dependsOn });

    const resources = props.resources ?? {};
    const storage = props.storage ?? {};
    const size = storage.size ?? "1Gi";
    if (!/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.test(size)) throw new StemguardError("storage.size must be a Kubernetes quantity", { field: field("storage.size"), value: size, fix: 'e.g. "1Gi"' });
    const runAsUser = props.runAsUser ?? 999;
    const fsGroup = props.fsGroup ?? 1000;
    for (const [name, id] of [["runAsUser", runAsUser], ["fsGroup", fsGroup]] as const) {
      if (!Number.isInteger(id) || id < 1) throw new StemguardError(`${name} must be a whole number >= 1 (non-root)`, { field: field(name), value: id, fix: "e.g. 999, the official image's redis user" });
    }
    this.statefulSet = new StatefulSetV1(this, "Resource", {
      metadata: metadata(this.names.statefulSet, revisionNote),
      spec: {
        serviceName: this.headlessService.metadata.name,
        replicas: "1",
        podManagementPolicy: "OrderedReady",
        updateStrategy: [{ type: "RollingUpdate" }],
        selector: { matchLabels: selector },
        template: {
          // No phase-dependent annotation here: a ledger step must not restart Redis.
          metadata: { labels },
          spec: redisPodSpec({
            image: this.image,
            port: this.port,
            tlsPort: this.tlsPort,
            configMapName: this.configMap.metadata.name,
            authSecretName: this.authSecret.metadata.name,
            tlsBundles: this.tlsBundles,
            resources: { requests: resources.requests ?? { cpu: "100m", memory: "256Mi" }, limits: resources.limits ?? { memory: "512Mi" } },
            runAsUser,
            fsGroup,
          }),
        },
        volumeClaimTemplate: [
          {
            metadata: { name: "data", labels },
            spec: { accessModes: ["ReadWriteOnce"], ...(storage.storageClassName ? { storageClassName: storage.storageClassName } : {}), resources: { requests: { storage: size } } },
          },
        ],
      },
      dependsOn,
    });

    this.disruptionBudget = new PodDisruptionBudgetV1(this, "DisruptionBudget", {
      metadata: metadata(this.namePrefix),
      // One Redis: an eviction drops every worker's connection, so a drain waits until you move it deliberately.
      spec: { maxUnavailable: "0", selector: { matchLabels: selector } },
      dependsOn,
    });

    for (const peer of props.allowFrom ?? []) this.allowFrom(peer.podSelector, peer.namespace === undefined ? {} : { namespace: peer.namespace });
    this.networkPolicy = new NetworkPolicyV1(this, "NetworkPolicy", {
      metadata: metadata(this.namePrefix),
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ["Ingress"],
        // Lazy, so allowFrom calls after construction count; no peers means no rule (a rule without `from` would admit everyone).
        ingress: Lazy.anyValue({
          produce: () =>
            this.peers.length === 0
              ? []
              : [
                  networkPolicyV1SpecIngressToTerraform({
                    from: this.peers.map((p) => ({ podSelector: { matchLabels: { ...p.podSelector } }, ...(p.namespace ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": p.namespace } } } : {}) })),
                    ports: ports.map((p) => ({ port: String(p.port), protocol: "TCP" })),
                  }),
                ],
        }),
      },
      dependsOn,
    });
    this.node.addValidation({
      validate: () =>
        this.peers.length === 0 ? [`${this.node.path}: the NetworkPolicy admits no workload, so no Stem component can reach Redis. Fix: call allowFrom({ app: "worker" }) (and for each producer and beat), or pass props.allowFrom`] : [],
    });
  }

  /**
   * Admits pods with all of `podSelectorLabels` (in Redis's namespace, or
   * `options.namespace`) to the ports open in this phase. Give each Stem
   * workload: producers, workers, beat, the dashboard.
   */
  public allowFrom(podSelectorLabels: Readonly<Record<string, string>>, options: { readonly namespace?: string } = {}): void {
    const field = `${this.node.path}.allowFrom`;
    if (Object.keys(podSelectorLabels).length === 0) {
      throw new StemguardError("podSelectorLabels must not be empty: an empty selector admits every pod of the namespace", { field, value: podSelectorLabels, fix: 'pass the Stem workload\'s labels, e.g. { app: "worker" }' });
    }
    assertLabels(podSelectorLabels, field);
    if (options.namespace !== undefined) assertNamespace(options.namespace, `${field}.namespace`);
    this.peers.push({ podSelector: { ...podSelectorLabels }, namespace: options.namespace });
  }

  /** The listeners of this phase: plain until tls-only, TLS from dual on. */
  private openPorts(): { name: string; port: number }[] {
    const t = serverTransport(this.phase);
    return [...(t.plain ? [{ name: "redis", port: this.port }] : []), ...(t.tls ? [{ name: "redis-tls", port: this.tlsPort }] : [])];
  }
}

/** `StemRedis.fromNamePrefix`: client env against a Redis another stack runs. */
class ImportedStemRedis extends StemRedisBase {
  /** Only the active password (for the URLs), declared on first use. */
  protected readonly writes = { server: false, clients: true };

  constructor(scope: Construct, id: string, props: StemRedisImportProps) {
    super(scope, id, props);
  }
}
