import fc from "fast-check";
import type { LedgerKey, StepOp } from "../../../lib/core/keyring/types";

/**
 * An independent reference of the rotation rules (design.md), written
 * separately from lib/core so the property tests compare two implementations.
 */
export function isLegal(keys: readonly LedgerKey[], op: StepOp, id: string): boolean {
  const key = keys.find((k) => k.id === id);
  const has = (state: LedgerKey["state"]) => keys.some((k) => k.state === state);
  if (!/^[A-Za-z0-9._-]+$/.test(id)) return false;
  switch (op) {
    case "init":
      return keys.length === 0;
    case "stage":
      return keys.length > 0 && !key && !has("staged");
    case "activate":
      return key?.state === "staged" && !has("retiring");
    case "retire":
      return key?.state === "retiring" || key?.state === "staged";
    case "enforce":
      return false; // the walks use ledgers whose workers verify from init on
  }
}

/** The legal steps from a set of keys, with `fresh` as the id a stage would use. */
export function legalMoves(keys: readonly LedgerKey[], fresh: string): { op: StepOp; id: string }[] {
  const moves: { op: StepOp; id: string }[] = [];
  if (isLegal(keys, "stage", fresh)) moves.push({ op: "stage", id: fresh });
  for (const k of keys) {
    if (isLegal(keys, "activate", k.id)) moves.push({ op: "activate", id: k.id });
    if (isLegal(keys, "retire", k.id)) moves.push({ op: "retire", id: k.id });
  }
  return moves;
}

/** Choices that drive a random walk over legal steps (each number picks one move). */
export const walkArb = fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 14 });
