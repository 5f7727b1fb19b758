import { currentState } from "../keyring/steps";
import type { SigningLedger } from "../keyring/types";
import type { RotationContext } from "./types";

/** The rotation the ledger is in: its phase and its staged and retiring keys. */
export function rotationContext(ledger: SigningLedger): RotationContext {
  const keys = currentState(ledger).keys;
  return {
    phase: ledger.phase,
    activeKeyId: keys.find((k) => k.state === "active")?.id ?? "",
    stagedKeyIds: keys.filter((k) => k.state === "staged").map((k) => k.id),
    retiringKeyIds: keys.filter((k) => k.state === "retiring").map((k) => k.id),
  };
}

/** True while a key is staged or retiring: the signature alarm is tightened. */
export function rotationInFlight(rotation: RotationContext | undefined): rotation is RotationContext {
  return rotation !== undefined && (rotation.stagedKeyIds.length > 0 || rotation.retiringKeyIds.length > 0);
}

/** "phase 3: k2 staged; k1 retiring (active k3)" */
export function describeRotation(rotation: RotationContext): string {
  const parts = [
    ...(rotation.stagedKeyIds.length > 0 ? [`${rotation.stagedKeyIds.join(", ")} staged`] : []),
    ...(rotation.retiringKeyIds.length > 0 ? [`${rotation.retiringKeyIds.join(", ")} retiring`] : []),
  ];
  return `rotation phase ${rotation.phase}: ${parts.join("; ")} (active ${rotation.activeKeyId})`;
}
