import { Fn, TerraformStack, type TerraformVariable } from "cdktf";
import { StemguardError } from "../core/errors";
import type { Construct } from "constructs";
import { ephemeralVariable } from "./ephemeral";

/** One PEM file of a TLS bundle that reaches Terraform as an ephemeral input. */
export type TlsPemFile = "caBundle" | "serverCert" | "serverKey" | "clientCert" | "clientKey";

/** What each file holds, for descriptions and the shape check. */
const FILES: Readonly<Record<TlsPemFile, { readonly suffix: string; readonly what: string; readonly source: string; readonly key: boolean }>> = {
  caBundle: { suffix: "ca_bundle", what: "trusted CA bundle (PEM, one or more certificates)", source: "tls/trust-bundle.crt or ca.crt", key: false },
  serverCert: { suffix: "server_cert", what: "server certificate chain (PEM)", source: "server.crt", key: false },
  serverKey: { suffix: "server_key", what: "server private key (PEM)", source: "server.key", key: true },
  clientCert: { suffix: "client_cert", what: "client certificate chain (PEM)", source: "client.crt", key: false },
  clientKey: { suffix: "client_key", what: "client private key (PEM)", source: "client.key", key: true },
};

/** A declared PEM input: names plus the Terraform variable. */
export interface TlsPemInput {
  readonly file: TlsPemFile;
  /** The Terraform variable name. */
  readonly variableName: string;
  /** `TF_VAR_<variableName>`: set it to the file's content (`TF_VAR_x="$(cat server.key)"`). */
  readonly envVarName: string;
  /** The ephemeral, sensitive input variable. */
  readonly variable: TerraformVariable;
}

/** `<prefix>_<file suffix>`, e.g. `stem_tls_client_key`. */
export function tlsPemVariableName(prefix: string, file: TlsPemFile): string {
  return `${prefix}_${FILES[file].suffix}`;
}

/**
 * An ephemeral, sensitive, required input for one PEM file. A validation rule
 * checks the PEM armour without echoing the value, so a wrong file (a key where
 * a certificate belongs) fails `terraform plan` instead of a TLS handshake.
 */
export function tlsPemVariable(scope: Construct, prefix: string, file: TlsPemFile, owner: string): TlsPemInput {
  const spec = FILES[file];
  const variableName = tlsPemVariableName(prefix, file);
  claim(scope, variableName, owner);
  const variable = ephemeralVariable(scope, variableName, {
    name: variableName,
    description: `${owner}: ${spec.what}, the content of ${spec.source}. Ephemeral: kept out of plan files and state.`,
  });
  variable.addValidation({
    condition: Fn.can(Fn.regex(spec.key ? "-----BEGIN (RSA |EC )?PRIVATE KEY-----" : "-----BEGIN CERTIFICATE-----", variable.stringValue)),
    errorMessage: `${owner}: the value must be the PEM text of the ${spec.what} (value not shown).`,
  });
  return { file, variableName, envVarName: `TF_VAR_${variableName}`, variable };
}

/** Terraform identifier from a Kubernetes/Secrets Manager style name: `stem-tls` -> `stem_tls`. */
export function tlsVariablePrefix(name: string): string {
  const out = name.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[A-Za-z_]/.test(out) ? out : `_${out}`;
}

/** Variable names per stack: two bundles with one prefix would silently share (and overwrite) inputs. */
const CLAIMED = new WeakMap<TerraformStack, Map<string, string>>();

function claim(scope: Construct, variableName: string, owner: string): void {
  const stack = TerraformStack.of(scope);
  const claimed = CLAIMED.get(stack) ?? new Map<string, string>();
  CLAIMED.set(stack, claimed);
  const previous = claimed.get(variableName);
  if (previous !== undefined) {
    throw new StemguardError(`Terraform variable ${variableName} is already declared by ${previous}`, {
      field: `${owner} props.namePrefix`,
      value: variableName,
      fix: "give each TLS bundle construct in a stack its own namePrefix",
    });
  }
  claimed.set(variableName, owner);
}
