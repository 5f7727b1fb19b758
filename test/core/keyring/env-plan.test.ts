import { planFingerprint, planRoleEnv, resolveRoleEnv, roleEnvRevision } from "../../../lib/core/keyring/env-plan";
import { applyStep, initLedger } from "../../../lib/core/keyring/steps";
import type { SigningLedger } from "../../../lib/core/keyring/types";

const fake = (ref: { keyId: string; field: string }) => `<${ref.keyId}.${ref.field}>`;

function rotation(algorithm: SigningLedger["algorithm"], verifyOnlyWorkers = false): SigningLedger[] {
  const l1 = initLedger(algorithm, "k1", { verifyOnlyWorkers });
  const l2 = applyStep(l1, "stage", "k2");
  const l3 = applyStep(l2, "activate", "k2");
  const l4 = applyStep(l3, "retire", "k1");
  return [l1, l2, l3, l4];
}

describe("role env plans", () => {
  test("HMAC: every role trusts staged, active and retiring keys in ledger order and signs with the active key", () => {
    const [, staged, activated, retired] = rotation("hmac-sha256");
    for (const role of ["producer", "worker", "beat"] as const) {
      expect(resolveRoleEnv(planRoleEnv(staged, role), fake)).toEqual({
        STEM_SIGNING_ALGORITHM: "hmac-sha256",
        STEM_SIGNING_KEYS: "k1:<k1.secret>,k2:<k2.secret>",
        STEM_SIGNING_ACTIVE_KEY: "k1",
      });
      expect(resolveRoleEnv(planRoleEnv(activated, role), fake).STEM_SIGNING_ACTIVE_KEY).toBe("k2");
      expect(resolveRoleEnv(planRoleEnv(retired, role), fake).STEM_SIGNING_KEYS).toBe("k2:<k2.secret>");
    }
  });

  test("Ed25519: signers get only the active private key; verify-only workers get none", () => {
    const [, staged] = rotation("ed25519");
    expect(resolveRoleEnv(planRoleEnv(staged, "worker"), fake)).toEqual({
      STEM_SIGNING_ALGORITHM: "ed25519",
      STEM_SIGNING_PUBLIC_KEYS: "k1:<k1.publicKey>,k2:<k2.publicKey>",
      STEM_SIGNING_PRIVATE_KEYS: "k1:<k1.seed>",
      STEM_SIGNING_ACTIVE_KEY: "k1",
    });
    const [, verifyOnly] = rotation("ed25519", true);
    expect(resolveRoleEnv(planRoleEnv(verifyOnly, "worker"), fake)).toEqual({
      STEM_SIGNING_ALGORITHM: "ed25519",
      STEM_SIGNING_PUBLIC_KEYS: "k1:<k1.publicKey>,k2:<k2.publicKey>",
    });
    expect(planRoleEnv(verifyOnly, "producer").materialRefs).toEqual([
      { keyId: "k1", field: "publicKey" },
      { keyId: "k2", field: "publicKey" },
      { keyId: "k1", field: "seed" },
    ]);
  });

  test("the revision is the latest phase that changed the role's env", () => {
    const [l1, l2, l3, l4] = rotation("hmac-sha256");
    expect([l1, l2, l3, l4].map((l) => roleEnvRevision(l, "worker"))).toEqual([1, 2, 3, 4]);
    // A second stage/activate pair: each step changes the env, so the revision follows the phase.
    const l5 = applyStep(l4, "stage", "k3");
    expect(roleEnvRevision(l5, "producer")).toBe(5);
  });

  test("the fingerprint holds no material and differs when the env differs", () => {
    const [l1, l2] = rotation("ed25519");
    const a = planFingerprint(planRoleEnv(l1, "worker"));
    const b = planFingerprint(planRoleEnv(l2, "worker"));
    expect(a).not.toBe(b);
    expect(a).toBe(
      "STEM_SIGNING_ALGORITHM=ed25519\nSTEM_SIGNING_PUBLIC_KEYS=k1:<k1.publicKey>\nSTEM_SIGNING_PRIVATE_KEYS=k1:<k1.seed>\nSTEM_SIGNING_ACTIVE_KEY=k1",
    );
  });

  test("producersFirst: workers get signing off until enforce, producers and beat sign from init", () => {
    const l1 = initLedger("ed25519", "k1", { producersFirst: true });
    expect(resolveRoleEnv(planRoleEnv(l1, "worker"), fake)).toEqual({ STEM_SIGNING_ALGORITHM: "ed25519" });
    expect(resolveRoleEnv(planRoleEnv(l1, "producer"), fake).STEM_SIGNING_ACTIVE_KEY).toBe("k1");
    const l2 = applyStep(l1, "enforce", "k1");
    expect(resolveRoleEnv(planRoleEnv(l2, "worker"), fake)).toEqual({
      STEM_SIGNING_ALGORITHM: "ed25519",
      STEM_SIGNING_PUBLIC_KEYS: "k1:<k1.publicKey>",
      STEM_SIGNING_PRIVATE_KEYS: "k1:<k1.seed>",
      STEM_SIGNING_ACTIVE_KEY: "k1",
    });
    // enforce changes only the workers' env: producers and beat keep their revision.
    expect([roleEnvRevision(l2, "worker"), roleEnvRevision(l2, "producer"), roleEnvRevision(l2, "beat")]).toEqual([2, 1, 1]);
    expect(() => applyStep(l2, "enforce", "k1")).toThrow(/enforce k1: workers already verify signatures/);
    expect(() => applyStep(l1, "enforce", "k9")).toThrow(/enforce names the active key \("k1"\)/);
    expect(() => applyStep(initLedger("ed25519", "k1"), "enforce", "k1")).toThrow(/workers already verify/);
  });

  test("the revision stays when a step does not change the role: verify-only workers at activate", () => {
    const [, staged, activated] = rotation("ed25519", true);
    expect(roleEnvRevision(staged, "worker")).toBe(2);
    expect(roleEnvRevision(activated, "worker")).toBe(2); // public keys unchanged, no private keys
    expect(roleEnvRevision(activated, "producer")).toBe(3);
  });
});
