import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing, type TerraformStack } from "cdktf";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { buildKubernetesFleetApp, KUBERNETES_FLEET_STACK_ID, type KubernetesFleetOptions } from "../../lib/demo/kubernetes-fleet";
import { readLedgerFile } from "../../lib/core/keyring/ledger-file";
import { rotation, type SynthJson } from "./fixtures";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function synthExample(options: Omit<KubernetesFleetOptions, "outdir"> = {}) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-k8s-fleet-"));
  dirs.push(outdir);
  const app = buildKubernetesFleetApp({ outdir, ...options });
  app.synth(); // runs every construct validation, including provider presence
  const file = path.join(outdir, "stacks", KUBERNETES_FLEET_STACK_ID, "cdk.tf.json");
  const text = fs.readFileSync(file, "utf8");
  return { app, text, json: JSON.parse(text) as SynthJson };
}

const count = (json: SynthJson, type: string) => Object.keys(json.resource?.[type] ?? {}).length;

describe("examples/kubernetes-fleet", () => {
  // The default example, synthesized once for the tests that only read it.
  let example: ReturnType<typeof synthExample>;
  const defaultExample = () => (example ??= synthExample());

  test("synthesizes with validations: namespace, keyring, 3 services, beat and a CronJob", () => {
    const { json, text } = defaultExample();
    expect(count(json, "kubernetes_namespace_v1")).toBe(1);
    expect(count(json, "kubernetes_secret_v1")).toBe(3);
    expect(count(json, "kubernetes_deployment_v1")).toBe(4); // 3 APIs + beat
    expect(count(json, "kubernetes_stateful_set_v1")).toBe(3);
    expect(count(json, "kubernetes_service_v1")).toBe(3);
    expect(count(json, "kubernetes_cron_job_v1")).toBe(1);
    expect(Object.keys(json.variable ?? {}).sort()).toEqual(["broker_url", "image", "stem_signing_key_k2026_01"]);
    expect(text).not.toContain("$${");
    expect(text).not.toMatch(/[A-Za-z0-9+/]{43}=/);
  });

  test("the bundled ledger is the one in the example directory, and valid", () => {
    const onDisk = readLedgerFile(path.join(__dirname, "../../examples/kubernetes-fleet/stemguard.rotation.json"));
    const { app } = defaultExample();
    const stack = app.node.findChild(KUBERNETES_FLEET_STACK_ID) as TerraformStack & { keyring: { ledger: unknown } };
    expect(stack.keyring.ledger).toEqual(onDisk);
  });

  test("beat runs as one replica that is never doubled during a roll", () => {
    const { app } = defaultExample();
    const stack = app.node.findChild(KUBERNETES_FLEET_STACK_ID) as TerraformStack;
    expect(Testing.synth(stack, true)).toHaveResourceWithProperties(DeploymentV1, {
      metadata: { name: "beat", namespace: "${kubernetes_namespace_v1.Namespace.metadata[0].name}" },
      spec: expect.objectContaining({ replicas: "1", strategy: { type: "Recreate" } }),
    });
  });

  test("takes a ledger and a service count (the 50-service bench fleet)", () => {
    const { json } = synthExample({ ledger: rotation("ed25519").staged, services: 50 });
    expect(count(json, "kubernetes_stateful_set_v1")).toBe(50);
    expect(count(json, "kubernetes_deployment_v1")).toBe(51);
    expect(Object.keys(json.variable ?? {}).filter((v) => v.startsWith("stem_signing_key_"))).toEqual(["stem_signing_key_k1", "stem_signing_key_k2"]);
  });

  test("fails on a service count below 1", () => {
    expect(() => synthExample({ services: 0 })).toThrow(/services must be a whole number >= 1, got 0/);
  });
});
