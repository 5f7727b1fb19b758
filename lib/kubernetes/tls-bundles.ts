import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { Annotations } from "cdktf";
import { Construct, type IConstruct } from "constructs";
import { StemguardError } from "../core/errors";
import { claimObjectName } from "../private/stack-claims";
import type { TlsCaLedger } from "../core/tls/ca-ledger-types";
import { assertPlainAbsolutePath } from "../private/tls-bundle-rules";
import { markTlsBundles } from "../private/review-marker";
import { resolveTlsWrites, type TlsWrites } from "../private/tls-ledger-source";
import { refuseSecondBinding, TLS_ENV_OWNER } from "../private/user-env-rules";
import { tlsPemVariable, tlsVariablePrefix, type TlsPemFile, type TlsPemInput } from "../private/tls-pem-variable";
import { assertLabels, assertNamePrefix, assertNamespace } from "./kubernetes-names";
import type { EnvVarLike } from "./workload-env";

export type { TlsPemFile, TlsPemInput } from "../private/tls-pem-variable";

const TLS_BUNDLES = Symbol.for("stemguard.kubernetes.StemTlsBundles");

/** Pod-template annotation carrying the bundles' revision: a new value rolls the pods, which read the files at start. */
export const TLS_REVISION_ANNOTATION = "stemguard.io/tls-revision";

/** Labels the construct puts on every Secret it owns; user labels cannot replace them. */
const MANAGED_BY = "app.kubernetes.io/managed-by";
const BUNDLE_LABEL = "stemguard.io/tls-bundle";

/**
 * Which side of a TLS connection a workload is: `client` for Stem components
 * (producers, workers, beat, `stem health`), `server` for an in-cluster Redis.
 */
export type TlsBundleKind = "client" | "server";

/** A secret volume, structurally assignable to the `volume` items of `DeploymentV1`, `StatefulSetV1` and `CronJobV1` pod specs. */
export interface TlsSecretVolume {
  readonly name: string;
  readonly secret: {
    /** The Secret's name (a token: Terraform writes the Secret before it updates the workload). */
    readonly secretName: string;
    /** `"0400"`: only the container user can read, nobody can write. */
    readonly defaultMode: string;
    /** Always false: a missing Secret must stop the pod, not start Stem without TLS files. */
    readonly optional: boolean;
    /** Exactly the bundle's keys, so the file names are stable whatever else the Secret holds. */
    readonly items: { readonly key: string; readonly path: string }[];
  };
}

/** A read-only volume mount, structurally assignable to container `volume_mount` items. */
export interface TlsVolumeMount {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly: boolean;
}

/** A literal container env entry. */
export interface TlsEnvVar {
  readonly name: string;
  readonly value: string;
}

/** Paths of the bundle files inside containers that mount them. */
export interface TlsBundlePaths {
  /** `<mountPath>/ca/ca.crt`: Stem's `STEM_TLS_CA_CERT`, Redis' `--tls-ca-cert-file`. */
  readonly caCert: string;
  /** `<mountPath>/client/tls.crt`: Stem's `STEM_TLS_CLIENT_CERT`. */
  readonly clientCert: string;
  /** `<mountPath>/client/tls.key`: Stem's `STEM_TLS_CLIENT_KEY`. */
  readonly clientKey: string;
  /** `<mountPath>/server/tls.crt`: Redis' `--tls-cert-file`. */
  readonly serverCert: string;
  /** `<mountPath>/server/tls.key`: Redis' `--tls-key-file`. */
  readonly serverKey: string;
}

/** What created and imported bundles both take; alone, where to find bundles another stack created (names and revision, no resources). */
export interface TlsBundlesImportProps {
  /** Namespace of the Secrets; the workloads that mount them must run in it. */
  readonly namespace: string;

  /**
   * Prefix of the Secret and volume names (`<prefix>-ca`, `<prefix>-server`,
   * `<prefix>-client`) and of the PEM input variables
   * (`<prefix_with_underscores>_ca_bundle`, `..._server_cert`, `..._server_key`,
   * `..._client_cert`, `..._client_key`). Bundles in one stack with the same
   * prefix share the PEM inputs; two of them in one namespace would write the
   * same Secrets, so the second is refused.
   *
   * @default "stem-tls"
   */
  readonly namePrefix?: string;

