import * as path from "node:path";
import { StemguardError } from "../../core/errors";
import { readJsonFile } from "../../core/fs/read-json-file";
import { DEFAULT_STEP_DAYS, assertLedgerDate, describeCadence, ledgerToday, parseCadence } from "../../core/ledger/cadence";
import { readLedgerDocument, writeLedgerDocument, type AnyLedgerSection } from "../../core/ledger/document";
import { sectionDue, type DueItem, type SectionDue } from "../../core/ledger/due";
import { MANIFEST_FILE, parseManifest, repositoryRoot } from "../../core/ledger/manifest";
import { LEDGER_KIND_NAMES, LEDGER_KINDS } from "../../review/ledger-kinds";
import { integerFlag } from "../flags";
import { CliExit, EXIT } from "../io";
import type { RegisterCommand } from "./index";

const LEDGER_FIX = "restore the file from version control; edit ledgers only with stemguard";

export const registerDue: RegisterCommand = (program, io) => {
  program
    .command("due")
    .description("Rotation cadence: for every ledger stemguard.json declares, which step is due (a credential near its maximum age, or the next step of a rotation in progress) and the command that takes it.")
    .option("--manifest <file>", `the ledger manifest (default: ${MANIFEST_FILE} at the repository root)`)
    .option("--today <date>", "check as of this UTC date, YYYY-MM-DD (default: today)")
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      `
A credential is due 14 days (at most a quarter of its maximum age) before its
maximum age and overdue at it; the next step of a rotation in progress is due a
day after the last step and overdue after the cadence's stepDays. A ledger
without a cadence is listed and never due: declare one with 'stemguard cadence'.

Exit status: 0 nothing due, 1 a step is due or overdue, 64 bad input (a
missing or invalid manifest or ledger: the check cannot tell, so it fails).

Examples:
  $ stemguard due
  $ stemguard due --today 2027-03-01 --json`,
    )
    .action((opts: { manifest?: string; today?: string; json?: boolean }) => {
      const today = opts.today === undefined ? ledgerToday() : assertLedgerDate(opts.today, "--today");
      const manifestFile = opts.manifest === undefined ? path.join(repositoryRoot(io.cwd), MANIFEST_FILE) : path.resolve(io.cwd, opts.manifest);
      const field = opts.manifest === undefined ? MANIFEST_FILE : "--manifest";
      const manifest = parseManifest(
        readJsonFile(manifestFile, { field, missingFix: "run a ledger's init command (it declares the ledger), or pass --manifest FILE", invalidFix: `fix ${MANIFEST_FILE}` }),
        manifestFile,
        LEDGER_KIND_NAMES,
      );
      const root = path.dirname(manifestFile);
      const ledgers = manifest.ledgers.flatMap((entry) => {
        const doc = readLedgerDocument(path.join(root, entry.file), LEDGER_KINDS, { field: `${MANIFEST_FILE}: ${entry.file}`, missingFix: `restore ${entry.file}, or remove it from ${MANIFEST_FILE} in a change of its own` });
        return entry.kinds.map((name) => {
          const section = doc.sections.find((s) => s.kind.name === name);
          if (!section) throw new StemguardError(`no ${name} section, which ${MANIFEST_FILE} declares`, { field: entry.file, fix: LEDGER_FIX });
          return { file: entry.file, ...sectionDue(section, today) };
        });
      });
      const due = ledgers.flatMap((l) => l.items.filter((i) => i.status !== "ok").map((i) => ({ file: l.file, ...i })));
      if (opts.json) io.stdout(`${JSON.stringify({ ok: due.length === 0, today, ledgers, due })}\n`);
      else io.stdout(`${formatDue(ledgers, today)}\n`);
      if (due.length > 0) throw new CliExit(EXIT.FAILED);
    });

  program
    .command("cadence")
    .description("Declare (or change) a ledger's rotation cadence: each credential's maximum age; from then on every step records its date.")
    .argument("<ledger>", "the ledger file, e.g. stemguard.rotation.json")
    .requiredOption("--max-age <days>", "maximum age in days: N for a kind with one credential (key, password), or name=N,... (tls-ca: ca=1825,leaves=90)")
    .option("--kind <name>", "the section to set in a file with several (redis-passwords in stemguard.redis.json)")
    .option("--step-days <n>", "a rotation in progress is overdue this many days after its last step", String(DEFAULT_STEP_DAYS))
    .option("--since <date>", "the date the age of an undated step counts from, YYYY-MM-DD (default: today)")
    .option("--json", "print the cadence as JSON")
    .addHelpText(
      "after",
      `
Steps written before the cadence carry no date, so the age of the credential
they created counts from --since: pass the date it was really created when
you know it. The change is one ledger diff with no step; review reports it as
a policy change and refuses it in a pull request that also takes a step.

Examples:
  $ stemguard cadence stemguard.rotation.json --max-age 90
  $ stemguard cadence stemguard.tls.json --max-age ca=1825,leaves=90 --since 2026-06-01
  $ stemguard cadence stemguard.redis.json --kind redis-passwords --max-age 180`,
    )
    .action((ledger: string, opts: { maxAge: string; kind?: string; stepDays: string; since?: string; json?: boolean }) => {
      const file = path.resolve(io.cwd, ledger);
      const doc = readLedgerDocument(file, LEDGER_KINDS, { field: "LEDGER", missingFix: "pass an existing ledger file (its init command creates it)" });
      const target = pickSection(doc.sections, opts.kind);
      const credentials = target.kind.cadence!.credentials;
      const cadence = parseCadence(
        {
          maxAgeDays: parseMaxAge(opts.maxAge, credentials),
          stepDays: integerFlag(opts.stepDays, "--step-days", "pass whole days, e.g. --step-days 7"),
          since: opts.since === undefined ? ledgerToday() : assertLedgerDate(opts.since, "--since"),
        },
        credentials,
        "--max-age",
        `e.g. --max-age ${credentials.length === 1 ? "90" : credentials.map((c) => `${c}=90`).join(",")} (whole days, 1 to 3650)`,
        { maxAgeDays: "--max-age", stepDays: "--step-days", since: "--since" },
      );
      writeLedgerDocument(file, { ...doc, sections: doc.sections.map((s) => (s === target ? { ...s, cadence } : s)) });
      if (opts.json) io.stdout(`${JSON.stringify({ ok: true, ledger, kind: target.kind.name, cadence })}\n`);
      else io.stdout(`cadence: ${ledger} [${target.kind.name}]: ${describeCadence(cadence)}\n`);
    });
};

