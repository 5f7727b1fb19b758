import * as fs from "node:fs";
import * as path from "node:path";
import { StemConfigError, StemguardError } from "../errors";
import type { SigningAlgorithm } from "../keyring/types";
import { readEnvFile } from "../stem-env/env-file";
import { parseStemSigningEnv, redactStemMessage } from "../stem-env/parse-signing-env";
import { ed25519PublicKey } from "../ed25519";
import { HMAC_SECRET_BYTES } from "./generate";
import type { KeyMaterial } from "./types";

/** Where a key's material lives in a material directory: `<dir>/<id>.env`, as `keys generate --out` writes it. */
export function materialFile(dir: string, keyId: string): string {
  return path.join(dir, `${keyId}.env`);
}

/**
 * Reads one key's material from `<dir>/<id>.env` (Stem env lines, the output
 * of `stemguard keys generate`), checked strictly: right algorithm, HMAC
 * secret >= 32 bytes, Ed25519 seed and public key 32 bytes and matching,
 * file not readable by group or others.
 */
export function readKeyMaterial(dir: string, keyId: string, algorithm: SigningAlgorithm): KeyMaterial {
  const file = materialFile(dir, keyId);
  const generate = `stemguard keys generate --algorithm ${algorithm} --id ${keyId} --out ${file}`;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new StemguardError(`no material file for key "${keyId}"`, { field: "--material", value: file, fix: `create it with '${generate}'` });
  }
  if ((stat.mode & 0o077) !== 0) {
    throw new StemguardError(`material file is readable by group or others (mode ${(stat.mode & 0o777).toString(8)})`, {
      field: "--material",
      value: file,
      fix: `chmod 600 ${file}`,
    });
  }
  let config;
  try {
    config = parseStemSigningEnv(readEnvFile(file));
  } catch (err) {
    if (err instanceof StemConfigError) {
      throw new StemguardError(`Stem would refuse this material file: ${redactStemMessage(err.stemMessage)}`, { field: file, fix: `regenerate it with '${generate}'` });
    }
    throw err;
  }
  const wrong = (problem: string) => new StemguardError(problem, { field: file, fix: `regenerate it with '${generate}'` });
  if (config.algorithm !== algorithm) throw wrong(`holds ${config.algorithm} material, but the keyring is ${algorithm}`);
  if (algorithm === "hmac-sha256") {
    const secret = config.keys.get(keyId);
    if (!secret) throw wrong(`has no STEM_SIGNING_KEYS entry for "${keyId}"`);
    if (secret.length < HMAC_SECRET_BYTES) throw wrong(`HMAC secret of "${keyId}" is ${secret.length} bytes; stemguard requires at least ${HMAC_SECRET_BYTES}`);
    return { id: keyId, algorithm, secret };
  }
  const publicKey = config.publicKeys.get(keyId);
  if (!publicKey) throw wrong(`has no STEM_SIGNING_PUBLIC_KEYS entry for "${keyId}"`);
  if (publicKey.length !== 32) throw wrong(`Ed25519 public key of "${keyId}" is ${publicKey.length} bytes; it must be the raw 32-byte key`);
  const seed = config.privateKeys.get(keyId);
  if (seed === undefined) return { id: keyId, algorithm, publicKey };
  if (seed.length !== 32) throw wrong(`Ed25519 private key of "${keyId}" is ${seed.length} bytes; Stem needs the raw 32-byte seed`);
  if (!Buffer.from(ed25519PublicKey(seed)).equals(Buffer.from(publicKey))) {
    throw wrong(`the private key of "${keyId}" does not derive its public key`);
  }
  return { id: keyId, algorithm, seed, publicKey };
}