  /**
   * Path of the TLS ledger (`stemguard.tls.json`), relative to the process's
   * working directory. With it each Secret is rewritten, and its inputs are
   * required, only in the phase whose step changed it: the CA Secret on
   * `init`, `stage-ca` and `retire-ca`, the server and client Secrets on
   * `init`, `reissue-leaves` and `renew-leaves`. Give exactly one of
   * `ledgerFile`, `ledger` and `revision`.
   *
   * @default - `ledger` or `revision` is used
   */
  readonly ledgerFile?: string;

  /**
   * The TLS ledger as an object.
   *
   * @default - `ledgerFile` or `revision` is used
   */
  readonly ledger?: TlsCaLedger;

  /**
   * `data_wo_revision` of every Secret and the value of the
   * `stemguard.io/tls-revision` pod annotation, when no ledger is given: then
   * every Secret is rewritten when it changes and every input is required.
   *
   * @default - the TLS ledger's phase
   */
  readonly revision?: number;

  /**
   * Bundles to create besides the CA bundle. Leave out `server` in stacks that
   * do not run Redis, so the server key is not asked for.
   *
   * @default ["server", "client"]
   */
  readonly kinds?: readonly TlsBundleKind[];

  /**
   * Directory the bundles are mounted under: `<mountPath>/ca`, `<mountPath>/client`, `<mountPath>/server`.
   *
   * @default "/etc/stem/tls"
   */
  readonly mountPath?: string;

  /**
   * Adds `STEM_TLS_ALLOW_INSECURE=true` to `containerEnv`: Stem then accepts ANY
   * server certificate, a wrong host name included. For debugging only; with
   * proper SANs it is never needed. Synthesis records a warning when set.
   *
   * @default false
   */
  readonly allowInsecure?: boolean;

}

export interface StemTlsBundlesProps extends TlsBundlesImportProps {
  /**
   * Extra labels for the Secrets.
   *
   * @default - only `app.kubernetes.io/managed-by=stemguard` and `stemguard.io/tls-bundle=<ca|server|client>`
   */
  readonly labels?: Readonly<Record<string, string>>;
}


/** TLS bundles that Kubernetes workloads can use: created here (`new StemTlsBundles`) or in another stack (`StemTlsBundles.fromNamePrefix`). */
export interface ITlsBundles extends IConstruct {
  readonly namespace: string;
  readonly namePrefix: string;
  readonly revision: number;
  readonly kinds: readonly TlsBundleKind[];
  readonly mountPath: string;
  readonly allowInsecure: boolean;
  readonly paths: TlsBundlePaths;
  /** The Secret name of a bundle: `<namePrefix>-ca`, `-server` or `-client`. */
  secretName(bundle: "ca" | TlsBundleKind): string;
  /** Pod `volume` entries for a workload of `kind`. */
  volumes(kind?: TlsBundleKind): TlsSecretVolume[];
  /** Read-only container `volume_mount` entries for `kind`. */
  volumeMounts(kind?: TlsBundleKind): TlsVolumeMount[];
  /** Env for a Stem container; refuses own `STEM_TLS_*` and a second binding. */
  containerEnv<T extends EnvVarLike>(env?: readonly T[]): (T | TlsEnvVar)[];
  /** Pod-template annotations that roll a workload when the bundles change. */
  podAnnotations(annotations?: Readonly<Record<string, string>>): Record<string, string>;
}

interface Bundle {
  readonly secret: SecretV1;
  /** The Secret's name attribute, created once (cdktf records a stack trace per token). */
  readonly nameRef: string;
}

type BundleName = "ca" | TlsBundleKind;

/** The keys of each bundle's Secret, which are also the file names in its volume. */
const BUNDLE_KEYS: Readonly<Record<BundleName, readonly string[]>> = { ca: ["ca.crt"], server: ["tls.crt", "tls.key"], client: ["tls.crt", "tls.key"] };

/** The default `namePrefix`, the same on every platform. */
const DEFAULT_NAME_PREFIX = "stem-tls";

/** What created and imported bundles share: everything that follows from the Secret names. */
abstract class TlsBundlesBase extends Construct implements ITlsBundles {
  /** Namespace of the Secrets. */
  public readonly namespace: string;
  /** Resolved `namePrefix`. */
  public readonly namePrefix: string;
  /** The TLS ledger's phase (or `revision`): the pod annotation's value. */
  public readonly revision: number;
  /** Resolved `kinds`, server before client. */
  public readonly kinds: readonly TlsBundleKind[];
  /** Resolved `mountPath`. */
  public readonly mountPath: string;
  /** Resolved `allowInsecure`. */
  public readonly allowInsecure: boolean;
  /** Where the files appear in containers that mount them. */
  public readonly paths: TlsBundlePaths;
  /** Which part this phase writes (resolveTlsWrites). */
  protected readonly writes: TlsWrites;

