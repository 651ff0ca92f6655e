/**
 * A Plan as Terraform-style text: the layout of the sections, resource blocks and summary.
 * Formatting only: every decision (which action, why, which attributes forced a replacement,
 * what is secret) is read from the masked Plan, never recomputed here.
 */
import type { MaskedPlan } from "../core/plan.js";
import { hasChanges, isNoOp } from "../core/plan.js";
import { formatDiagnostic, type Diagnostic } from "../core/errors.js";
import { palette, type Palette, type TextOptions } from "./plan-line.js";
import { renderResourceLines, resourceBlock } from "./resource-lines.js";
import {
  conflictLine,
  driftHeadline,
  gapLine,
  interruptionLine,
  interruptsHeadline,
  keptLine,
  NO_CHANGES,
  planCountsLine,
  refreshOnlyLines,
  summaryGroups,
} from "./plan-sections.js";

export type { PlanLine, LineKind, TextOptions } from "./plan-line.js";

export function renderPlanText(shown: MaskedPlan, opts: TextOptions): string {
  const pal = palette(opts.color);
  const out: string[] = [];

  const notices = [...shown.warnings.map((w) => diagnosticLine(w, pal)), ...shown.gaps.map((g) => `${pal.yellow(pal.bold("Warning:"))} ${gapLine(g)}`)];
  if (notices.length > 0) out.push(...notices, "");

  if (shown.drift.length > 0) {
    out.push(pal.bold("Note: Objects have changed outside of Berth"), "");
    out.push('Berth detected the following changes made outside of Berth since the last "berth apply":', "");
    for (const d of shown.drift) {
      out.push(`  ${pal.bold(`# ${driftHeadline(d)}`)}`);
      if (d.before && d.after) out.push(...resourceBlock(d.type, d.address, ["update"], d.before, d.after, [], pal).map((l) => l.text));
      out.push("");
    }
  }

  if (shown.conflicts.length > 0) out.push(...shown.conflicts.map((c) => `${pal.red(pal.bold("Conflict:"))} ${conflictLine(c)}`), "");
  if (shown.kept.length > 0) out.push(...shown.kept.map((k) => `${pal.bold("Kept:")} ${keptLine(k)}`), "");

  if (shown.refreshOnly) {
    out.push(...refreshOnlyLines(shown).map((l) => (l.startsWith("Plan:") || l.startsWith("No changes") ? pal.bold(l) : l)));
    return `${out.join("\n")}\n`;
  }
  if (!hasChanges(shown)) {
    out.push(pal.green(pal.bold(NO_CHANGES)));
    return `${out.join("\n")}\n`;
  }

  out.push("Berth will perform the following actions:", "");
  const interrupts = interruptsHeadline(shown);
  if (interrupts !== null) {
    out.push(`${pal.red(pal.bold("Warning:"))} ${pal.bold(interrupts)}`);
    out.push(...shown.changes.filter((c) => c.interruption !== undefined).map((c) => `  - ${interruptionLine(c)}`), "");
  }
  out.push(pal.bold("Summary:"));
  for (const g of summaryGroups(shown)) {
    const pen = g.destructive ? (s: string) => pal.red(pal.bold(s)) : g.symbol === "+" ? pal.green : pal.yellow;
    out.push(`  ${pen(`${g.symbol} ${g.label} (${g.addresses.length}):`)} ${g.addresses.join(", ")}`);
  }
  out.push("");
  for (const change of shown.changes) {
    if (isNoOp(change)) continue;
    out.push(...renderResourceLines(change, opts).map((l) => l.text), "");
  }
  out.push(pal.bold(planCountsLine(shown)));
  return `${out.join("\n")}\n`;
}

function diagnosticLine(d: Diagnostic, pal: Palette): string {
  const text = formatDiagnostic(d);
  const prefix = d.severity === "warning" ? "Warning:" : "Error:";
  const pen = d.severity === "warning" ? pal.yellow : pal.red;
  return text.startsWith(prefix) ? pen(pal.bold(prefix)) + text.slice(prefix.length) : text;
}
