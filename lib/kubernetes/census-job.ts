import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { Token, type ITerraformDependable, type TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { StemguardError } from "../core/errors";
import { STEMGUARD_IMAGE_USER } from "../core/scans/cli-image";
import { CENSUS_BROKER_ENV, CENSUS_METRICS_PORT, censusArgs } from "../core/scans/census-command";
import { brokerUrlVariable, brokerUrlVariableName } from "../private/broker-url-variable";
import { assertConstructImage, STEMGUARD_IMAGE_FIX } from "../private/pinned-image";
import { claimObjectName } from "../private/stack-claims";
import { assertLabels, assertNamePrefix, assertNamespace } from "./kubernetes-names";
import type { ITlsBundles } from "./tls-bundles";

/** What other stacks need of the census: where its metrics are served. */
export interface IStemCensusJob {
  /** Namespace of the Deployment and Service. */
  readonly namespace: string;
  /** The Service's name (a ServiceMonitor selects it by its labels). */
  readonly serviceName: string;
  /** Labels of the Service, for a ServiceMonitor's `selector.matchLabels`. */
  readonly serviceLabels: Readonly<Record<string, string>>;
  /** The Service port's name (`metrics`), for the ServiceMonitor's `endpoints[].port`. */
  readonly metricsPortName: string;
}

export interface StemCensusJobProps {
  readonly namespace: string;
  /**
   * The stemguard CLI image, built from the package's docker/Dockerfile (it
   * runs as 10001:10001, the user this Deployment sets), pinned as
   * `name:tag@sha256:<64 hex>`; a bare tag is refused.
   */
  readonly image: string;
  /**
   * Name of the Deployment, Service and Secret, and prefix of the broker URL
   * input (`<prefix_with_underscores>_broker_url`).
   *
   * @default "stem-census"
   */
  readonly namePrefix?: string;
  /**
   * Queues to count.
   *
   * @default - every queue the census discovers
   */
  readonly queues?: readonly string[];
  /**
   * Stem's TLS bundles (with a `client` bundle) for a `rediss://` broker with
   * mutual TLS: the pod mounts the CA and client Secrets (`volumes("client")`,
   * `fsGroup` 10001 so the non-root user may read them), the container gets
   * `containerEnv()` (`STEM_TLS_CA_CERT`, `STEM_TLS_CLIENT_CERT`,
   * `STEM_TLS_CLIENT_KEY`), and the pod template `podAnnotations()`, so the
   * census rolls with the bundles. They must be in the census's namespace.
   *
   * @default - no TLS files (a `redis://` broker, or a `rediss://` one the system roots verify without a client certificate)
   */
  readonly tlsBundles?: ITlsBundles;
  /**
   * Certificate files in the container the census inspects (`--certificate`):
   * their days left become `stemguard_certificate_days_left{certificate="<base name>"}`.
   * Mount other files with `secretVolumes`.
   *
   * @default - with `tlsBundles`, the mounted CA and client certificates (`ca.crt`, `tls.crt`); else none
   */
  readonly certificateFiles?: readonly string[];
  /**
   * Secrets mounted read-only into the container (e.g. the TLS bundle for rediss:// and `certificateFiles`).
   *
   * @default - none
   */
  readonly secretVolumes?: readonly { readonly secretName: string; readonly mountPath: string }[];
  /**
   * The broker URL as a Terraform expression, e.g. the Kubernetes
   * `StemRedis`'s `censusBrokerUrl` (its census user): written straight into
   * the Secret's `data_wo`, and no `<prefix>_broker_url` input is declared.
   *
   * @default - the ephemeral input `<prefix_with_underscores>_broker_url` (see `brokerUrlInput`)
   */
  readonly brokerUrl?: string;
  /**
   * Bump when the broker URL changes (a new password of the read-only user):
   * the write-only Secret is rewritten only when this changes, and the pods roll.
   *
   * @default 1
   */
  readonly brokerUrlRevision?: number;
  /**
   * Extra labels for every object.
   *
   * @default - `app.kubernetes.io/name: stemguard-census`, instance and managed-by
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Resources every object waits for.
   *
   * @default - none
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * The census as a Prometheus exporter: a Deployment (one replica) running
 * `stemguard census --broker $(STEM_BROKER_URL) --serve 9464`, a ClusterIP
 * Service with a port named `metrics` (ServiceMonitor-ready), and a Secret
 * holding the broker URL of the read-only Redis user, written with
 * `data_wo` from an ephemeral input: the URL is never planned or stored.
 * Non-root, read-only root filesystem, no service-account token.
 */
export class StemCensusJob extends Construct implements IStemCensusJob {
  /** A census another stack created. */
  public static fromNamePrefix(namespace: string, namePrefix = "stem-census"): IStemCensusJob {
    return { namespace, serviceName: namePrefix, serviceLabels: censusLabels(namePrefix), metricsPortName: "metrics" };
  }

  public readonly namespace: string;
  public readonly namePrefix: string;
  public readonly serviceName: string;
  public readonly serviceLabels: Readonly<Record<string, string>>;
  public readonly metricsPortName = "metrics";
  /** The certificate files the census inspects (`--certificate`), resolved. */
  public readonly certificateFiles: readonly string[];
  /** The ephemeral input for the broker URL (set `TF_VAR_<name>` on every plan and apply); undefined when `brokerUrl` is given. */
  public readonly brokerUrlInput?: TerraformVariable;
  public readonly deployment: DeploymentV1;
  public readonly service: ServiceV1;
  public readonly secret: SecretV1;

  constructor(scope: Construct, id: string, props: StemCensusJobProps) {
    super(scope, id);
    const field = (name: string) => `${this.node.path} props.${name}`;
    assertNamespace(props.namespace, field("namespace"));
    this.namespace = props.namespace;
    this.namePrefix = props.namePrefix ?? "stem-census";
    assertNamePrefix(this.namePrefix, field("namePrefix"));
    assertConstructImage(props.image, field("image"), STEMGUARD_IMAGE_FIX);
    const revision = props.brokerUrlRevision ?? 1;
    if (!Number.isInteger(revision) || revision < 1) throw new StemguardError("brokerUrlRevision must be a whole number >= 1", { field: field("brokerUrlRevision"), value: revision, fix: "bump it by one when the URL changes" });
    const tls = props.tlsBundles;
    if (tls) {
      if (!tls.kinds.includes("client")) throw new StemguardError("the TLS bundles have no client bundle for the census to connect with", { field: field("tlsBundles"), value: tls.kinds, fix: 'create the bundles with kinds ["server", "client"] (or ["client"])' });
      if (tls.namespace !== this.namespace) throw new StemguardError("the TLS bundles' Secrets are in another namespace: a pod can mount only Secrets of its own", { field: field("tlsBundles"), value: tls.namespace, fix: `create (or import) the bundles in namespace ${this.namespace}` });
    }
    this.certificateFiles = [...(props.certificateFiles ?? (tls ? [tls.paths.caCert, tls.paths.clientCert] : []))];
    const args = censusArgs({ queues: props.queues, certificateFiles: this.certificateFiles }, `${this.node.path} props`);
    const labels = { ...censusLabels(this.namePrefix), ...props.labels };
    assertLabels(labels, field("labels"));
    this.serviceName = this.namePrefix;
    this.serviceLabels = labels;
    for (const kind of ["Deployment", "Service", "Secret"]) claimObjectName(this, `Kubernetes ${kind} ${this.namespace}/${this.namePrefix}`, this.node.path, field("namePrefix"), this.namePrefix);
    const dependsOn = props.dependsOn ? [...props.dependsOn] : undefined;
    const metadata = { name: this.namePrefix, namespace: this.namespace, labels };

    if (props.brokerUrl !== undefined && !Token.isUnresolved(props.brokerUrl)) {
      // A literal would put the password into the synthesized JSON.
      throw new StemguardError("brokerUrl must be a Terraform expression (StemRedis.censusBrokerUrl), never a literal URL", { field: field("brokerUrl"), value: "(not shown)", fix: "pass the Redis's censusBrokerUrl, or leave brokerUrl out and set TF_VAR_<prefix>_broker_url" });
    }
    this.brokerUrlInput = props.brokerUrl === undefined ? brokerUrlVariable(this, brokerUrlVariableName(this.namePrefix), field("namePrefix")) : undefined;
    this.secret = new SecretV1(this, "BrokerUrl", {
      metadata,
      type: "Opaque",
      dataWo: { [CENSUS_BROKER_ENV]: props.brokerUrl ?? this.brokerUrlInput!.stringValue },
      dataWoRevision: revision,
      dependsOn,
    });
    const selector = { "app.kubernetes.io/name": labels["app.kubernetes.io/name"], "app.kubernetes.io/instance": labels["app.kubernetes.io/instance"] };
    const volumes = props.secretVolumes ?? [];
    const { uid, gid } = STEMGUARD_IMAGE_USER;
    const own = { "stemguard.io/broker-url-revision": String(revision) };
    const annotations = tls ? tls.podAnnotations(own) : own;
    const env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string; optional: boolean } } }[] = [
      { name: CENSUS_BROKER_ENV, valueFrom: { secretKeyRef: { name: this.secret.metadata.name, key: CENSUS_BROKER_ENV, optional: false } } },
      { name: "TZ", value: "UTC" },
    ];
    this.deployment = new DeploymentV1(this, "Resource", {
      metadata,
      spec: {
        replicas: "1",
        // One census at a time against the broker: the old pod stops before the new one starts.
        strategy: { type: "Recreate" },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: String(uid),
              runAsGroup: String(gid),
              // The TLS bundles' files are mode 0400; the kubelet gives the fsGroup read on them.
              ...(tls ? { fsGroup: String(gid), fsGroupChangePolicy: "OnRootMismatch" } : {}),
              seccompProfile: { type: "RuntimeDefault" },
            },
            volume: [...volumes.map((v, i) => ({ name: `secret-${i}`, secret: { secretName: v.secretName, defaultMode: "0440" } })), ...(tls ? tls.volumes("client") : [])],
            container: [
              {
                name: "census",
                image: props.image,
                // Kubernetes expands $(VAR) in args from the container env; the URL itself stays in the Secret.
                args: ["census", "--broker", `$(${CENSUS_BROKER_ENV})`, "--serve", String(CENSUS_METRICS_PORT), ...args],
                env: tls ? tls.containerEnv(env) : env,
                port: [{ name: "metrics", containerPort: CENSUS_METRICS_PORT }],
                readinessProbe: { tcpSocket: [{ port: "metrics" }], periodSeconds: 10 },
                resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
                volumeMount: [...volumes.map((v, i) => ({ name: `secret-${i}`, mountPath: v.mountPath, readOnly: true })), ...(tls ? tls.volumeMounts("client") : [])],
              },
            ],
          },
        },
      },
      dependsOn,
    });
    this.service = new ServiceV1(this, "Service", {
      metadata,
      spec: { type: "ClusterIP", selector, port: [{ name: "metrics", port: CENSUS_METRICS_PORT, targetPort: "metrics", protocol: "TCP" }] },
      dependsOn,
    });
  }
}

function censusLabels(prefix: string): Record<string, string> {
  return { "app.kubernetes.io/name": "stemguard-census", "app.kubernetes.io/instance": prefix, "app.kubernetes.io/managed-by": "stemguard" };
}
