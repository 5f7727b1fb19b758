import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { StemguardError } from "../errors";
import { writeFileAtomic } from "../fs/atomic-write";
import { READ_CAPS } from "../fs/limits";
import { readRegularTextFile } from "../fs/read-regular-file";
import { redacted } from "../redact/redact";

/**
 * Characters Stem sends verbatim in a URL's user info: it does no
 * percent-decoding and splits on ':' (docs/stem-compat.md §4.2), so nothing
 * else may appear in a password.
 */
export const REDIS_PASSWORD_PATTERN = /^[A-Za-z0-9._~-]+$/;
/** Shortest password stemguard accepts. */
export const MIN_REDIS_PASSWORD_LENGTH = 32;
/** Longest: ElastiCache RBAC passwords take at most 128 characters. */
export const MAX_REDIS_PASSWORD_LENGTH = 128;

/** A new password: 32 random bytes as unpadded base64url (43 characters of [A-Za-z0-9_-]). */
export function generateRedisPassword(): string {
  return randomBytes(32).toString("base64url");
}

/** Refuses a password Stem cannot send or stemguard considers weak; the value is never echoed. */
export function assertRedisPassword(password: string, field: string): void {
  const fix = "generate one with 'stemguard redis password generate --id <id> --out <file>'";
  if (!REDIS_PASSWORD_PATTERN.test(password)) {
    throw new StemguardError("a Redis password may hold only [A-Za-z0-9._~-]: Stem puts it into the URL verbatim and splits on ':' (no percent-decoding)", { field, value: redacted(password), fix });
  }
  if (password.length < MIN_REDIS_PASSWORD_LENGTH || password.length > MAX_REDIS_PASSWORD_LENGTH) {
    throw new StemguardError(`a Redis password must be ${MIN_REDIS_PASSWORD_LENGTH} to ${MAX_REDIS_PASSWORD_LENGTH} characters`, { field, value: redacted(password), fix });
  }
}

/** The ACL form of a password: lowercase hex SHA-256 (Redis refuses to start on upper case). */
export function redisPasswordHash(password: string): string {
  return createHash("sha256").update(password, "utf8").digest("hex");
}

/** Where a password lives in a material directory: `<dir>/<id>.password`, as `redis password generate --out` writes it. */
export function redisPasswordFile(dir: string, passwordId: string): string {
  return path.join(dir, `${passwordId}.password`);
}

/** The text of a password file: the password and a newline. */
export function redisPasswordFileText(password: string): string {
  return `${password}\n`;
}

/** Writes a password file atomically, mode 0600, never over an existing file. */
export function writeRedisPasswordFile(file: string, password: string, field = "--out"): void {
  assertRedisPassword(password, field);
  writeFileAtomic(file, redisPasswordFileText(password), { mode: 0o600, overwrite: false, field });
}

/** Reads `<dir>/<id>.password`: a regular file, not readable by group or others, holding one valid password. */
export function readRedisPassword(dir: string, passwordId: string, field = "--material"): string {
  const file = redisPasswordFile(dir, passwordId);
  return readRedisPasswordFile(file, field, `stemguard redis password generate --id ${passwordId} --out ${file}`);
}

/**
 * Reads one password file (as 'stemguard redis password generate' writes it):
 * a regular file, mode 0600 or stricter, one password and an optional newline.
 *
 * @throws StemguardError naming `field` and the file (never the content)
 */
export function readRedisPasswordFile(file: string, field: string, generate = `stemguard redis password generate --id <id> --out ${file}`): string {
  const text = readRegularTextFile(file, { field, maxBytes: READ_CAPS.envFile, what: "password file", missingFix: `create it with '${generate}'` });
  const mode = fs.statSync(file).mode;
  if ((mode & 0o077) !== 0) {
    throw new StemguardError(`password file is readable by group or others (mode ${(mode & 0o777).toString(8)})`, { field, value: file, fix: `chmod 600 ${file}` });
  }
  const password = text.replace(/\r?\n$/, "");
  assertRedisPassword(password, file);
  return password;
}
