import { TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { StemguardError } from "../core/errors";
import type { IRoleRef } from "./signing-keyring";

/**
 * A stable construct-ID part for a grantee: its construct path below the
 * stack, or its literal name. Part of the grant policy's Terraform address,
 * so a token name (which would change between synths) is refused.
 */
export function granteeIdPart(grantee: IRoleRef, field: string): string {
  if (Construct.isConstruct(grantee)) {
    const stack = TerraformStack.of(grantee);
    return grantee.node.scopes.slice(grantee.node.scopes.indexOf(stack) + 1).map((c) => c.node.id).join("-");
  }
  if (!Token.isUnresolved(grantee.name)) return grantee.name;
  throw new StemguardError("cannot derive a stable construct ID from a role whose name is a token", {
    field,
    value: "token",
    fix: "pass the IamRole or DataAwsIamRole construct itself, or a literal role name",
  });
}
