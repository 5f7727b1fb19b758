import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../lib/cli/main";
import { generateTlsBundle } from "../../lib/core/tls/generate";
import type { TlsBundle } from "../../lib/core/tls/types";
import { writeTlsBundle } from "../../lib/core/tls/write-bundle";
import { fakeIo } from "../support/fake-io";

const run = async (cwd: string, ...argv: string[]) => {
  const io = fakeIo(cwd);
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
};

/** `export NAME='value'` lines back into a map, as the shell's eval would. */
function parseExports(out: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const match of out.matchAll(/^export (TF_VAR_\w+)='([^']*)'$/gm)) vars[match[1]] = match[2];
  return vars;
}

let bundle: TlsBundle;
let dir: string;
beforeAll(async () => {
  bundle = await generateTlsBundle({ sans: "redis.internal", keySize: 2048, days: 30 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-tls-tf-vars-"));
  writeTlsBundle(path.join(dir, "certs"), bundle);
});

describe("stemguard tls tf-vars", () => {
  test("prints one export per input, named as both StemTlsBundles name their variables, with the files' PEM text", async () => {
    const { code, out, err } = await run(dir, "tls", "tf-vars", "certs");
    expect(code).toBe(0);
    expect(err).toBe("");
    const vars = parseExports(out);
    expect(Object.keys(vars)).toEqual(["TF_VAR_stem_tls_ca_bundle", "TF_VAR_stem_tls_server_cert", "TF_VAR_stem_tls_server_key", "TF_VAR_stem_tls_client_cert", "TF_VAR_stem_tls_client_key"]);
    expect(out.trimEnd().split("\n").filter((l) => l.startsWith("export "))).toHaveLength(5);
    expect(vars.TF_VAR_stem_tls_ca_bundle).toBe(bundle.caCertPem.trim());
    expect(vars.TF_VAR_stem_tls_client_key).toBe(bundle.clientKeyPem.trim());
    expect(vars.TF_VAR_stem_tls_server_key).toBe(bundle.serverKeyPem.trim());
  });

  test("--kinds client and --name-prefix give the AWS bundle's inputs; --ca takes a trust bundle from elsewhere", async () => {
    const trust = path.join(dir, "trust-bundle.crt");
    fs.writeFileSync(trust, `${bundle.caCertPem.trim()}\n${bundle.caCertPem.trim()}\n`);
    const { code, out } = await run(dir, "tls", "tf-vars", "certs", "--name-prefix", "prod/stem/tls", "--kinds", "client", "--ca", "trust-bundle.crt");
    expect(code).toBe(0);
    const vars = parseExports(out);
    expect(Object.keys(vars)).toEqual(["TF_VAR_prod_stem_tls_ca_bundle", "TF_VAR_prod_stem_tls_client_cert", "TF_VAR_prod_stem_tls_client_key"]);
    expect(vars.TF_VAR_prod_stem_tls_ca_bundle.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  test.each([
    [["--name-prefix", "2024/stem"], /--name-prefix: --name-prefix must start with a letter.*\(got "2024\/stem"\)/],
    [["--kinds", "client,client"], /--kinds: --kinds is a comma list.*Fix: use --kinds server,client, or --kinds client for AWS/],
    [["--kinds", "redis"], /--kinds is a comma list/],
    [["--ca", "missing.crt"], /--ca: cannot read the trusted CA bundle.*: no such file/],
  ])("refuses bad flags %p with exit 64 and prints nothing on stdout", async (flags, message) => {
    const { code, out, err } = await run(dir, "tls", "tf-vars", "certs", ...flags);
    expect(code).toBe(64);
    expect(out).toBe("");
    expect(err).toMatch(message);
  });

  test("refuses a key where a certificate belongs, a directory, and a FIFO, without printing any of them", async () => {
    const bad = path.join(dir, "bad");
    writeTlsBundle(bad, bundle);
    fs.copyFileSync(path.join(bad, "client.key"), path.join(bad, "client.crt"));
    const wrong = await run(dir, "tls", "tf-vars", "bad", "--kinds", "client");
    expect(wrong.code).toBe(64);
    expect(wrong.out).toBe("");
    expect(wrong.err).toMatch(/client\.crt is not the client certificate chain \(PEM\) \(content not shown\)/);
    expect(wrong.err).not.toContain("PRIVATE KEY");
    expect(wrong.err).not.toContain(bundle.clientKeyPem.split("\n")[1]);

    fs.rmSync(path.join(bad, "client.crt"));
    fs.mkdirSync(path.join(bad, "client.crt"));
    const directory = await run(dir, "tls", "tf-vars", "bad", "--kinds", "client");
    expect(directory.code).toBe(64);
    expect(directory.err).toMatch(/must be a regular file/);

    if (process.platform !== "win32") {
      fs.rmSync(path.join(bad, "client.crt"), { recursive: true });
      execFileSync("mkfifo", [path.join(bad, "client.crt")]);
      const fifo = await run(dir, "tls", "tf-vars", "bad", "--kinds", "client");
      expect(fifo.code).toBe(64);
      expect(fifo.err).toMatch(/must be a regular file/);
    }
  });

  test("--help explains that the output holds keys and shows an example", async () => {
    const { out } = await run(dir, "tls", "tf-vars", "--help");
    expect(out).toMatch(/contains private keys/);
    expect(out).toMatch(/\$ eval "\$\(stemguard tls tf-vars tls\/redis-ca-2027 --ca tls\/trust-bundle\.crt\)"/);
  });
});
