import { StemguardError } from "../errors";
import { writeFileAtomic } from "../fs/atomic-write";
import { readJsonFile } from "../fs/read-json-file";
import type { AnyLedgerKind, LedgerKind, StepRecord } from "./kind";
import { cadenceField } from "./cadence";
import { LEDGER_SCHEMA_VERSION, expectArray, expectObject, parseSection, recordedStepFields, shownKind, type LedgerSection } from "./section";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyLedgerSection = LedgerSection<any, any, any>;

/**
 * A ledger file: one section (the object is the section, as every ledger
 * written so far), or several sections of different kinds under `sections`
 * (e.g. the Redis TLS mode and Redis passwords in one file).
 */
export interface LedgerDocument {
  readonly sections: readonly AnyLedgerSection[];
  /** Written under `sections` even with one section (a file that gains sections later keeps its shape). @default only with several sections */
  readonly sectioned?: boolean;
}

/** Parses a ledger file's JSON; each section's `kind` must be one of `kinds`, at most once. */
export function parseLedgerDocument(data: unknown, source: string, kinds: readonly AnyLedgerKind[]): LedgerDocument {
  const fix = "restore the file from version control; edit ledgers only with stemguard";
  const obj = expectObject(data, `${source}: (root)`, fix);
  const byKind = (value: unknown, field: string): AnyLedgerKind => {
    const kind = kinds.find((k) => k.kind === value);
    if (!kind) {
      throw new StemguardError(`not a ${kinds.map((k) => k.name).join(" or ")} ledger`, {
        field,
        value: shownKind(value),
        fix: `pass a ledger whose kind is ${kinds.map((k) => `"${k.kind}"`).join(" or ")}; stemguard.json names each ledger file and its kind(s)`,
      });
    }
    return kind;
  };
  if (!("sections" in obj)) {
    const section = parseSection(byKind(obj.kind, `${source}: kind`), obj, source);
    checkDocumentRule(section, [section], (p) => `${source}: ${p}`);
    return { sections: [section] };
  }
  if (obj.schemaVersion !== LEDGER_SCHEMA_VERSION) {
    throw new StemguardError("unsupported schemaVersion", { field: `${source}: schemaVersion`, value: obj.schemaVersion, fix: `this stemguard reads schemaVersion ${LEDGER_SCHEMA_VERSION}` });
  }
  for (const key of Object.keys(obj)) {
    if (key !== "schemaVersion" && key !== "sections") throw new StemguardError("unknown field in a ledger file", { field: `${source}: ${key}`, fix: "a file with sections holds schemaVersion and sections only" });
  }
  const seen = new Set<string>();
  const sections = expectArray(obj.sections, `${source}: sections`, fix).map((raw, i) => {
    const field = `${source}: sections[${i}]`;
    const kind = byKind(expectObject(raw, field, fix).kind, `${field}.kind`);
    if (seen.has(kind.kind)) throw new StemguardError(`two sections of kind ${kind.kind}`, { field: `${field}.kind`, fix: "one section per kind in a file" });
    seen.add(kind.kind);
    return parseSection(kind, raw, field, { nested: true });
  });
  if (sections.length === 0) throw new StemguardError("no sections", { field: `${source}: sections`, fix });
  sections.forEach((s, i) => checkDocumentRule(s, sections, (p) => `${source}: sections[${i}].${p}`));
  return { sections, sectioned: true };
}

function checkDocumentRule(section: AnyLedgerSection, sections: readonly AnyLedgerSection[], at: (path: string) => string): void {
  section.kind.documentRule?.(section.history, section.state, (name: string) => sections.find((s) => s.kind.name === name), at);
}

/** The section of `kind` in a document, or undefined. */
export function sectionOf<S, St extends StepRecord, O>(doc: LedgerDocument, kind: LedgerKind<S, St, O>): LedgerSection<S, St, O> | undefined {
  return doc.sections.find((s) => s.kind === kind) as LedgerSection<S, St, O> | undefined;
}

/**
 * The canonical text of a ledger file: fixed field order, trailing newline,
 * `rows` fields one item per line, so each step is a small pull-request diff.
 */
export function serializeLedgerDocument(doc: LedgerDocument): string {
  if (doc.sections.length === 1 && !doc.sectioned) return `${sectionText(doc.sections[0], true, "")}\n`;
  const body = doc.sections.map((s) => `    ${sectionText(s, false, "    ")}`).join(",\n");
  return `{\n  "schemaVersion": ${LEDGER_SCHEMA_VERSION},\n  "sections": [\n${body}\n  ]\n}\n`;
}

function sectionText(section: AnyLedgerSection, withVersion: boolean, indent: string): string {
  const { kind } = section;
  const fields: (readonly [string, unknown])[] = [
    ...(withVersion ? [["schemaVersion", LEDGER_SCHEMA_VERSION] as const] : []),
    ...kind.sectionFields(section.state, section.options, section.phase).filter(([, v]) => v !== undefined),
    ...(section.cadence ? [["cadence", cadenceField(section.cadence)] as const] : []),
    ["history", section.history.map((s) => recordedStepFields(kind, s))] as const,
  ];
  const lines = fields.map(([name, value]) => `  "${name}": ${valueText(value, kind.fieldStyle?.(name) ?? "pretty")}`);
  return `{\n${lines.join(",\n")}\n}`.split("\n").join(`\n${indent}`);
}

function valueText(value: unknown, style: "rows" | "pretty"): string {
  if (style === "rows" && Array.isArray(value)) {
    return value.length === 0 ? "[]" : `[\n${value.map((item) => `    ${JSON.stringify(item).replace(/,"/g, ', "').replace(/":/g, '": ')}`).join(",\n")}\n  ]`;
  }
  return JSON.stringify(value, null, 2).split("\n").join("\n  ");
}

/** How a ledger file is named in errors when it is missing or unreadable. */
export interface LedgerFileSource {
  /** The flag or prop that gave the path. */
  readonly field: string;
  /** What to do when the file does not exist. */
  readonly missingFix: string;
}

/** Reads and fully validates a ledger file (through lib/core/fs: regular files only, size-capped). */
export function readLedgerDocument(file: string, kinds: readonly AnyLedgerKind[], source: LedgerFileSource): LedgerDocument {
  const data = readJsonFile(file, { ...source, invalidFix: "restore the file from version control; edit ledgers only with stemguard" });
  return parseLedgerDocument(data, file, kinds);
}

/** Writes a ledger file atomically; the text is parsed back first, so an invalid ledger is never written. */
export function writeLedgerDocument(file: string, doc: LedgerDocument): void {
  const text = serializeLedgerDocument(doc);
  parseLedgerDocument(JSON.parse(text), file, doc.sections.map((s) => s.kind));
  writeFileAtomic(file, text);
}
