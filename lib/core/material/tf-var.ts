import { collapsedId } from "../keyring/key-id";
import { materialSecretJson } from "./encode";
import type { KeyMaterial } from "./types";

/**
 * The Terraform variable that carries a key's material document (see
 * materialSecretJson): `<namePrefix>_key_<id>` with every character outside
 * `[A-Za-z0-9_]` turned into `_` (Terraform identifiers and shell variable
 * names allow no `-`, `.` or `/`): `stem-signing` + `k2026.11` ->
 * `stem_signing_key_k2026_11`. The AWS and Kubernetes keyrings use this one
 * rule, so one `stemguard keys generate --format tf-var` output serves both;
 * the ledger refuses two ids with the same collapsed form (collapsedId).
 */
export function materialVariableName(namePrefix: string, keyId: string): string {
  return `${namePrefix.replace(/[^A-Za-z0-9_]/g, "_")}_key_${collapsedId(keyId)}`;
}

/**
 * A shell line that hands a key's material to `terraform plan/apply` as an
 * ephemeral input: `export TF_VAR_<name>='<document>'`. The document is JSON of
 * base64 strings, so it never contains a single quote. Contains material.
 */
export function materialTfVarLine(namePrefix: string, material: KeyMaterial): string {
  return `export TF_VAR_${materialVariableName(namePrefix, material.id)}='${materialSecretJson(material)}'`;
}
