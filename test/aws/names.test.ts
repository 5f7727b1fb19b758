import { materialVariableName as kubernetesVariableName } from "../../lib/kubernetes/material-inputs";
import { keySecretName, materialVariableName, planMaterialInputs, roleSecretName } from "../../lib/aws/names";
import { applyStep, initLedger } from "../../lib/core/keyring/steps";

describe("AWS names", () => {
  test("secret names nest under the prefix", () => {
    expect(keySecretName("prod/stem", "k2026.11")).toBe("prod/stem/keys/k2026.11");
    expect(roleSecretName("prod/stem", "worker")).toBe("prod/stem/roles/worker");
  });

  test("material variable names are Terraform identifiers, the same as the Kubernetes keyring's", () => {
    expect(materialVariableName("prod/stem-signing", "k2026.11-a")).toBe("prod_stem_signing_key_k2026_11_a");
    for (const [prefix, id] of [["stem-signing", "k1"], ["a/b.c", "x-y.z"], ["p", "K_9"]]) {
      expect(materialVariableName(prefix, id)).toBe(kubernetesVariableName(prefix, id));
    }
  });

  test("only the key the latest step created is a required input; retired keys have none", () => {
    const staged = applyStep(initLedger("hmac-sha256", "k1"), "stage", "k2");
    expect(planMaterialInputs(staged, "p").map((i) => [i.keyId, i.required])).toEqual([["k1", false], ["k2", true]]);
    const activated = applyStep(staged, "activate", "k2");
    expect(planMaterialInputs(activated, "p").map((i) => i.required)).toEqual([false, false]);
    const retired = applyStep(activated, "retire", "k1");
    expect(planMaterialInputs(retired, "p")).toEqual([{ keyId: "k2", variableName: "p_key_k2", envVarName: "TF_VAR_p_key_k2", required: false, fields: ["secret"] }]);
    expect(planMaterialInputs(initLedger("ed25519", "k1"), "p")[0].required).toBe(true);
  });

  test("fails when two live key ids map to the same variable", () => {
    // rotate and ledger parsing refuse such a pair (key-id.ts collapsedId); the planner still checks a hand-built ledger.
    const ledger = ({ ...initLedger("hmac-sha256", "k.1"), phase: 2, keys: [{ id: "k.1", algorithm: "hmac-sha256", state: "active" }, { id: "k-1", algorithm: "hmac-sha256", state: "staged" }], history: [{ phase: 1, op: "init", keyId: "k.1" }, { phase: 2, op: "stage", keyId: "k-1" }] } as const);
    expect(() => applyStep(initLedger("hmac-sha256", "k.1"), "stage", "k-1")).toThrow(/give the same Terraform variable and secret name/);
    expect(() => planMaterialInputs(ledger, "p")).toThrow(/key ids "k.1" and "k-1" map to the same Terraform variable p_key_k_1/);
  });
});
