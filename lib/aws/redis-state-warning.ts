import { Annotations, TerraformBackend, TerraformStack, type IAspect } from "cdktf";
import type { IConstruct } from "constructs";

/** Backends that keep state encrypted at rest by themselves. */
const ENCRYPTED_BACKENDS = new Set(["remote", "cloud", "gcs", "azurerm"]);

/**
 * Warns at synth when the stack's state backend is not encrypted remote
 * state: the ElastiCache passwords are in state (AWS provider 5.100 has no
 * write-only password argument).
 */
export class StateBackendWarning implements IAspect {
  private warned = false;

  constructor(
    private readonly owner: IConstruct,
    private readonly holdsPasswords: boolean,
  ) {}

  public visit(node: IConstruct): void {
    if (node !== this.owner || this.warned) return;
    this.warned = true;
    const problem = stateBackendProblem(TerraformStack.of(this.owner));
    if (!problem) return;
    const holds = this.holdsPasswords ? "holds the Redis passwords in plain text" : "will hold the Redis passwords in plain text from the first password step";
    Annotations.of(this.owner).addWarning(
      `stemguard: the Terraform state of this stack ${holds} (ElastiCache users have no write-only password argument in AWS provider 5.100), but ${problem}. ` +
        "Use an encrypted, access-controlled remote backend, e.g. new S3Backend(stack, { bucket, key, region, encrypt: true }) (plus use_lockfile through addOverride).",
    );
  }
}

/** Why the stack's backend is not encrypted remote state, or undefined when it is. */
export function stateBackendProblem(stack: TerraformStack): string | undefined {
  const backend = stack.node.children.find((c): c is TerraformBackend => TerraformBackend.isBackend(c));
  if (!backend) return "the stack has no backend (cdktf's default is the local backend: a terraform.tfstate file)";
  const config = (backend.toTerraform() as { terraform?: { backend?: Record<string, Record<string, unknown>> }; terraform_cloud?: unknown }).terraform?.backend ?? {};
  const [type, settings] = Object.entries(config)[0] ?? ["cloud", {}];
  if (type === "s3") return settings.encrypt === true ? undefined : "its S3 backend does not set encrypt = true";
  if (ENCRYPTED_BACKENDS.has(type)) return undefined;
  return type === "local" ? "its backend is local (a terraform.tfstate file)" : `stemguard cannot tell whether its ${type} backend encrypts state`;
}
