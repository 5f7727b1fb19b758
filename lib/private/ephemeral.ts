import { StemguardError } from "../core/errors";
import { ITerraformDependable, TerraformElement, TerraformStack, TerraformVariable, Token, dependable, ref } from "cdktf";
import { Construct } from "constructs";

/*
 * cdktf 0.21 has no first-class ephemeral blocks (Terraform >= 1.10/1.11).
 * These helpers add them through cdktf's escape hatches. They keep every
 * reference a cdktf token: a hand-written "${ephemeral...}" string inside a
 * cdktf function would be escaped to a literal "$${...}" (docs/architecture.md, "Secret material").
 */

/** Terraform variable names: what `TF_VAR_<name>` must match. */
const TF_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export interface EphemeralVariableProps {
  /** Shown by `terraform plan` when the value is missing; say what to pass and how to produce it. */
  readonly description: string;
  /**
   * Terraform type constraint.
   *
   * @default "string"
   */
  readonly type?: string;
  /**
   * The Terraform variable name (so `TF_VAR_<name>` is predictable). Must be a
   * Terraform identifier and unique in the stack.
   *
   * @default - cdktf's logical ID for `id` (hashed, not meant to be typed)
   */
  readonly name?: string;
  /**
   * When true the variable is nullable with `default = null`, so plans and
   * applies that do not need the value run without it. When false Terraform
   * refuses to plan until the value is given.
   *
   * @default false
   */
  readonly optional?: boolean;
  /**
   * When true the variable defaults to "" and is not nullable: for inputs of
   * write-only arguments that a phase does not write (the provider demands a
   * value whenever the version argument is set; an unchanged version never
   * writes it). Excludes `optional`.
   *
   * @default false
   */
  readonly emptyDefault?: boolean;
}

/**
 * A `variable` block with `ephemeral = true` and `sensitive = true`: Terraform
 * keeps its value out of plan files and state, and may use it only in
 * write-only arguments, ephemeral blocks, locals, and provider configuration.
 */
export function ephemeralVariable(scope: Construct, id: string, props: EphemeralVariableProps): TerraformVariable {
  const variable = sensitiveVariable(scope, id, props);
  variable.addOverride("ephemeral", true);
  return variable;
}

/**
 * A `variable` block with `sensitive = true` only, for a value that must feed
 * an argument that is not write-only (ElastiCache user passwords in AWS
 * provider 5.100): plan output shows `(sensitive value)`, but plan files and
 * state hold the value. Prefer `ephemeralVariable` wherever the target is
 * write-only. Same names, optional and `emptyDefault` rules.
 */
export function sensitiveVariable(scope: Construct, id: string, props: EphemeralVariableProps): TerraformVariable {
  if (props.name !== undefined && !TF_IDENTIFIER.test(props.name)) {
    throw new StemguardError("a Terraform variable name must be an identifier: a letter or '_', then letters, digits, '_' or '-'", {
      field: `${scope.node.path}.${id}`,
      value: props.name,
      fix: "start the construct's namePrefix with a letter",
    });
  }
  const variable = new TerraformVariable(scope, id, {
    description: props.description,
    type: props.type ?? "string",
    sensitive: true,
    ...(props.optional ? { nullable: true } : {}),
  });
  if (props.name !== undefined) variable.overrideLogicalId(props.name);
  // cdktf drops `default: null` from the config; the override keeps it.
  if (props.optional) variable.addOverride("default", null);
  if (props.emptyDefault) {
    variable.addOverride("default", "");
    variable.addOverride("nullable", false);
  }
  return variable;
}

export interface EphemeralResourceProps {
  /** Provider type of the ephemeral resource, e.g. `aws_secretsmanager_secret_version`. */
  readonly type: string;
  /** Arguments in Terraform's snake_case; values may be cdktf tokens. */
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * Resources that must be applied before Terraform opens this ephemeral resource.
   *
   * @default - only the implicit dependencies of `config`'s references
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

const EPHEMERAL_RESOURCE = Symbol.for("stemguard.EphemeralResource");

/**
 * An `ephemeral "<type>" "<name>"` block. Terraform opens it during plan and
 * apply (deferring it while its inputs are unknown) and never stores its
 * result. It is a construct, so its address follows the construct tree like
 * any resource's.
 *
 * `cdktf synth --hcl` does not render ephemeral blocks; use JSON synth.
 */
export class EphemeralResource extends TerraformElement {
  public static isEphemeralResource(x: unknown): x is EphemeralResource {
    return typeof x === "object" && x !== null && EPHEMERAL_RESOURCE in x;
  }

  public readonly terraformResourceType: string;
  private readonly config: Readonly<Record<string, unknown>>;
  private readonly dependsOn: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: EphemeralResourceProps) {
    super(scope, id, `ephemeral.${props.type}`);
    Object.defineProperty(this, EPHEMERAL_RESOURCE, { value: true });
    this.terraformResourceType = props.type;
    this.config = props.config;
    this.dependsOn = props.dependsOn ?? [];
  }

  /** `ephemeral.<type>.<name>`: the block's address. */
  public get address(): string {
    return `ephemeral.${this.terraformResourceType}.${this.friendlyUniqueId}`;
  }

  /** A string token for `ephemeral.<type>.<name>.<attribute>`; usable inside `Fn.*` calls. */
  public getStringAttribute(attribute: string): string {
    return Token.asString(ref(`${this.address}.${attribute}`, TerraformStack.of(this)));
  }

  public override toTerraform(): Record<string, unknown> {
    const body: Record<string, unknown> = { ...this.config };
    if (this.dependsOn.length > 0) body.depends_on = this.dependsOn.map((d) => dependable(d));
    return { ephemeral: { [this.terraformResourceType]: { [this.friendlyUniqueId]: deepMergeOverrides(body, this.rawOverrides) } } };
  }

  public override toMetadata(): Record<string, unknown> {
    return {};
  }
}

function deepMergeOverrides(target: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(overrides)) {
    const current = out[key];
    out[key] =
      isPlainObject(current) && isPlainObject(value) ? deepMergeOverrides(current, value) : value;
  }
  return out;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
