import type { StatusTable } from "./kind";

/** A status table as aligned text for terminals and review comments. */
export function formatStatusTable(table: StatusTable): string {
  const widths = table.header.map((h, i) => Math.max(h.length, ...table.rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(table.header), ...table.rows.map(line)].join("\n");
}
