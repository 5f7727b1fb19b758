import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { Fn, TerraformStack, Testing } from "cdktf";
import { EphemeralResource, ephemeralVariable } from "../../lib/private/ephemeral";

function stack() {
  const s = new TerraformStack(Testing.app(), "test");
  new AwsProvider(s, "aws", { region: "eu-west-1" });
  return s;
}

describe("ephemeralVariable", () => {
  test("declares an ephemeral, sensitive string variable under the given name", () => {
    const s = stack();
    const v = ephemeralVariable(s, "Material", { description: "the key", name: "stem_key_k1" });
    new SecretsmanagerSecret(s, "S", { name: "x", description: v.stringValue });
    const json = JSON.parse(Testing.synth(s));
    expect(json.variable).toEqual({ stem_key_k1: { description: "the key", type: "string", sensitive: true, ephemeral: true } });
    expect(json.resource.aws_secretsmanager_secret.S.description).toBe("${var.stem_key_k1}");
  });

  test("optional variables are nullable with default null; type is configurable", () => {
    const s = stack();
    ephemeralVariable(s, "V", { description: "d", type: "map(string)", optional: true });
    const [[name, body]] = Object.entries(JSON.parse(Testing.synth(s)).variable as Record<string, unknown>);
    expect(name).toMatch(/^V$/);
    expect(body).toEqual({ description: "d", type: "map(string)", sensitive: true, ephemeral: true, nullable: true, default: null });
  });

  test("fails on a name Terraform would not accept", () => {
    expect(() => ephemeralVariable(stack(), "V", { description: "d", name: "stem.key" })).toThrow(/test\.V: a Terraform variable name must be an identifier.*\(got "stem.key"\)\. Fix: start/);
  });
});

describe("EphemeralResource", () => {
  test("renders an ephemeral block whose references are tokens usable inside Fn calls", () => {
    const s = stack();
    const secret = new SecretsmanagerSecret(s, "S", { name: "x" });
    const read = new EphemeralResource(s, "Read", {
      type: "aws_secretsmanager_secret_version",
      config: { secret_id: secret.id },
      dependsOn: [secret],
    });
    new SecretsmanagerSecret(s, "T", { name: "y", description: Fn.lookup(Fn.jsondecode(read.getStringAttribute("secret_string")), "secret") });
    const json = JSON.parse(Testing.synth(s));
    expect(json.ephemeral).toEqual({
      aws_secretsmanager_secret_version: { Read: { secret_id: "${aws_secretsmanager_secret.S.id}", depends_on: ["aws_secretsmanager_secret.S"] } },
    });
    expect(json.resource.aws_secretsmanager_secret.T.description).toBe("${jsondecode(ephemeral.aws_secretsmanager_secret_version.Read.secret_string).secret}");
    expect(read.address).toBe("ephemeral.aws_secretsmanager_secret_version.Read");
    expect(EphemeralResource.isEphemeralResource(read)).toBe(true);
    expect(EphemeralResource.isEphemeralResource(secret)).toBe(false);
  });

  test("applies overrides to the block", () => {
    const s = stack();
    const read = new EphemeralResource(s, "Read", { type: "aws_ssm_parameter", config: { arn: "a" } });
    read.addOverride("with_decryption", true);
    expect(JSON.parse(Testing.synth(s)).ephemeral.aws_ssm_parameter.Read).toEqual({ arn: "a", with_decryption: true });
  });
});
