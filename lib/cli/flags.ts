import { StemguardError } from "../core/errors";
import { ROLES, SIGNING_ALGORITHMS, type Role, type SigningAlgorithm } from "../core/keyring/types";

/** Commander argument parser for `--algorithm`: one place for the check and its message. */
export function parseAlgorithmFlag(value: string): SigningAlgorithm {
  if (!SIGNING_ALGORITHMS.includes(value as SigningAlgorithm)) {
    throw new StemguardError(`unsupported algorithm; use ${SIGNING_ALGORITHMS.join(" or ")} (lowercase)`, {
      field: "--algorithm",
      value,
      fix: "pass --algorithm hmac-sha256 or --algorithm ed25519",
    });
  }
  return value as SigningAlgorithm;
}

/** Commander argument parser for `--role`. */
export function parseRoleFlag(value: string): Role {
  if (!ROLES.includes(value as Role)) {
    throw new StemguardError(`unknown role; use ${ROLES.join(", ")}`, { field: "--role", value, fix: "pass --role producer, --role worker or --role beat" });
  }
  return value as Role;
}

export const ALGORITHM_FLAG_HELP = `signing algorithm: ${SIGNING_ALGORITHMS.join(" | ")}`;
