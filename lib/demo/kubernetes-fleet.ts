/*
 * The example Kubernetes fleet that `stemguard demo` synthesizes (shipped with
 * the package): a Stem fleet whose payload-signing keys rotate through a ledger.
 * The repository's kubernetes-fleet example app synthesizes it from its own ledger file.
 *
 * Synthesis needs no cluster. `terraform apply` needs Terraform >= 1.11, a
 * kubeconfig, and the material of every non-retired key as TF_VAR_ inputs
 * (see docs/kubernetes.md).
 */
import { CronJobV1 } from "@cdktf/provider-kubernetes/lib/cron-job-v1";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { ServiceV1 } from "@cdktf/provider-kubernetes/lib/service-v1";
import { StatefulSetV1 } from "@cdktf/provider-kubernetes/lib/stateful-set-v1";
import { App, LocalBackend, TerraformStack, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { initLedger } from "../core/keyring/steps";
import type { SigningLedger } from "../core/keyring/types";
import { StemSigningKeyring } from "../kubernetes/signing-keyring";

/** Construct ID of the example's stack (also its directory under `cdktf.out/stacks/`). */
export const KUBERNETES_FLEET_STACK_ID = "kubernetes-fleet";

/** The example keyring: HMAC-SHA256 with "k2026-01" active (the kubernetes-fleet example app's ledger file holds the same). */
export function kubernetesFleetExampleLedger(): SigningLedger {
  return initLedger("hmac-sha256", "k2026-01");
}

export interface KubernetesFleetOptions {
  /** Where `app.synth()` writes `stacks/kubernetes-fleet/cdk.tf.json`. */
  readonly outdir: string;
  /**
   * The rotation ledger.
   *
   * @default - kubernetesFleetExampleLedger(): HMAC-SHA256, "k2026-01" active
   */
  readonly ledger?: SigningLedger;
  /**
   * Number of Stem services; each has a producer Deployment and a worker StatefulSet.
   *
   * @default 3
   */
  readonly services?: number;
}

/** The example fleet: one namespace, a signing keyring, `services` x (API + workers), one beat, one CronJob. */
export class KubernetesFleetStack extends TerraformStack {
  public readonly keyring: StemSigningKeyring;

  constructor(scope: Construct, id: string, options: Omit<KubernetesFleetOptions, "outdir">) {
    super(scope, id);
    const services = options.services ?? 3;
    if (!Number.isInteger(services) || services < 1) {
      throw new Error(`services must be a whole number >= 1, got ${services}`);
    }
    // Write-only data_wo keeps signing material out of state; the local backend is the embedded default.
    new LocalBackend(this, { path: "terraform.kubernetes-fleet.tfstate" });
    new KubernetesProvider(this, "kubernetes", { configPath: "~/.kube/config" });

    // Tokens read once and reused: cdktf records a stack trace for every token it creates.
    const image = new TerraformVariable(this, "image", {
      type: "string",
      default: "ghcr.io/example/stem-app:1.0.0",
      description: "Container image of the Stem application (producer API, worker and beat entrypoints).",
    }).stringValue;
    const brokerUrl = new TerraformVariable(this, "broker_url", {
      type: "string",
      default: "redis://redis.stem.svc.cluster.local:6379/0",
      description: "STEM_BROKER_URL for every Stem container.",
    });
    const namespace = new NamespaceV1(this, "Namespace", { metadata: { name: "stem" } });

    // DOCS_BLOCK_START:keyring
    const keyring = new StemSigningKeyring(this, "SigningKeyring", {
      ledger: options.ledger ?? kubernetesFleetExampleLedger(),
      namespace: namespace.metadata.name, // a token: the Secrets wait for the namespace
      labels: { "app.kubernetes.io/part-of": "stem-fleet" },
    });
    // DOCS_BLOCK_END:keyring
    this.keyring = keyring;
    const common = [{ name: "STEM_BROKER_URL", value: brokerUrl.stringValue }];

    for (let i = 1; i <= services; i++) {
      const name = `svc${String(i).padStart(2, "0")}`;
      const apiLabels = { app: `${name}-api` };
      // DOCS_BLOCK_START:producer
      new DeploymentV1(this, `${name}-api`, {
        metadata: { name: `${name}-api`, namespace: keyring.namespace },
        spec: {
          replicas: "2",
          selector: { matchLabels: apiLabels },
          template: {
            metadata: { labels: apiLabels, annotations: keyring.podAnnotations("producer") },
            spec: {
              container: [
                {
                  name: "api",
                  image,
                  args: ["api"],
                  env: keyring.containerEnv("producer", common),
                },
              ],
            },
          },
        },
      });
      // DOCS_BLOCK_END:producer

      const workerLabels = { app: `${name}-worker` };
      new ServiceV1(this, `${name}-worker-headless`, {
        metadata: { name: `${name}-worker`, namespace: keyring.namespace },
        spec: { clusterIp: "None", selector: workerLabels },
      });
      // DOCS_BLOCK_START:worker
      new StatefulSetV1(this, `${name}-worker`, {
        metadata: { name: `${name}-worker`, namespace: keyring.namespace },
        spec: {
          serviceName: `${name}-worker`,
          replicas: "3",
          selector: { matchLabels: workerLabels },
          template: {
            metadata: {
              labels: workerLabels,
              annotations: keyring.podAnnotations("worker", { "prometheus.io/scrape": "true" }),
            },
            spec: {
              container: [
                {
                  name: "worker",
                  image,
                  args: ["worker"],
                  env: keyring.containerEnv("worker", [
                    ...common,
                    // Stable pod names give stable Stem worker names in heartbeats.
                    { name: "STEM_WORKER_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                  ]),
                },
              ],
            },
          },
        },
      });
      // DOCS_BLOCK_END:worker
    }

    // DOCS_BLOCK_START:beat
    const beatLabels = { app: "beat" };
    new DeploymentV1(this, "beat", {
      metadata: { name: "beat", namespace: keyring.namespace },
      spec: {
        replicas: "1",
        strategy: { type: "Recreate" }, // never two schedulers at once, not even during a roll
        selector: { matchLabels: beatLabels },
        template: {
          metadata: { labels: beatLabels, annotations: keyring.podAnnotations("beat") },
          spec: {
            container: [{ name: "beat", image, args: ["beat"], env: keyring.containerEnv("beat", common) }],
          },
        },
      },
    });
    // DOCS_BLOCK_END:beat

    // A nightly job that enqueues (signs) tasks: a producer that runs on a schedule.
    // DOCS_BLOCK_START:cronjob
    new CronJobV1(this, "nightly-report", {
      metadata: { name: "nightly-report", namespace: keyring.namespace },
      spec: {
        schedule: "0 3 * * *",
        timezone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
        jobTemplate: {
          metadata: {},
          spec: {
            template: {
              metadata: { annotations: keyring.podAnnotations("producer") },
              spec: {
                restartPolicy: "OnFailure",
                container: [
                  { name: "enqueue", image, args: ["enqueue", "report.nightly"], env: keyring.containerEnv("producer", common) },
                ],
              },
            },
          },
        },
      },
    });
    // DOCS_BLOCK_END:cronjob
  }
}

/** Builds (does not synthesize) the example app; call `.synth()` on the result. */
export function buildKubernetesFleetApp(options: KubernetesFleetOptions): App {
  const app = new App({ outdir: options.outdir });
  new KubernetesFleetStack(app, KUBERNETES_FLEET_STACK_ID, options);
  return app;
}
