import { Fn, type TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { ephemeralVariable } from "./ephemeral";
import { sharedStackVariable } from "./stack-claims";

/**
 * The census job's broker URL (with the read-only Redis user's password) as
 * an ephemeral, sensitive input: written only into a write-only secret
 * argument, never planned or stored. A rule checks the scheme without
 * echoing the value.
 */
export function brokerUrlVariable(scope: Construct, variableName: string, field: string): TerraformVariable {
  const shared = sharedStackVariable(scope, {
    name: variableName,
    kind: "census broker URL",
    owner: scope.node.path,
    field,
    create: (stack) =>
      ephemeralVariable(stack, variableName, {
        name: variableName,
        description:
          "The census's broker URL, rediss://<read-only user>:<password>@<host>:<port>/<db> (the user of docs/alarms.md: +@read only). Ephemeral: kept out of plan files and state.",
      }),
  });
  shared.addValidationOnce("scheme", {
    condition: Fn.can(Fn.regex("^rediss?://[^/ ]+", shared.variable.stringValue)),
    errorMessage: "The census broker URL must start with redis:// or rediss:// and name a host (value not shown).",
  });
  return shared.variable;
}

/** `<prefix with - and . as _>_broker_url`. */
export function brokerUrlVariableName(prefix: string): string {
  return `${prefix.replace(/[-./]/g, "_")}_broker_url`;
}
