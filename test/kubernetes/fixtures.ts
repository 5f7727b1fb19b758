import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { TerraformStack, Testing } from "cdktf";
// Registers the cdktf jest matchers for every suite that uses these fixtures.
import "../support/cdktf-jest";
import { applyStep, initLedger } from "../../lib/core/keyring/steps";
import type { SigningAlgorithm, SigningLedger } from "../../lib/core/keyring/types";
import { StemSigningKeyring, type StemSigningKeyringProps } from "../../lib/kubernetes/signing-keyring";

/** Synthesized Terraform JSON, loosely typed for assertions. */
export type SynthJson = {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  variable?: Record<string, Record<string, unknown>>;
};

/** Ledgers after each step of one rotation: init k1, stage k2, activate k2, retire k1. */
export function rotation(algorithm: SigningAlgorithm, options: { verifyOnlyWorkers?: boolean } = {}) {
  const init = initLedger(algorithm, "k1", options);
  const staged = applyStep(init, "stage", "k2");
  const activated = applyStep(staged, "activate", "k2");
  const retired = applyStep(activated, "retire", "k1");
  return { init, staged, activated, retired };
}

/** A stack with a Kubernetes provider (validations need one) and a keyring with id "Keyring". */
export function keyringStack(ledger: SigningLedger, props: Partial<StemSigningKeyringProps> = {}) {
  const stack = new TerraformStack(Testing.app(), "test");
  new KubernetesProvider(stack, "kubernetes", { configPath: "~/.kube/config" });
  const keyring = new StemSigningKeyring(stack, "Keyring", { ledger, namespace: "stem", ...props });
  return { stack, keyring };
}

export function synthJson(stack: TerraformStack): SynthJson {
  return JSON.parse(Testing.synth(stack, true)) as SynthJson;
}

/** The resources of one type, keyed by `metadata.name`. */
export function byName(json: SynthJson, type: string): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const body of Object.values(json.resource?.[type] ?? {})) {
    out[(body.metadata as { name: string }).name] = body;
  }
  return out;
}
