import { LIVE_STRUCTURES, type CensusReport } from "./types";
import type { CertificateDays } from "./certificates";
import type { DrainGateResult, DrainPass } from "./gate";

/** Columns padded to their widest cell, two spaces apart, no trailing spaces. */
export function formatColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ").trimEnd()).join("\n");
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const list = (record: Readonly<Record<string, number>>) => Object.entries(record).map(([k, n]) => `${k} ${n}`).join(", ");

/** The census as text: live messages per key and per queue, dead letters, acked history, what was skipped. */
export function renderCensusText(report: CensusReport, broker: string, certificates: readonly CertificateDays[] = []): string {
  const out: string[] = [];
  out.push(`Census of ${broker}: ${plural(report.queues.length, "queue")}, ${plural(report.broadcasts.length, "broadcast channel")}, ${plural(report.liveTotal, "live message")}`);
  out.push("");
  const head = ["key", ...LIVE_STRUCTURES, "total", "oldest live"];
  if (report.liveTotal === 0) out.push("live messages: none");
  else {
    const byKey = new Map<string, Record<string, number>>();
    for (const counts of Object.values(report.liveByQueue)) {
      for (const [key, c] of Object.entries(counts)) {
        const sum = byKey.get(key) ?? { ready: 0, pending: 0, delayed: 0, broadcast: 0, total: 0 };
        for (const s of [...LIVE_STRUCTURES, "total"] as const) sum[s] += c[s];
        byKey.set(key, sum);
      }
    }
    const rows = [...byKey].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, c]) => {
      const o = report.oldest[key];
      return [key, ...LIVE_STRUCTURES.map((s) => String(c[s])), String(c.total), o ? `${o.enqueuedAt} ${o.queue} ${o.structure}` : "-"];
    });
    out.push("live messages by signing key", formatColumns([head, ...rows]), "");
    const queueRows = Object.entries(report.liveByQueue).flatMap(([queue, counts]) => Object.entries(counts).map(([key, c]) => [queue, key, ...LIVE_STRUCTURES.map((s) => String(c[s])), String(c.total)]));
    out.push("live messages by queue", formatColumns([["queue", "key", ...LIVE_STRUCTURES, "total"], ...queueRows]));
  }
  out.push("");
  const deadRows = Object.entries(report.deadDetail).flatMap(([queue, byReason]) =>
    Object.entries(byReason).map(([reason, cell]) => [queue, reason, String(cell.count), list(cell.errors) || "-", list(cell.failedKeys) || "-"]),
  );
  if (deadRows.length === 0) out.push("dead letters: none");
  else out.push("dead letters (not live; no retention)", formatColumns([["queue", "reason", "count", "errors", "failed key ids"], ...deadRows]));
  out.push("");
  const acked = Object.entries(report.acked).filter(([, n]) => n > 0);
  out.push(`acked history (not live): ${acked.length === 0 ? "none" : acked.map(([q, n]) => `${q} ${n}`).join(", ")}`);
  if (report.skippedControlQueues.length > 0) out.push(`skipped Stem control queues: ${report.skippedControlQueues.join(", ")}`);
  const unreadable = Object.entries(report.unreadable);
  if (unreadable.length > 0) out.push(`unreadable live entries (key unknown): ${unreadable.map(([q, n]) => `${q} ${n}`).join(", ")}`);
  if (report.pendingWithoutEntry > 0) out.push(`pending entries whose stream entry is gone: ${report.pendingWithoutEntry}`);
  if (report.dedup.duplicates > 0) out.push(`duplicate copies counted once: ${report.dedup.duplicates}`);
  if (report.dedup.exhausted) out.push(`deduplication bound reached (${report.dedup.limit} ids): later copies were counted without deduplication (an over-count)`);
  for (const c of certificates) out.push(`certificate ${c.name}: ${c.daysLeft} days left (until ${c.notAfter})`);
  return `${out.join("\n")}\n`;
}

/** One gate pass as text lines. */
export function renderDrainPass(pass: DrainPass, index: number, total: number, keyLabel: string): string {
  const lead = `drain gate "${keyLabel}", pass ${index + 1} of ${total}:`;
  if (pass.clean) return `${lead} no live message signed with "${keyLabel}"\n`;
  const lines: string[] = [];
  if (pass.live > 0) {
    lines.push(`${lead} ${plural(pass.live, "live message")} signed with "${keyLabel}"`);
    lines.push(formatColumns([["  queue", "structure", "count"], ...pass.locations.map((l) => [`  ${l.queue}`, l.structure, String(l.count)])]));
    if (pass.oldest) lines.push(`  oldest: ${pass.oldest.enqueuedAt} in ${pass.oldest.queue} (${pass.oldest.structure}), envelope ${pass.oldest.envelopeId ?? "without id"}`);
  } else lines.push(`${lead} no readable live message signed with "${keyLabel}"`);
  if (pass.unreadable > 0) lines.push(`  ${plural(pass.unreadable, "live entry", "live entries")} could not be read, so their key is unknown: not clean`);
  return `${lines.join("\n")}\n`;
}

/** The gate's verdict line (and a note on dead letters signed with the key). */
export function renderDrainVerdict(result: DrainGateResult, intervalMs: number): string {
  const last = result.passes[result.passes.length - 1];
  const note = last.deadSigned > 0 ? `note: ${plural(last.deadSigned, "dead letter")} signed with "${result.keyLabel}" (not live; a replay of ${last.deadSigned === 1 ? "it" : "them"} fails once the key is gone)\n` : "";
  if (result.drained) return `${note}drained: no live message signed with "${result.keyLabel}" in ${result.passes.length} passes ${intervalMs} ms apart\n`;
  return `${note}not drained: messages signed with "${result.keyLabel}" are still live; wait for them to be consumed and run the gate again\n`;
}
