// A Stem deployment's whole security on Kubernetes from one StemSecurity (docs/security.md,
// whose snippets are the DOCS_BLOCKs below: test/kubernetes/security-docs.test.ts keeps them
// identical). The ledgers (stemguard.rotation.json, stemguard.tls.json, stemguard.redis.json)
// are read from `ledgerDir`; the alarms (a PrometheusRule) go into a stack of their own.
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { App, TerraformStack } from "cdktf";
import { StemSecurity, type StemSecurityWorkload } from "stemguard/kubernetes";

const APP_IMAGE = `registry.example.com/orders:1.4.2@sha256:${"c".repeat(64)}`;
const STEMGUARD_IMAGE = `registry.example.com/stemguard:0.1.0@sha256:${"d".repeat(64)}`;

/** Adds the stacks "orders" (workloads and security) and "orders-alarms" to `app`. */
export function addKubernetesSecurityExample(app: App, ledgerDir: string): { stack: TerraformStack; alarmsStack: TerraformStack; security: StemSecurity } {
  const stack = new TerraformStack(app, "orders");
  new KubernetesProvider(stack, "kubernetes", { configPath: "~/.kube/config" });
  const alarmsStack = new TerraformStack(app, "orders-alarms");
  new KubernetesProvider(alarmsStack, "kubernetes", { configPath: "~/.kube/config" });

  // DOCS_BLOCK_START:security
  const workloads: StemSecurityWorkload[] = [
    { name: "api", role: "producer", image: APP_IMAGE },
    { name: "dashboard", role: "producer", image: APP_IMAGE }, // the dashboard signs like a producer
    { name: "emails", role: "worker", image: APP_IMAGE, queues: ["emails"] },
    { name: "reports", role: "worker", image: APP_IMAGE, queues: ["reports"] },
    { name: "beat", role: "beat", image: APP_IMAGE },
  ];
  const security = new StemSecurity(stack, "Security", {
    workloads,
    namespace: "orders",
    namePrefix: "orders",
    ledgerDir, // stemguard.rotation.json, stemguard.tls.json, stemguard.redis.json
    census: { image: STEMGUARD_IMAGE },
    alarms: { stack: alarmsStack, labels: { release: "kube-prometheus-stack" } },
  });
  // DOCS_BLOCK_END:security

  // DOCS_BLOCK_START:bind
  for (const w of workloads) {
    const bound = security.bind({ name: w.name, image: w.image, args: [w.name] }, w.role);
    new DeploymentV1(stack, w.name, {
      metadata: { name: w.name, namespace: security.namespace },
      spec: {
        replicas: w.role === "beat" ? "1" : "2",
        ...(w.role === "beat" ? { strategy: { type: "Recreate" } } : {}), // never two schedulers
        selector: { matchLabels: security.podLabels(w.name) },
        template: {
          metadata: { labels: security.podLabels(w.name), annotations: bound.podAnnotations },
          spec: {
            securityContext: { runAsNonRoot: true, runAsUser: "1000", fsGroup: "1000" }, // fsGroup: the TLS files are 0400
            volume: bound.volumes,
            container: [bound.container],
          },
        },
      },
    });
  }
  // DOCS_BLOCK_END:bind
  return { stack, alarmsStack, security };
}
