import type { StatusTable, StepRecord } from "./kind";
import type { LedgerSection } from "./section";

/** A status table as aligned text for terminals and review comments. */
export function formatStatusTable(table: StatusTable): string {
  const widths = table.header.map((h, i) => Math.max(h.length, ...table.rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(table.header), ...table.rows.map(line)].join("\n");
}

/**
 * What every `... status` command prints, for any kind: the ledger file, its
 * phase and last step, then the kind's status table. `detail` adds what the
 * kind fixes for the whole ledger (the signing algorithm).
 */
export function formatLedgerStatus<S, St extends StepRecord, O>(section: LedgerSection<S, St, O>, file: string, detail?: string): string {
  const last = section.history.at(-1);
  const head = `Ledger ${file}: ${detail ? `${detail}, ` : ""}phase ${section.phase}${last ? ` (last step: ${section.kind.label(last)})` : ""}`;
  return `${head}\n\n${formatStatusTable(section.kind.table(section.state, section.options))}`;
}