  protected constructor(scope: Construct, id: string, props: TlsBundlesImportProps) {
    super(scope, id);
    const field = (name: string) => `${this.node.path} props.${name}`;

    assertNamespace(props.namespace, field("namespace"));
    this.namespace = props.namespace;
    this.namePrefix = props.namePrefix ?? DEFAULT_NAME_PREFIX;
    assertNamePrefix(this.namePrefix, field("namePrefix"));
    this.writes = resolveTlsWrites(props, field);
    markTlsBundles(this, "kubernetes", () => !StemTlsBundles.isStemTlsBundles(this), this.writes.ledger);
    this.revision = this.writes.revision;
    this.kinds = resolveKinds(props.kinds, field("kinds"));
    this.mountPath = props.mountPath ?? "/etc/stem/tls";
    assertPlainAbsolutePath(this.mountPath, field("mountPath"), "mountPath", "/etc/stem/tls");
    this.allowInsecure = props.allowInsecure ?? false;
    this.paths = {
      caCert: `${this.mountPath}/ca/ca.crt`,
      clientCert: `${this.mountPath}/client/tls.crt`,
      clientKey: `${this.mountPath}/client/tls.key`,
      serverCert: `${this.mountPath}/server/tls.crt`,
      serverKey: `${this.mountPath}/server/tls.key`,
    };
  }

  /** The value volumes put in `secretName` (a token where the Secret is in this stack). */
  protected abstract secretNameRef(bundle: BundleName): string;

  /** The Secret name of a bundle: `<namePrefix>-ca`, `-server` or `-client`. */
  public secretName(bundle: BundleName): string {
    return `${this.namePrefix}-${bundle}`;
  }

  /**
   * Pod `volume` entries for a workload of `kind`: the CA bundle plus that
   * kind's bundle (never the other kind's key), as secret volumes with mode 0400.
   * A container that runs as non-root needs the pod's `securityContext.fsGroup`
   * so it may read them.
   */
  public volumes(kind: TlsBundleKind = "client"): TlsSecretVolume[] {
    return (["ca", this.expectKind(kind, "volumes")] as const).map((name) => {
      return {
        name: this.secretName(name),
        secret: { secretName: this.secretNameRef(name), defaultMode: "0400", optional: false, items: BUNDLE_KEYS[name].map((key) => ({ key, path: key })) },
      };
    });
  }

  /**
   * Read-only container `volume_mount` entries for `kind`:
   * `<mountPath>/ca` and `<mountPath>/<kind>` (see `paths`).
   */
  public volumeMounts(kind: TlsBundleKind = "client"): TlsVolumeMount[] {
    return (["ca", this.expectKind(kind, "volumeMounts")] as const).map((name) => ({
      name: this.secretName(name),
      mountPath: `${this.mountPath}/${name}`,
      readOnly: true,
    }));
  }

  /**
   * Env for a Stem container (a client): `env` (yours, first and unchanged),
   * then `STEM_TLS_CA_CERT`, `STEM_TLS_CLIENT_CERT`, `STEM_TLS_CLIENT_KEY` as
   * the mounted file paths, and `STEM_TLS_ALLOW_INSECURE=true` only when
   * `allowInsecure` is set. Throws if `env` was bound already or sets a `STEM_TLS_*` variable.
   * Mount `volumeMounts("client")` in the same container.
   */
  public containerEnv<T extends EnvVarLike>(env: readonly T[] = []): (T | TlsEnvVar)[] {
    this.expectKind("client", "containerEnv");
    const field = `${this.node.path}.containerEnv`;
    for (const entry of env) {
      // Our own entry back again: the env was bound already.
      if (entry.name === "STEM_TLS_CA_CERT" && (entry as { value?: unknown }).value === this.paths.caCert) refuseSecondBinding(entry.name, TLS_ENV_OWNER, field);
      if (entry.name.startsWith(TLS_ENV_OWNER.prefix)) {
        throw new StemguardError(`${entry.name} is set by the TLS bundles; a second value would point Stem at other files`, {
          field: `${field}.${entry.name}`,
          fix: `remove ${entry.name} from the container env${entry.name === "STEM_TLS_ALLOW_INSECURE" ? " (use the allowInsecure prop if you really must)" : ""}`,
        });
      }
    }
    const stemEnv: TlsEnvVar[] = [
      { name: "STEM_TLS_CA_CERT", value: this.paths.caCert },
      { name: "STEM_TLS_CLIENT_CERT", value: this.paths.clientCert },
      { name: "STEM_TLS_CLIENT_KEY", value: this.paths.clientKey },
      // Stem treats any value containing "true" as true; emit exactly "true" or nothing (docs/stem-compat.md §4.1).
      ...(this.allowInsecure ? [{ name: "STEM_TLS_ALLOW_INSECURE", value: "true" }] : []),
    ];
    return [...env, ...stemEnv];
  }

