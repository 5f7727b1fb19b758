// The example rotation (init k1, stage k2, activate k2, retire k1) and synth helpers.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildAwsFleetApp } from "../../lib/demo/aws-fleet";
import { applyStep, initLedger } from "../../lib/core/keyring/steps";
import type { SigningAlgorithm, SigningLedger, StepOp } from "../../lib/core/keyring/types";

export interface RotationPhase {
  /** e.g. `hmac_2_stage`: usable as a Terraform module name. */
  readonly name: string;
  readonly op: StepOp;
  readonly keyId: string;
  readonly ledger: SigningLedger;
}

const STEPS: readonly { op: StepOp; keyId: string }[] = [
  { op: "init", keyId: "k1" },
  { op: "stage", keyId: "k2" },
  { op: "activate", keyId: "k2" },
  { op: "retire", keyId: "k1" },
];

/** The four phases of one rotation on `algorithm`. */
export function rotationPhases(algorithm: SigningAlgorithm, options: { verifyOnlyWorkers?: boolean } = {}): RotationPhase[] {
  const short = algorithm === "hmac-sha256" ? "hmac" : "ed25519";
  const phases: RotationPhase[] = [];
  let ledger: SigningLedger | undefined;
  for (const [i, step] of STEPS.entries()) {
    ledger = ledger ? applyStep(ledger, step.op, step.keyId) : initLedger(algorithm, step.keyId, options);
    phases.push({ name: `${short}_${i + 1}_${step.op}`, op: step.op, keyId: step.keyId, ledger });
  }
  return phases;
}

/** Synthesizes the example fleet with `app.synth()` and returns its stack JSON text (the real artifact). */
export function synthFleetJson(ledger: SigningLedger, services = 2): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "stemguard-fleet-"));
  try {
    const { app } = buildAwsFleetApp({ outdir, ledger, services });
    app.synth();
    return fs.readFileSync(path.join(outdir, "stacks", "stem-fleet", "cdk.tf.json"), "utf8");
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
