import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import type { ITerraformDependable, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { StemguardError } from "../core/errors";
import { CENSUS_BROKER_ENV, CENSUS_METRICS_PORT, censusArgs } from "../core/scans/census-command";
import { brokerUrlVariable, brokerUrlVariableName } from "../private/broker-url-variable";
import { assertConstructImage, STEMGUARD_IMAGE_FIX } from "../private/pinned-image";
import { claimObjectName } from "../private/stack-claims";
import { assertLabels, assertNamePrefix, assertNamespace } from "./kubernetes-names";

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
  /** The stemguard CLI image (the package's Dockerfile), pinned as `name:tag@sha256:<64 hex>`. */
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
   * Certificate files in the container the census inspects (mount them with `volumes`).
   *
   * @default - none
   */
  readonly certificateFiles?: readonly string[];
  /**
   * Secrets mounted read-only into the container (e.g. the TLS bundle for rediss:// and `certificateFiles`).
   *
   * @default - none
   */
  readonly secretVolumes?: readonly { readonly secretName: string; readonly mountPath: string }[];
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
  /** The ephemeral input for the broker URL: set `TF_VAR_<name>` on every plan and apply. */
  public readonly brokerUrlInput: TerraformVariable;
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
    const args = censusArgs(props, `${this.node.path} props`);
    const labels = { ...censusLabels(this.namePrefix), ...props.labels };
    assertLabels(labels, field("labels"));
    this.serviceName = this.namePrefix;
    this.serviceLabels = labels;
    for (const kind of ["Deployment", "Service", "Secret"]) claimObjectName(this, `Kubernetes ${kind} ${this.namespace}/${this.namePrefix}`, this.node.path, field("namePrefix"), this.namePrefix);
    const dependsOn = props.dependsOn ? [...props.dependsOn] : undefined;
    const metadata = { name: this.namePrefix, namespace: this.namespace, labels };

    this.brokerUrlInput = brokerUrlVariable(this, brokerUrlVariableName(this.namePrefix), field("namePrefix"));
    this.secret = new SecretV1(this, "BrokerUrl", {
      metadata,
      type: "Opaque",
      dataWo: { [CENSUS_BROKER_ENV]: this.brokerUrlInput.stringValue },
      dataWoRevision: revision,
      dependsOn,
    });
    const selector = { "app.kubernetes.io/name": labels["app.kubernetes.io/name"], "app.kubernetes.io/instance": labels["app.kubernetes.io/instance"] };
    const volumes = props.secretVolumes ?? [];
    this.deployment = new DeploymentV1(this, "Resource", {
      metadata,
      spec: {
        replicas: "1",
        // One census at a time against the broker: the old pod stops before the new one starts.
        strategy: { type: "Recreate" },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations: { "stemguard.io/broker-url-revision": String(revision) } },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, runAsUser: "10001", runAsGroup: "10001", seccompProfile: { type: "RuntimeDefault" } },
            volume: volumes.map((v, i) => ({ name: `secret-${i}`, secret: { secretName: v.secretName, defaultMode: "0440" } })),
            container: [
              {
                name: "census",
                image: props.image,
                // Kubernetes expands $(VAR) in args from the container env; the URL itself stays in the Secret.
                args: ["census", "--broker", `$(${CENSUS_BROKER_ENV})`, "--serve", String(CENSUS_METRICS_PORT), ...args],
                env: [{ name: CENSUS_BROKER_ENV, valueFrom: { secretKeyRef: { name: this.secret.metadata.name, key: CENSUS_BROKER_ENV, optional: false } } }, { name: "TZ", value: "UTC" }],
                port: [{ name: "metrics", containerPort: CENSUS_METRICS_PORT }],
                readinessProbe: { tcpSocket: [{ port: "metrics" }], periodSeconds: 10 },
                resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
                volumeMount: volumes.map((v, i) => ({ name: `secret-${i}`, mountPath: v.mountPath, readOnly: true })),
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
