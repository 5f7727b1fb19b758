import { InvalidArgumentError } from "commander";
// Static imports: these modules use only node:net/tls/crypto, so `--help` stays fast. (A dynamic
// `import("...")` would need a `.js` suffix under `module: nodenext`, which jest cannot resolve.)
import { renderHealthJson, renderHealthText } from "../../core/health/health-report";
import { runHealthChecks } from "../../core/health/run-health";
import { CliExit, EXIT } from "../io";
import type { RegisterCommand } from "./index";

interface HealthFlags {
  broker?: string;
  backend?: string;
  skipBackend?: boolean;
  allowInsecure?: boolean;
  json?: boolean;
  strict?: boolean;
  timeout: number;
}

const EXAMPLE = `
Reads STEM_BROKER_URL, STEM_RESULT_BACKEND_URL and STEM_TLS_* like Stem, connects
(TLS for rediss://), sends AUTH/SELECT from the URL and PING. Passwords are
printed as ***.

Exit codes: 0 all checks ok, 70 a check failed (connection, TLS, AUTH),
64 configuration error (missing STEM_BROKER_URL, a STEM_SIGNING_* value Stem
refuses, unreadable STEM_TLS_* file).

Example:
  STEM_BROKER_URL=rediss://:$REDIS_PASSWORD@redis.internal:6379/0 \\
  STEM_TLS_CA_CERT=certs/ca.crt STEM_TLS_CLIENT_CERT=certs/client.crt \\
  STEM_TLS_CLIENT_KEY=certs/client.key stemguard health --json --skip-backend
`;

/** `stemguard health`: a `stem health`-compatible check of the broker and result backend. */
export const registerHealth: RegisterCommand = (program, io) => {
  program
    .command("health")
    .description("Check the Stem broker and result backend (Redis, TLS, AUTH, SELECT, PING) like `stem health`.")
    .option("--broker <url>", "broker URL (overrides STEM_BROKER_URL)")
    .option("--backend <url>", "result backend URL (overrides STEM_RESULT_BACKEND_URL)")
    .option("--skip-backend", "do not check the result backend")
    .option("--allow-insecure", "skip server-certificate verification for this run (STEM_TLS_ALLOW_INSECURE=true)")
    .option("--json", "print one line of JSON, the same shape as `stem health --json`")
    .option("--strict", "treat settings Stem accepts but misreads (ACL user, odd password characters, ...) as errors")
    .option("--timeout <ms>", "bound for connecting and for each reply, in milliseconds", parseTimeout, 5000)
    .addHelpText("after", EXAMPLE)
    .action(async (flags: HealthFlags) => {
      // Like `stem health`, refuse a signing config Stem would refuse (StemConfig.fromEnvironment
      // reads the broker URL first, so a missing one is reported by runHealthChecks instead).
      const broker = flags.broker?.trim() || io.env.STEM_BROKER_URL;
      if (broker) {
        const { loadStemSigning, stemFailureLine } = require("../../core/stem-env/strict-check") as typeof import("../../core/stem-env/strict-check");
        // The env as Stem sees it after the --broker override.
        const signing = loadStemSigning({ ...io.env, STEM_BROKER_URL: broker });
        if (!signing.ok) {
          io.stderr(`${stemFailureLine(signing.error)}\n`);
          throw new CliExit(EXIT.USAGE);
        }
      }
      const run = await runHealthChecks({
        env: io.env,
        broker: flags.broker,
        backend: flags.backend,
        skipBackend: flags.skipBackend,
        allowInsecure: flags.allowInsecure,
        strict: flags.strict,
        connectTimeoutMs: flags.timeout,
        commandTimeoutMs: flags.timeout,
        cwd: io.cwd,
      });
      for (const issue of run.issues) io.stderr(`warning: ${issue.message}\n`);
      io.stdout(flags.json ? renderHealthJson(run.results) : renderHealthText(run.results));
      if (run.exitCode !== 0) throw new CliExit(run.exitCode);
    });
};

function parseTimeout(value: string): number {
  const ms = Number(value);
  if (!/^[0-9]+$/.test(value) || ms < 100 || ms > 120000) {
    throw new InvalidArgumentError("give a whole number of milliseconds from 100 to 120000, e.g. 5000");
  }
  return ms;
}
