/**
 * The plan as the browser shows it: the header, and the rows for a filter and a set of opened
 * resources. Computed once per plan and memoised per filter; every word and every diff line
 * comes from the text renderer's modules (src/render/resource-lines.ts, plan-sections.ts), fed the masked plan.
 */
import { formatDiagnostic } from "../core/errors.js";
import { hasChanges, isNoOp, type MaskedPlan, type ResourceChange } from "../core/plan.js";
import type { Address } from "../core/types.js";
import { palette } from "../render/color.js";
import type { PlanLine } from "../render/plan-line.js";
import { NO_CHANGES, conflictLine, driftHeadline, gapLine, interruptsHeadline, keptLine, planCountsLine, summaryGroups } from "../render/plan-sections.js";
import { renderResourceLines } from "../render/resource-lines.js";
import type { RowView } from "./browse-state.js";
import { abbreviateList, buildRows, groupByService, selectChanges, type PlanRow, type ServiceGroup } from "./view-model.js";

/** Most addresses listed per destructive group, and notice lines, in the header. */
const HEADER_ADDRESSES = 8;
const HEADER_NOTICES = 3;

export interface PlanModel {
  /** Changes the plan makes (no-ops left out). */
  total: number;
  headerLines(): string[];
  rows(view: RowView): PlanRow[];
  shownCount(view: RowView): number;
}

export function createPlanModel(plan: MaskedPlan, color: boolean): PlanModel {
  const pal = palette(color);
  const details = new Map<Address, readonly PlanLine[]>();
  const detailLines = (change: ResourceChange): readonly PlanLine[] => {
    let lines = details.get(change.address);
    if (!lines) {
      lines = renderResourceLines(change, { color });
      details.set(change.address, lines);
    }
    return lines;
  };

  let header: string[] | null = null;
  const headerLines = (): string[] => {
    if (header) return header;
    const lines = [hasChanges(plan) ? pal.bold(planCountsLine(plan)) : pal.green(pal.bold(NO_CHANGES))];
    const interrupts = interruptsHeadline(plan, (addresses) => abbreviateList(addresses, HEADER_ADDRESSES));
    if (interrupts !== null) lines.push(pal.red(pal.bold(`! ${interrupts}`)));
    for (const g of summaryGroups(plan).filter((s) => s.destructive)) {
      lines.push(`${pal.red(pal.bold(`${g.symbol} ${g.label} (${g.addresses.length}):`))} ${abbreviateList(g.addresses, HEADER_ADDRESSES)}`);
    }
    lines.push(...noticeLines(plan));
    lines.push("");
    header = lines;
    return header;
  };

  const noticeLines = (safe: MaskedPlan): string[] => {
    const notices = [
      ...safe.conflicts.map((c) => pal.red(`Conflict: ${conflictLine(c)}`)),
      ...safe.warnings.map((w) => pal.yellow(formatDiagnostic(w))),
      ...safe.gaps.map((g) => pal.yellow(`Warning: ${gapLine(g)}`)),
      ...safe.drift.map((d) => `Note: ${driftHeadline(d)}`),
      ...safe.kept.map((k) => `Kept: ${keptLine(k)}`),
    ];
    if (notices.length <= HEADER_NOTICES) return notices;
    const more = notices.length - HEADER_NOTICES;
    return [...notices.slice(0, HEADER_NOTICES), pal.dim(`… and ${more} more (berth plan --no-tui shows them all)`)];
  };

  // Memoised on the last filter and the last expansion: the reducer and the render ask for
  // the same rows, and a key press changes one of them at most.
  let lastFilter: { text: string; destructiveOnly: boolean; groups: ServiceGroup[]; count: number } | null = null;
  let lastRows: { groups: ServiceGroup[]; expanded: ReadonlySet<Address>; rows: PlanRow[] } | null = null;
  const groupsFor = (view: RowView) => {
    if (!lastFilter || lastFilter.text !== view.text || lastFilter.destructiveOnly !== view.destructiveOnly) {
      const changes = selectChanges(plan.changes, view);
      lastFilter = { text: view.text, destructiveOnly: view.destructiveOnly, groups: groupByService(changes), count: changes.length };
    }
    return lastFilter;
  };
  const rows = (view: RowView): PlanRow[] => {
    const { groups } = groupsFor(view);
    if (!lastRows || lastRows.groups !== groups || lastRows.expanded !== view.expanded) {
      lastRows = { groups, expanded: view.expanded, rows: buildRows(groups, view.expanded, detailLines) };
    }
    return lastRows.rows;
  };

  return {
    total: plan.changes.reduce((n, c) => (isNoOp(c) ? n : n + 1), 0),
    headerLines,
    rows,
    shownCount: (view) => groupsFor(view).count,
  };
}
