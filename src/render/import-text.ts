import type { ImportDifference, ImportEntry, ImportPlan } from "../core/import.js";
import type { AttrValue } from "../core/types.js";
import { palette, type Palette } from "./color.js";

/**
 * `berth import`'s plan as text: what will be imported (Terraform's words), what differs from
 * the template for each, and what running is left alone. Takes a plan made by maskImportPlan.
 */
export function renderImportText(shown: ImportPlan, opts: { color: boolean }): string {
  const pal = palette(opts.color);
  const lines: string[] = [];
  if (shown.imports.length === 0) {
    lines.push(`Nothing to import: no container, network or volume of project ${shown.project} matches an address of the template that the state does not know.`);
  } else {
    lines.push("Berth will take over what already runs, without recreating or restarting it:", "");
    for (const e of shown.imports) lines.push(...entryLines(e, pal));
  }
  if (shown.skipped.length > 0) {
    lines.push("", "Not imported:");
    for (const s of shown.skipped) lines.push(`  ${s.engineName} (${s.address}): ${s.reason}`);
  }
  lines.push("", importCountsLine(shown));
  const replaced = shown.imports.filter((e) => e.differences.some((d) => d.update === "replace"));
  if (replaced.length > 0) {
    lines.push(`After import, the next plan replaces ${replaced.map((e) => e.address).join(", ")} to match the template (see the differences above).`);
  }
  return lines.join("\n");
}

function entryLines(e: ImportEntry, pal: Palette): string[] {
  const rename = e.renameTo ? `, renamed to ${e.renameTo} (the same container keeps running)` : "";
  const id = e.id === e.engineName ? "" : ` (${shortId(e.id)})`;
  const lines = [`  ${pal.cyan("=")} ${pal.bold(e.address)} will be imported: ${e.engineName}${id}, ${e.madeBy}${rename}`];
  if (e.differences.length === 0) lines.push(pal.dim("      matches the template"));
  for (const d of e.differences) lines.push(differenceLine(d, pal));
  return lines;
}

function differenceLine(d: ImportDifference, pal: Palette): string {
  const how = d.update === "replace" ? pal.red("replaced to match") : pal.yellow("updated in place to match");
  return `      ${pal.yellow("~")} ${d.path.join(".")}: template ${show(d.template)}, running ${show(d.running)} (${how})`;
}

export function importCountsLine(plan: ImportPlan): string {
  const differing = plan.imports.filter((e) => e.differences.length > 0).length;
  return `Import: ${plan.imports.length} to import, ${differing} differing from the template, ${plan.skipped.length} not imported.`;
}

function shortId(id: string): string {
  return /^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id;
}

function show(value: AttrValue): string {
  return value === null ? "(none)" : JSON.stringify(value);
}
