import { TerraformStack, type TerraformVariable, type TerraformVariableValidationConfig } from "cdktf";
import type { Construct } from "constructs";
import { StemguardError } from "../core/errors";

/*
 * The one rule for names inside a stack, on every platform:
 * - a material input (Terraform variable) is declared once per stack and SHARED by every construct
 *   that needs the same value (same key id and algorithm, or the same PEM file): two keyrings or
 *   bundles with one namePrefix read one TF_VAR;
 * - a platform object (a Secrets Manager secret, a Kubernetes Secret in a namespace) is created by
 *   exactly one construct: a second one with the same name would overwrite the first at apply.
 * One registry per stack holds both kinds of claim.
 */

interface VariableClaim {
  readonly owner: string;
  /** What the value is; a second claim must say exactly the same. */
  readonly kind: string;
  readonly variable: TerraformVariable;
  /** Validation rules already added, by key, so a sharer adds only the ones it needs on top. */
  readonly validations: Set<string>;
}

interface Claims {
  readonly variables: Map<string, VariableClaim>;
  readonly objects: Map<string, string>;
}

const CLAIMS = new WeakMap<TerraformStack, Claims>();

function claimsOf(scope: Construct): { stack: TerraformStack; claims: Claims } {
  const stack = TerraformStack.of(scope);
  let claims = CLAIMS.get(stack);
  if (!claims) {
    claims = { variables: new Map(), objects: new Map() };
    CLAIMS.set(stack, claims);
  }
  return { stack, claims };
}

/** A stack-level material input, possibly shared with other constructs. */
export interface SharedVariable {
  readonly variable: TerraformVariable;
  /** Adds `rule` unless a construct sharing the variable added the rule with the same key already. */
  addValidationOnce(key: string, rule: TerraformVariableValidationConfig): void;
}

export interface SharedVariableRequest {
  /** The Terraform variable name (also its construct ID at stack level). */
  readonly name: string;
  /** What the value is, e.g. `signing key "k1" (hmac-sha256), required`; sharers must agree on it exactly. */
  readonly kind: string;
  /** The claiming construct, for messages: its path. */
  readonly owner: string;
  /** The prop that named the variable, for the error's `field`. */
  readonly field: string;
  /** Makes the variable at stack level; called only by the first claimer. */
  readonly create: (stack: TerraformStack) => TerraformVariable;
}

/**
 * The stack's variable `name`: created by the first construct that asks, and
 * shared with every later one that asks for the same `kind`. A claim of
 * another kind (an Ed25519 key where an HMAC key has the name, a server key
 * where a client key has it, a required input where an optional one has it)
 * is refused with both owners named.
 */
export function sharedStackVariable(scope: Construct, request: SharedVariableRequest): SharedVariable {
  const { stack, claims } = claimsOf(scope);
  let claim = claims.variables.get(request.name);
  if (claim === undefined) {
    if (stack.node.tryFindChild(request.name) !== undefined) {
      throw new StemguardError(`Terraform variable ${request.name} is already declared in this stack by something else`, {
        field: request.field,
        value: request.name,
        fix: "choose another namePrefix, or rename the other construct",
      });
    }
    claim = { owner: request.owner, kind: request.kind, variable: request.create(stack), validations: new Set() };
    claims.variables.set(request.name, claim);
  } else if (claim.kind !== request.kind) {
    throw new StemguardError(`Terraform variable ${request.name} is already declared by ${claim.owner} for ${claim.kind}, not for ${request.kind}`, {
      field: request.field,
      value: request.name,
      fix: "give this construct a namePrefix of its own; constructs share an input only when it carries the same material",
    });
  }
  const shared = claim;
  return {
    variable: shared.variable,
    addValidationOnce(key, rule) {
      if (shared.validations.has(key)) return;
      shared.validations.add(key);
      shared.variable.addValidation(rule);
    },
  };
}

/**
 * Records that `owner` creates the platform object `name` (a secret name, or
 * `namespace/name` of a Kubernetes Secret) and refuses a second creator in the
 * same stack: the two would overwrite each other at apply.
 */
export function claimObjectName(scope: Construct, name: string, owner: string, field: string, value: unknown): void {
  const { claims } = claimsOf(scope);
  const previous = claims.objects.get(name);
  if (previous !== undefined) {
    throw new StemguardError(`${name} is already created by ${previous}; two constructs writing one object would overwrite each other`, {
      field,
      value,
      fix: "give each construct its own namePrefix (constructs with one prefix share material inputs, never the objects they write)",
    });
  }
  claims.objects.set(name, owner);
}