  /**
   * Pod-template annotations: `annotations` (yours, unchanged) plus
   * `stemguard.io/tls-revision: "<revision>"`, so pods restart and read the new
   * files when the bundles change. Throws if `annotations` sets that key to another value.
   */
  public podAnnotations(annotations: Readonly<Record<string, string>> = {}): Record<string, string> {
    const value = String(this.revision);
    const existing = annotations[TLS_REVISION_ANNOTATION];
    if (existing !== undefined && existing !== value) {
      throw new StemguardError(`${TLS_REVISION_ANNOTATION} is set by the TLS bundles (revision ${value})`, {
        field: `${this.node.path}.podAnnotations.${TLS_REVISION_ANNOTATION}`,
        value: existing,
        fix: "remove the annotation; a pod takes its TLS files from exactly one bundles construct",
      });
    }
    return { ...annotations, [TLS_REVISION_ANNOTATION]: value };
  }

  protected expectKind(kind: TlsBundleKind, method: string): TlsBundleKind {
    if (kind !== "client" && kind !== "server") {
      throw new StemguardError('kind must be "client" or "server"', { field: `${this.node.path}.${method}`, value: kind, fix: 'use "client" for Stem components, "server" for Redis' });
    }
    if (!this.kinds.includes(kind)) throw this.missingKind(kind, method);
    return kind;
  }

  protected missingKind(kind: BundleName, method: string): StemguardError {
    return new StemguardError(`these TLS bundles have no ${kind} bundle`, {
      field: `${this.node.path}.${method}`,
      value: kind,
      fix: `add "${kind}" to props.kinds (has: ${this.kinds.join(", ")})`,
    });
  }
}

/**
 * Stem's TLS files for Kubernetes workloads.
 *
 * Creates three `kubernetes_secret_v1`: `<namePrefix>-ca` (Opaque, key
 * `ca.crt`: the trust bundle), `<namePrefix>-server` and `<namePrefix>-client`
 * (type `kubernetes.io/tls`, keys `tls.crt`, `tls.key`). The PEMs come from
 * ephemeral input variables (see `materialInputs`) and are written with the
 * write-only `data_wo`, so they never reach the synthesized JSON, the plan or
 * the state; `data_wo_revision` is `revision`.
 *
 * Stem reads TLS from FILE PATHS (`STEM_TLS_CA_CERT`, `STEM_TLS_CLIENT_CERT`,
 * `STEM_TLS_CLIENT_KEY`; docs/stem-compat.md §4). Wire a pod with `volumes(kind)`, its
 * containers with `volumeMounts(kind)` and `containerEnv()`, and its template
 * with `podAnnotations()` so a new bundle rolls it. Setting any of the paths
 * makes Stem trust only the CA file, not the system roots. Workloads in other
 * stacks use `StemTlsBundles.fromNamePrefix`.
 *
 * Needs Terraform >= 1.11 and the Kubernetes provider >= 2.38.
 */
export class StemTlsBundles extends TlsBundlesBase {
  /** True for bundles created by any copy of stemguard (not for ones imported with `fromNamePrefix`). */
  public static isStemTlsBundles(x: unknown): x is StemTlsBundles {
    return typeof x === "object" && x !== null && TLS_BUNDLES in x;
  }

  /**
   * Bundles another stack created. Creates no Secret and asks for no PEM:
   * volumes refer to the Secrets `<namePrefix>-ca/-server/-client` by name.
   * Apply the owning stack first.
   */
  public static fromNamePrefix(scope: Construct, id: string, props: TlsBundlesImportProps): ITlsBundles {
    return new ImportedTlsBundles(scope, id, props);
  }

  /**
   * The ephemeral inputs `terraform plan`/`apply` need: set each
   * `TF_VAR_<variableName>` to the PEM file's content (`stemguard tls tf-vars`).
   */
  public readonly materialInputs: readonly TlsPemInput[];

  private readonly bundles = new Map<BundleName, Bundle>();

