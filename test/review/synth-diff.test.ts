import { diffSynth, formatSynthDiff } from "../../lib/review/synth-diff";

describe("diffSynth", () => {
  const before = {
    "//": { metadata: { version: "x" } },
    resource: {
      aws_secretsmanager_secret: { k1: { name: "app/keys/k1", "//": { metadata: { path: "a" } } }, k2: { name: "app/keys/k2" } },
      aws_secretsmanager_secret_version: { role_worker: { secret_string_wo_version: 2, secret_id: "x" } },
    },
    variable: { key_k1: { ephemeral: true } },
  };

  test("lists created, deleted and updated blocks with the changed arguments, ignoring metadata", () => {
    const after = {
      resource: {
        aws_secretsmanager_secret: { k2: { name: "app/keys/k2" }, k3: { name: "app/keys/k3" }, k1_renamed: { name: "app/keys/k1" } },
        aws_secretsmanager_secret_version: { role_worker: { secret_id: "x", secret_string_wo_version: 3 } },
      },
      variable: { key_k1: { ephemeral: true }, key_k3: { ephemeral: true } },
    };
    expect(formatSynthDiff(diffSynth(before, after))).toEqual([
      "- aws_secretsmanager_secret.k1",
      "+ aws_secretsmanager_secret.k1_renamed",
      "+ aws_secretsmanager_secret.k3",
      "~ aws_secretsmanager_secret_version.role_worker (secret_string_wo_version)",
      "+ var.key_k3",
    ]);
  });

  test("reports nothing for identical stacks that differ only in metadata and key order", () => {
    const same = JSON.parse(JSON.stringify(before));
    same["//"] = { metadata: { version: "y" } };
    same.resource.aws_secretsmanager_secret_version.role_worker = { secret_id: "x", secret_string_wo_version: 2 };
    expect(diffSynth(before, same)).toEqual([]);
  });
});
