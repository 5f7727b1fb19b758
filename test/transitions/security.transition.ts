// Real `terraform validate` (offline, the AWS provider mirror) of the AWS StemSecurity: the
// docs/security.md example (every part: keyring, ElastiCache Redis, census, scan, alarms, and
// the services bound to it) as the root module, and a composition with a Redis of your own
// CA (TLS bundles, no ElastiCache) as a child module, so one init and one validate check both.
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { StemSecurity } from "../../lib/aws";
import { AwsSecurityExample } from "../../examples/security/aws";
import { ledgerDir } from "../support/security-ledgers";
import { composeModules, describeWithTerraform, TerraformWorkdir, type RunResult } from "../support/terraform";

describeWithTerraform("AWS StemSecurity with real terraform", (tooling) => {
  let work: TerraformWorkdir;
  let runs: { init: RunResult; validate: RunResult };
  beforeAll(async () => {
    const dir = ledgerDir();
    try {
      const host = JSON.parse(Testing.synth(new AwsSecurityExample(Testing.app(), "orders", dir.dir))) as Record<string, unknown>;
      const child = new TerraformStack(Testing.app(), "own-ca");
      new AwsProvider(child, "aws", { region: "eu-west-1" });
      const security = new StemSecurity(child, "Security", {
        workloads: [{ name: "worker", role: "worker", image: "registry.example.com/orders:1" }],
        namePrefix: "ownca",
        ledgerDir: dir.dir,
        tls: {},
        redis: false,
        census: false,
        scan: false,
        alarms: false,
      });
      security.bind({ name: "worker", image: "registry.example.com/orders:1" }, "worker");
      const composed = composeModules([{ name: "own_ca", stackJson: JSON.parse(Testing.synth(child)) as Record<string, unknown>, inputs: {} }], { host });
      work = TerraformWorkdir.create(tooling, "stemguard-security-");
      for (const [file, content] of Object.entries(composed.files)) work.write(file, content);
    } finally {
      dir.remove();
    }
    const init = await work.init();
    const validate = await work.validate();
    runs = { init, validate };
  }, 240_000);
  afterAll(() => (process.env.STEMGUARD_KEEP_TF_DIRS ? console.warn(`kept ${work.dir}`) : work?.dispose()));

  test("terraform validate: both compositions are valid configuration", () => {
    expect(runs.init.exitCode).toBe(0);
    expect(runs.validate.stderr).toBe("");
    expect(runs.validate.stdout).toContain("The configuration is valid");
  });
});