  constructor(scope: Construct, id: string, props: StemTlsBundlesProps) {
    super(scope, id, props);
    Object.defineProperty(this, TLS_BUNDLES, { value: true });
    const field = (name: string) => `${this.node.path} props.${name}`;
    const labels = props.labels ?? {};
    assertLabels(labels, field("labels"));
    for (const owned of [MANAGED_BY, BUNDLE_LABEL]) {
      if (owned in labels) {
        throw new StemguardError("this label is set by the construct", {
          field: `${field("labels")}.${owned}`,
          value: labels[owned],
          fix: `remove "${owned}" from labels`,
        });
      }
    }
    if (this.allowInsecure) {
      Annotations.of(this).addWarning("allowInsecure: Stem containers get STEM_TLS_ALLOW_INSECURE=true and accept any server certificate");
    }

    const prefix = tlsVariablePrefix(this.namePrefix);
    const inputs: TlsPemInput[] = [];
    const input = (file: TlsPemFile) => {
      const required = file === "caBundle" ? this.writes.caRequired : this.writes.leavesRequired;
      const declared = tlsPemVariable(this, prefix, file, `Stem TLS bundles ${this.node.path}`, field("namePrefix"), required);
      inputs.push(declared);
      return declared.variable.stringValue;
    };
    const secretLabels = (bundle: BundleName) => ({ ...labels, [MANAGED_BY]: "stemguard", [BUNDLE_LABEL]: bundle });

    // Opaque, not kubernetes.io/tls: the trust bundle has no key, and the tls type demands one.
    this.addBundle("ca", "Opaque", { "ca.crt": input("caBundle") }, secretLabels("ca"));
    if (this.kinds.includes("server")) {
      this.addBundle("server", "kubernetes.io/tls", { "tls.crt": input("serverCert"), "tls.key": input("serverKey") }, secretLabels("server"));
    }
    if (this.kinds.includes("client")) {
      this.addBundle("client", "kubernetes.io/tls", { "tls.crt": input("clientCert"), "tls.key": input("clientKey") }, secretLabels("client"));
    }
    this.materialInputs = inputs;
  }

  /** The `kubernetes_secret_v1` of a bundle. */
  public secret(bundle: BundleName): SecretV1 {
    const found = this.bundles.get(bundle);
    if (!found) throw this.missingKind(bundle, "secret");
    return found.secret;
  }

  protected secretNameRef(bundle: BundleName): string {
    const found = this.bundles.get(bundle);
    if (!found) throw this.missingKind(bundle, "volumes");
    return found.nameRef;
  }

  private addBundle(name: BundleName, type: string, data: Record<string, string>, labels: Record<string, string>): void {
    const revision = name === "ca" ? this.writes.caRevision : this.writes.leavesRevision;
    claimObjectName(this, `Kubernetes Secret ${this.namespace}/${this.secretName(name)}`, this.node.path, `${this.node.path} props.namePrefix`, this.namePrefix);
    const secret = new SecretV1(this, bundleId(name), {
      metadata: {
        name: this.secretName(name),
        namespace: this.namespace,
        labels,
        annotations: { [TLS_REVISION_ANNOTATION]: String(revision) },
      },
      type,
      dataWo: data,
      // The part's own revision: a step that changed only the trust bundle leaves the leaf Secrets (and their optional inputs) alone.
      dataWoRevision: revision,
    });
    this.bundles.set(name, { secret, nameRef: secret.metadata.name });
  }

}

/** `StemTlsBundles.fromNamePrefix`: volumes and env against Secrets another stack writes. */
class ImportedTlsBundles extends TlsBundlesBase {
  constructor(scope: Construct, id: string, props: TlsBundlesImportProps) {
    super(scope, id, props);
  }

  protected secretNameRef(bundle: BundleName): string {
    return this.secretName(bundle);
  }
}

/** Construct ID of a bundle's Secret: part of the Terraform address, so never change it. */
function bundleId(name: BundleName): string {
  return name === "ca" ? "CaBundle" : `${name[0].toUpperCase()}${name.slice(1)}Bundle`;
}

function resolveKinds(kinds: readonly TlsBundleKind[] | undefined, field: string): TlsBundleKind[] {
  if (kinds === undefined) return ["server", "client"];
  if (kinds.length === 0) throw new StemguardError("kinds must not be empty", { field, value: kinds, fix: 'leave kinds out for both, or pass ["client"]' });
  for (const kind of kinds) {
    if (kind !== "server" && kind !== "client") throw new StemguardError('kinds are "server" and "client"', { field, value: kind, fix: "remove it" });
  }
  if (new Set(kinds).size !== kinds.length) throw new StemguardError("kinds must not repeat", { field, value: kinds, fix: "list each kind once" });
  return (["server", "client"] as const).filter((k) => kinds.includes(k));
}
