import { DataResource, type App } from "cdktf";
import type { IConstruct } from "constructs";
import { StemguardError } from "../core/errors";

/**
 * Validates every construct, then synthesizes an app created with
 * `skipValidation`. Unlike `app.synth()` it needs no Terraform on PATH: it
 * skips cdktf's one validation of `terraform_data` (the AWS Redis's stored
 * password copies), which runs `terraform version` once per resource to check
 * for >= 1.4 (applying needs >= 1.11 anyway).
 */
export function validateThenSynth(app: App, what: string): void {
  const problems = app.node
    .findAll()
    .filter((c: IConstruct) => !(c instanceof DataResource))
    .flatMap((c) => c.node.validate().map((message) => `[${c.node.path}] ${message}`));
  if (problems.length > 0) {
    throw new StemguardError(`${what} does not validate:\n  ${problems.join("\n  ")}`, { field: what, fix: `report this: ${what} validates in the tests` });
  }
  app.synth();
}
