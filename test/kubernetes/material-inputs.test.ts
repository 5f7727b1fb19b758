import { applyStep, initLedger } from "../../lib/core/keyring/steps";
import { materialVariableName, planMaterialInputs } from "../../lib/kubernetes/material-inputs";
import { rotation } from "./fixtures";

const ALL = ["producer", "worker", "beat"] as const;
const summary = (inputs: ReturnType<typeof planMaterialInputs>) => inputs.map((i) => `${i.keyId}:${i.fields.join("+")}`);

describe("planMaterialInputs", () => {
  test("names variables after the prefix and key id, with '.' and '-' as '_'", () => {
    expect(materialVariableName("stem-signing", "k2026.11")).toBe("stem_signing_key_k2026_11");
    expect(materialVariableName("orders", "K_1-a")).toBe("orders_key_K_1_a");
    const [input] = planMaterialInputs(initLedger("hmac-sha256", "k2026.11"), "stem-signing", ALL);
    expect(input).toEqual({ keyId: "k2026.11", variableName: "stem_signing_key_k2026_11", envVarName: "TF_VAR_stem_signing_key_k2026_11", required: true, fields: ["secret"] });
  });

  test("HMAC: every non-retired key's secret, in ledger order", () => {
    const r = rotation("hmac-sha256");
    expect(summary(planMaterialInputs(r.init, "p", ALL))).toEqual(["k1:secret"]);
    expect(summary(planMaterialInputs(r.staged, "p", ALL))).toEqual(["k1:secret", "k2:secret"]);
    expect(summary(planMaterialInputs(r.activated, "p", ALL))).toEqual(["k1:secret", "k2:secret"]);
    expect(summary(planMaterialInputs(r.retired, "p", ALL))).toEqual(["k2:secret"]);
  });

  test("Ed25519: public keys of trusted keys, the seed of the active key only", () => {
    const r = rotation("ed25519");
    expect(summary(planMaterialInputs(r.init, "p", ALL))).toEqual(["k1:seed+publicKey"]);
    // A staged key's seed is not needed yet, a retiring key's seed no longer.
    expect(summary(planMaterialInputs(r.staged, "p", ALL))).toEqual(["k1:seed+publicKey", "k2:publicKey"]);
    expect(summary(planMaterialInputs(r.activated, "p", ALL))).toEqual(["k1:publicKey", "k2:seed+publicKey"]);
    expect(summary(planMaterialInputs(r.retired, "p", ALL))).toEqual(["k2:seed+publicKey"]);
  });

  test("Ed25519 verify-only workers alone need no seed", () => {
    const r = rotation("ed25519", { verifyOnlyWorkers: true });
    expect(summary(planMaterialInputs(r.staged, "p", ["worker"]))).toEqual(["k1:publicKey", "k2:publicKey"]);
    expect(summary(planMaterialInputs(r.staged, "p", ["worker", "beat"]))).toEqual(["k1:seed+publicKey", "k2:publicKey"]);
  });

  test("fails when two key ids map to one variable name", () => {
    // rotate and ledger parsing refuse such a pair (key-id.ts collapsedId), before the planner's own check.
    const ledger = ({ ...initLedger("hmac-sha256", "k.1"), phase: 2, keys: [{ id: "k.1", algorithm: "hmac-sha256", state: "active" }, { id: "k-1", algorithm: "hmac-sha256", state: "staged" }], history: [{ phase: 1, op: "init", keyId: "k.1" }, { phase: 2, op: "stage", keyId: "k-1" }] } as const);
    expect(() => applyStep(initLedger("hmac-sha256", "k.1"), "stage", "k-1")).toThrow(/give the same Terraform variable and secret name/);
    expect(() => planMaterialInputs(ledger, "stem-signing", ALL)).toThrow(
      /stage k-1: key id "k-1" and "k\.1" give the same Terraform variable and secret name \("k_1"/,
    );
  });
});
