import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { StemguardError } from "../../core/errors";
import { TLS_PEM_FILES, tlsPemVariableName, tlsVariablePrefix, type TlsPemFile } from "../../private/tls-pem-names";
import type { CliIo } from "../io";

/** A PEM file larger than this is not a certificate or key: refuse it instead of reading it whole. */
const MAX_PEM_BYTES = 1024 * 1024;

/** Which file of the bundle directory feeds which input. */
const SOURCES: Readonly<Record<TlsPemFile, string>> = {
  caBundle: "ca.crt",
  serverCert: "server.crt",
  serverKey: "server.key",
  clientCert: "client.crt",
  clientKey: "client.key",
};

interface TfVarsFlags {
  namePrefix: string;
  ca?: string;
  kinds: string;
}

/** `stemguard tls tf-vars`: the ephemeral TLS inputs, as `keys tf-vars` prints the signing ones. */
export function registerTlsTfVars(tls: Command, io: CliIo): void {
  tls
    .command("tf-vars")
    .description("Print the ephemeral Terraform inputs (export TF_VAR_...) of a TLS bundle directory, for StemTlsBundles on AWS or Kubernetes.")
    .argument("<dir>", "directory with client.crt and client.key (and server.crt, server.key), as 'tls generate' or 'tls ca' writes it")
    .option("--name-prefix <prefix>", "the StemTlsBundles namePrefix (names the Terraform variables)", "stem-tls")
    .option("--ca <file>", "trusted CA bundle (PEM); during a CA rotation pass the trust bundle, e.g. tls/trust-bundle.crt (default: <dir>/ca.crt)")
    .option("--kinds <list>", "bundles besides the CA bundle, as the construct's kinds prop: server,client | client (AWS) | server", "server,client")
    .addHelpText(
      "after",
      `
The output contains private keys: source it in the shell that runs terraform,
never commit or log it. Each file must be a regular file with the right PEM
armour (a certificate where a certificate belongs, a key where a key belongs);
a file that is not is refused without printing it.

Examples:
  $ eval "$(stemguard tls tf-vars tls/redis-ca-2027 --ca tls/trust-bundle.crt)"
  $ eval "$(stemguard tls tf-vars certs --name-prefix prod/stem/tls --kinds client)"   # AWS: the client bundle only
  $ terraform plan`,
    )
    .action((dir: string, opts: TfVarsFlags) => {
      const prefix = checkNamePrefix(opts.namePrefix);
      const kinds = parseKinds(opts.kinds);
      const root = path.resolve(io.cwd, dir);
      const files: TlsPemFile[] = ["caBundle", ...(kinds.includes("server") ? (["serverCert", "serverKey"] as const) : []), ...(kinds.includes("client") ? (["clientCert", "clientKey"] as const) : [])];
      const lines = files.map((file) => {
        const source = file === "caBundle" && opts.ca !== undefined ? path.resolve(io.cwd, opts.ca) : path.join(root, SOURCES[file]);
        const field = file === "caBundle" && opts.ca !== undefined ? "--ca" : "<dir>";
        return `export TF_VAR_${tlsPemVariableName(prefix, file)}='${readPem(source, file, field)}'`;
      });
      io.stdout(`${lines.join("\n")}\n`);
    });
}

/** The same rule both constructs apply: the prefix starts with a letter, so the variable names are identifiers. */
function checkNamePrefix(namePrefix: string): string {
  if (!/^[A-Za-z][A-Za-z0-9/_+=.@-]*$/.test(namePrefix)) {
    throw new StemguardError("--name-prefix must start with a letter and contain only A-Z a-z 0-9 / _ + = . @ -", {
      field: "--name-prefix",
      value: namePrefix,
      fix: "pass the namePrefix of your StemTlsBundles, e.g. --name-prefix stem-tls",
    });
  }
  return tlsVariablePrefix(namePrefix);
}

function parseKinds(list: string): ("server" | "client")[] {
  const kinds = list.split(",").map((k) => k.trim());
  if (kinds.length === 0 || kinds.some((k) => k !== "server" && k !== "client") || new Set(kinds).size !== kinds.length) {
    throw new StemguardError('--kinds is a comma list of "server" and "client", each at most once', { field: "--kinds", value: list, fix: "use --kinds server,client, or --kinds client for AWS" });
  }
  return kinds as ("server" | "client")[];
}

/** The PEM text of one file; refuses anything but a regular file with the expected armour, never echoing it. */
function readPem(file: string, kind: TlsPemFile, field: string): string {
  const spec = TLS_PEM_FILES[kind];
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new StemguardError(`cannot read the ${spec.what}: no such file`, { field, value: file, fix: `pass the directory that holds ${SOURCES[kind]}${kind === "caBundle" ? " (or --ca <file>)" : ""}` });
  }
  if (!stat.isFile() || stat.size > MAX_PEM_BYTES) {
    throw new StemguardError(`the ${spec.what} must be a regular file of at most ${MAX_PEM_BYTES} bytes`, { field, value: file, fix: `pass the ${SOURCES[kind]} that 'stemguard tls generate' wrote` });
  }
  const text = fs.readFileSync(file, "utf8").trim();
  const armour = spec.key ? /^-----BEGIN (RSA |EC )?PRIVATE KEY-----\n[\s\S]*\n-----END (RSA |EC )?PRIVATE KEY-----$/ : /^(-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\s*)+$/;
  // Single quotes would end the shell word; PEM never has them.
  if (!armour.test(text) || text.includes("'")) {
    throw new StemguardError(`${file} is not the ${spec.what} (content not shown)`, { field, value: path.basename(file), fix: `pass the ${SOURCES[kind]} that 'stemguard tls generate' wrote` });
  }
  return text;
}
