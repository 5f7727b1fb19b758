import "../support/cdktf-jest";
import { TerraformStack, Testing } from "cdktf";
import { buildAwsFleetApp } from "../../lib/demo/aws-fleet";
import { buildKubernetesFleetApp, KUBERNETES_FLEET_STACK_ID } from "../../lib/demo/kubernetes-fleet";
import { applyStep, initLedger } from "../../lib/core/keyring/steps";

// Both example fleets synthesize a producers-first adoption, and `enforce` rewrites only the worker's secret.
test("producers-first: the worker's secret holds only the algorithm until enforce, on both platforms", () => {
  const adopt = initLedger("hmac-sha256", "k1", { producersFirst: true });
  const enforced = applyStep(adopt, "enforce", "k1");
  const aws = (ledger: typeof adopt) => JSON.parse(Testing.synth(buildAwsFleetApp({ outdir: "unused", ledger, services: 1 }).stack, true));
  const k8s = (ledger: typeof adopt) => {
    const app = buildKubernetesFleetApp({ outdir: "unused", ledger, services: 1 });
    return JSON.parse(Testing.synth(app.node.findChild(KUBERNETES_FLEET_STACK_ID) as TerraformStack, true));
  };
  const versions = (doc: { resource: Record<string, Record<string, { secret_string_wo_version?: number; data_wo_revision?: number }>> }, type: string, field: "secret_string_wo_version" | "data_wo_revision") =>
    Object.fromEntries(Object.entries(doc.resource[type]).filter(([id]) => /Role-|Producer|Worker|Beat/.test(id)).map(([id, r]) => [id.replace(/_[0-9A-F]{8}$/, ""), r[field]]));
  expect(versions(aws(adopt), "aws_secretsmanager_secret_version", "secret_string_wo_version")).toEqual({
    "Signing_Role-producer_Version": 1,
    "Signing_Role-worker_Version": 1,
    "Signing_Role-beat_Version": 1,
  });
  expect(versions(aws(enforced), "aws_secretsmanager_secret_version", "secret_string_wo_version")).toEqual({
    "Signing_Role-producer_Version": 1,
    "Signing_Role-worker_Version": 2,
    "Signing_Role-beat_Version": 1,
  });
  const k8sAdopt = k8s(adopt).resource.kubernetes_secret_v1;
  const worker = Object.entries(k8sAdopt).find(([id]) => id.startsWith("SigningKeyring_Worker"))![1] as { data_wo: Record<string, string> };
  expect(Object.keys(worker.data_wo)).toEqual(["STEM_SIGNING_ALGORITHM"]);
  expect(versions(k8s(enforced), "kubernetes_secret_v1", "data_wo_revision")).toEqual({ SigningKeyring_Producer: 1, SigningKeyring_Worker: 2, SigningKeyring_Beat: 1 });
});
