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

/** A TCP port flag (`--port`, `--tls-port`, `--redis-port`, ...): a whole number from 1 to 65535. */
export function parsePortFlag(value: string, field: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > 65535) throw new StemguardError("a port is a whole number from 1 to 65535", { field, value, fix: "e.g. 6379 (plain) and 6380 (TLS)" });
  return Number(value);
}

export const ALGORITHM_FLAG_HELP = `signing algorithm: ${SIGNING_ALGORITHMS.join(" | ")}`;
