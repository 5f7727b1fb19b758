import type { ChangeReview, ClassifiedChange, ConstructLedgerReview, StackReview } from "./review-changes";
import { PURPOSES } from "./review-changes";
import { shown, shownDeep } from "./shown";

/** The first line of every Markdown comment: the workflow finds and updates its one comment by it. */
export const COMMENT_MARKER = "<!-- stemguard-review -->";

const SIGN = { add: "+", change: "~", replace: "-/+", destroy: "-" } as const;

function verdictLine(r: ChangeReview): string {
  const totals = { add: 0, change: 0, replace: 0, destroy: 0 };
  for (const s of r.stacks) for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += s.counts[k];
  const steps = r.steps.length === 0 ? "no ledger step" : r.steps.length === 1 ? `1 ledger step (${r.steps[0]})` : `${r.steps.length} ledger steps`;
  const what = `${steps}; ${r.stacks.length} stack${r.stacks.length === 1 ? "" : "s"} (${r.input}): ${totals.add} to add, ${totals.change} to change, ${totals.replace} to replace, ${totals.destroy} to destroy`;
  return r.ok ? `safe: ${what}` : `UNSAFE (${r.findings.length} finding${r.findings.length === 1 ? "" : "s"}): ${what}`;
}

function changeLine(c: ClassifiedChange): string {
  const notes = [
    ...(c.action === "change" && c.attributes.length ? [c.attributes.join(", ")] : []),
    ...(c.action === "replace" ? [`forced by ${c.forcedBy?.length ? c.forcedBy.join(", ") : "the provider"}${c.order === "create-before-destroy" ? ", create before destroy" : ""}`] : []),
    ...(c.explainedBy ? [`explained by ${c.explainedBy}`] : []),
  ];
  return `${SIGN[c.action]} ${c.address}${notes.length ? ` (${notes.join("; ")})` : ""}`;
}

function ledgerLine(l: ConstructLedgerReview): string {
  const verdict = l.verdict === "step" ? `legal step "${l.step}"` : l.verdict === "revert" ? `legal ${l.step}` : l.verdict;
  return `${l.construct} [${l.kind}]: ${verdict}: ${l.summary}`;
}

function stackLines(s: StackReview, indent: string): string[] {
  const out = [`stack ${s.name}: ${s.counts.add} to add, ${s.counts.change} to change, ${s.counts.replace} to replace, ${s.counts.destroy} to destroy`];
  for (const purpose of PURPOSES) {
    const mine = s.changes.filter((c) => c.purpose === purpose);
    if (mine.length === 0) continue;
    out.push(`${indent}${purpose}:`);
    for (const c of mine) out.push(`${indent}${indent}${changeLine(c)}`);
  }
  if (s.rolls.length > 0) out.push(`${indent}rolls, in apply order: ${s.rolls.map((r) => `${r.level}. ${r.address}${r.role ? ` (${r.role})` : ""}`).join(", ")}`);
  return out;
}

/** Plain text for a terminal. */
export function formatChangeReviewText(r: ChangeReview): string {
  const out = [`stemguard review: ${verdictLine(r)}`];
  if (r.findings.length > 0) {
    out.push("", "findings:");
    for (const f of r.findings) out.push(`  - ${f.stack ? `[${f.stack}] ` : ""}${f.message}`);
  }
  if (r.ledgers.length > 0) {
    out.push("", "ledgers:");
    for (const l of r.ledgers) out.push(`  ${ledgerLine(l)}`);
  }
  for (const s of r.stacks) out.push("", ...stackLines(s, "  "));
  return shown(out.join("\n"));
}

/** The review as data; every string passed through the redaction of names. */
export function changeReviewJson(r: ChangeReview, exitCode: number): unknown {
  return shownDeep({ ...r, exitCode, verdict: r.ok ? "safe" : "unsafe", summary: verdictLine(r) });
}

const MAX_DIAGRAM_PHASES = 30;

/**
 * One Mermaid gitGraph per rotation: the ledger's entries by phase, this pull
 * request's step highlighted (a revert shows the reverted entry reversed).
 * Ledgers that several constructs render are drawn once.
 */
export function rotationDiagrams(r: ChangeReview): { title: string; mermaid: string }[] {
  const seen = new Map<string, { title: string; mermaid: string; constructs: string[] }>();
  for (const l of r.ledgers) {
    if (l.verdict === "invalid") continue;
    const history = l.verdict === "revert" ? (l.baseHistory ?? l.history) : l.history;
    const key = `${l.kind}\u0000${history.join("\u0000")}\u0000${l.basePhase}`;
    const existing = seen.get(key);
    if (existing) {
      existing.constructs.push(l.construct);
      continue;
    }
    const lines = ["gitGraph"];
    const first = Math.max(0, history.length - MAX_DIAGRAM_PHASES);
    if (first > 0) lines.push(`  commit id: "phases 1-${first}: ${first} earlier steps"`);
    history.slice(first).forEach((label, i) => {
      const phase = first + i + 1;
      const id = `${phase}: ${label}`.replace(/["\n\r]/g, "'");
      let mark = "";
      if (l.verdict === "revert" && phase === history.length) mark = ' type: REVERSE tag: "reverted by this PR"';
      else if ((l.verdict === "step" || l.verdict === "illegal" || l.verdict === "new") && phase > l.basePhase) mark = ` type: HIGHLIGHT tag: "${l.verdict === "illegal" ? "this PR (illegal)" : "this PR"}${phase === history.length ? "" : ` ${phase}`}"`;
      lines.push(`  commit id: "${shown(id)}"${mark}`);
    });
    seen.set(key, { title: `${l.kind}`, mermaid: lines.join("\n"), constructs: [l.construct] });
  }
  return [...seen.values()].map((d) => ({ title: `${d.title}: ${d.constructs.join(", ")}`, mermaid: d.mermaid }));
}

/** Markdown for a pull-request comment: verdict line, findings, collapsible details and one diagram per rotation. */
export function formatChangeReviewMarkdown(r: ChangeReview): string {
  const out = [COMMENT_MARKER, `**stemguard review: ${r.ok ? "✅" : "❌"} ${verdictLine(r)}**`];
  if (r.findings.length > 0) {
    out.push("");
    for (const f of r.findings) out.push(`- ${f.stack ? `\`${f.stack}\`: ` : ""}${f.message}`);
  }
  if (r.ledgers.length > 0) {
    out.push("", "<details><summary>Ledger steps</summary>", "");
    for (const l of r.ledgers) out.push(`- ${ledgerLine(l)}`);
    out.push("", "</details>");
  }
  for (const s of r.stacks) {
    out.push("", `<details><summary>Stack <code>${s.name}</code>: ${s.counts.add} to add, ${s.counts.change} to change, ${s.counts.replace} to replace, ${s.counts.destroy} to destroy${s.rolls.length ? `, ${s.rolls.length} workloads roll` : ""}</summary>`, "", "```", ...stackLines(s, "  ").slice(1), "```", "", "</details>");
  }
  const diagrams = rotationDiagrams(r);
  if (diagrams.length > 0) {
    out.push("", "<details><summary>Rotations</summary>", "");
    for (const d of diagrams) out.push(`**${d.title}**`, "", "```mermaid", d.mermaid, "```", "");
    out.push("</details>");
  }
  return shown(out.join("\n"));
}