function pickSection(sections: readonly AnyLedgerSection[], kind: string | undefined): AnyLedgerSection {
  const candidates = sections.filter((s) => s.kind.cadence && (kind === undefined || s.kind.name === kind));
  const ageing = sections.filter((s) => s.kind.cadence).map((s) => s.kind.name);
  if (kind !== undefined && candidates.length === 0) {
    throw new StemguardError("no section of this kind takes a cadence in the file", { field: "--kind", value: LEDGER_KIND_NAMES.includes(kind) ? kind : "(not a kind)", fix: `pass one of ${ageing.join(", ") || "(none: this file's kinds do not age)"}` });
  }
  if (candidates.length !== 1) {
    throw new StemguardError(candidates.length === 0 ? "nothing in this ledger ages (e.g. the Redis TLS mode)" : "the file has several sections that age", { field: "--kind", fix: ageing.length ? `pass --kind ${ageing.join(" or --kind ")}` : "pass a signing, TLS CA or Redis password ledger" });
  }
  return candidates[0];
}

/** `90`, `90d` (one credential) or `ca=1825,leaves=90`. */
function parseMaxAge(spec: string, credentials: readonly string[]): Record<string, number> {
  const days = (text: string) => (/^\d{1,5}d?$/.test(text) ? Number.parseInt(text, 10) : Number.NaN);
  if (!spec.includes("=")) {
    if (credentials.length !== 1) {
      throw new StemguardError(`this ledger has ${credentials.length} credentials that age: name each`, { field: "--max-age", value: spec.length <= 16 ? spec : "(not shown)", fix: `e.g. --max-age ${credentials.map((c) => `${c}=90`).join(",")}` });
    }
    return { [credentials[0]]: days(spec) };
  }
  return Object.fromEntries(
    spec.split(",").map((part) => {
      const [name, value = ""] = part.split("=");
      return [name, days(value)];
    }),
  );
}

function formatDue(ledgers: readonly (SectionDue & { readonly file: string })[], today: string): string {
  const rows: string[][] = [["LEDGER", "KIND", "WHAT", "ID", "AGE", "LIMIT", "DUE ON", "STATUS"]];
  const next: string[] = [];
  const none: string[] = [];
  for (const l of ledgers) {
    if (!l.cadence) {
      none.push(`no cadence: ${l.file} [${l.kind}] is never due; declare one with 'stemguard cadence ${l.file}${l.kind === "redis-passwords" ? " --kind redis-passwords" : ""} --max-age ...'`);
      continue;
    }
    for (const i of l.items) {
      rows.push([l.file, l.kind, i.credential, i.id, `${i.ageDays}d${i.undated ? "*" : ""}`, `${i.limitDays}d`, i.dueOn, i.status]);
      // A credential past its age during a rotation names the same next step: say it once.
      if (i.status !== "ok" && !next.some((n) => n.endsWith(`run: ${i.command}`))) next.push(`${i.status}: ${l.file} [${l.kind}] ${describeItem(i)}; next step: ${i.step}\n  run: ${i.command}`);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const table = rows.length > 1 ? rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd()) : [];
  const undated = ledgers.some((l) => l.items.some((i) => i.undated)) ? ["* counted from the cadence's since date: the step carries no date"] : [];
  const verdict = next.length === 0 ? `due: nothing due on ${today}` : `due: ${next.length} step${next.length === 1 ? "" : "s"} due on ${today}`;
  return [...table, ...undated, ...none, ...next, verdict].join("\n");
}

function describeItem(i: DueItem): string {
  return i.credential === "rotation"
    ? `a rotation in progress waits ${i.ageDays} days since its last step (at most ${i.limitDays})`
    : `${i.credential} ${i.id} is ${i.ageDays} days old (maximum ${i.limitDays})`;
}
