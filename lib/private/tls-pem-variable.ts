import { Fn, Op, type TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { ephemeralVariable } from "./ephemeral";
import { sharedStackVariable } from "./stack-claims";
import { TLS_PEM_FILES as FILES, tlsPemVariableName, type TlsPemFile } from "./tls-pem-names";

export { tlsPemVariableName, tlsVariablePrefix, type TlsPemFile } from "./tls-pem-names";

/** A declared PEM input: names plus the Terraform variable. */
export interface TlsPemInput {
  readonly file: TlsPemFile;
  /** The Terraform variable name. */
  readonly variableName: string;
  /** `TF_VAR_<variableName>`: set it to the file's content (`TF_VAR_x="$(cat server.key)"`). */
  readonly envVarName: string;
  /**
   * True in the phase that writes this file (see resolveTlsWrites): Terraform
   * then refuses to plan without it. Otherwise it defaults to "" and the
   * object holding the file is not rewritten, so leave it unset.
   */
  readonly required: boolean;
  /** The ephemeral, sensitive input variable. */
  readonly variable: TerraformVariable;
}

/**
 * An ephemeral, sensitive input for one PEM file, declared at stack
 * level and shared with any other TLS construct in the stack that needs the
 * same file under the same prefix (lib/private/stack-claims.ts). A validation
 * rule checks the PEM armour without echoing the value, so a wrong file (a key
 * where a certificate belongs) fails `terraform plan` instead of a TLS handshake.
 */
export function tlsPemVariable(scope: Construct, prefix: string, file: TlsPemFile, owner: string, field: string, required = true): TlsPemInput {
  const spec = FILES[file];
  const variableName = tlsPemVariableName(prefix, file);
  const shared = sharedStackVariable(scope, {
    name: variableName,
    kind: `the TLS ${spec.what} (${required ? "required" : "optional"})`,
    owner: scope.node.path,
    field,
    create: (stack) => {
      const variable = ephemeralVariable(stack, variableName, {
        name: variableName,
        description:
          `${owner}: ${spec.what}, the content of ${spec.source}. ` +
          (required ? "Required in this phase: it is written now." : "Needed only where the TLS objects do not exist yet (a new environment); leave unset otherwise.") +
          " Ephemeral: kept out of plan files and state.",
        // "" rather than null: write-only arguments are evaluated whenever planned; an unchanged revision never writes it.
        emptyDefault: !required,
      });
      return variable;
    },
  });
  const check = Fn.can(Fn.regex(spec.key ? "-----BEGIN (RSA |EC )?PRIVATE KEY-----" : "-----BEGIN CERTIFICATE-----", shared.variable.stringValue));
  shared.addValidationOnce("pem", {
    condition: required ? check : Op.or(Op.lt(Fn.lengthOf(shared.variable.stringValue), 1), check),
    errorMessage: `${owner}: the value must be the PEM text of the ${spec.what} (value not shown).`,
  });
  return { file, variableName, envVarName: `TF_VAR_${variableName}`, required, variable: shared.variable };
}
