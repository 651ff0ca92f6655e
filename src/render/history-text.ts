import type { HistoryRow } from "../planner/history.js";

/** `berth history`: one block per applied configuration, newest first. */
export function renderHistoryText(rows: readonly HistoryRow[], limit: number): string {
  if (rows.length === 0) return "No applied configuration is recorded yet.\n";
  const lines = [`Applied configurations (newest first; the state keeps the last ${limit}):`, ""];
  for (const r of rows) {
    const notes = [r.current ? "current" : null, r.rollbackOf !== null ? `rollback to serial ${r.rollbackOf}` : null].filter(Boolean);
    lines.push(`serial ${r.serial}  ${r.appliedAt}  template ${r.templateHash.slice(0, 12)}${notes.length ? `  (${notes.join(", ")})` : ""}`);
    for (const i of r.images) {
      const id = i.imageId ? `  ${i.imageId.replace(/^sha256:/, "").slice(0, 12)}` : "";
      lines.push(`    ${i.service}: ${i.image}${id}${i.keptAs ? `  (kept as ${i.keptAs})` : ""}`);
    }
  }
  lines.push("", "`berth rollback` returns to the configuration before the current one; `berth rollback --to SERIAL` to another.");
  return `${lines.join("\n")}\n`;
}
