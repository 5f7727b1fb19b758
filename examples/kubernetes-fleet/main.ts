// The example Kubernetes fleet as a cdktf app of its own, built on the installed
// package (imported by name, as any user's app does). Its keyring follows
// stemguard.rotation.json next to this file. Synthesis needs no cluster;
// `terraform apply` needs Terraform >= 1.11, a kubeconfig, and the material of
// every non-retired key as TF_VAR_ inputs (see docs/kubernetes.md).
//   cdktf synth                                    (from this directory or, with both fleets, the repository root)
//   npm run build && node dist/examples/kubernetes-fleet/main.js   (writes cdktf.out/)
import { App } from "cdktf";
import { parseLedger } from "stemguard";
import { KUBERNETES_FLEET_STACK_ID, KubernetesFleetStack } from "stemguard/demo";
// Imported, not read at run time, so the app synthesizes from any working directory and from dist/.
import ledgerJson from "./stemguard.rotation.json";

/** Adds the Kubernetes fleet (stack "kubernetes-fleet"), keyed by this directory's ledger, to `app`. */
export function addExampleKubernetesFleet(app: App): KubernetesFleetStack {
  return new KubernetesFleetStack(app, KUBERNETES_FLEET_STACK_ID, {
    ledger: parseLedger(ledgerJson, "examples/kubernetes-fleet/stemguard.rotation.json"),
  });
}

if (require.main === module) {
  const app = new App();
  addExampleKubernetesFleet(app);
  app.synth();
}
