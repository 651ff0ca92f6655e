/**
 * Pure helpers the plan view is built from. They only rearrange what the Plan holds — group by
 * service, filter by address, keep the destructive changes, cut a window out of the rows — and
 * never decide an action: every symbol and every diff line comes from the Plan and the text
 * renderer.
 */
import { isDestructive, isNoOp, type ResourceChange } from "../core/plan.js";
import type { Address } from "../core/types.js";
import type { PlanLine } from "../render/plan-line.js";

/** The heading for resources that belong to no service (the network, shared routes). */
export const SHARED_GROUP = "shared";

export interface ServiceGroup {
  /** The service name, or null for shared resources. */
  service: string | null;
  title: string;
  changes: ResourceChange[];
}

export type PlanRow =
  | { kind: "group"; key: string; title: string; count: number }
  | { kind: "resource"; key: string; change: ResourceChange; expanded: boolean }
  | { kind: "detail"; key: string; owner: Address; line: PlanLine };

export interface ChangeFilter {
  /** Case-insensitive substring of the address; "" keeps every change. */
  text: string;
  destructiveOnly: boolean;
}

/** The changes a view shows: no-ops left out (as in the text plan), then the filters. */
export function selectChanges(changes: readonly ResourceChange[], filter: ChangeFilter): ResourceChange[] {
  const needle = filter.text.trim().toLowerCase();
  return changes.filter(
    (c) => !isNoOp(c) && (!filter.destructiveOnly || isDestructive(c)) && (needle === "" || c.address.toLowerCase().includes(needle)),
  );
}

/** Changes grouped by service in the plan's own order; shared resources first. */
export function groupByService(changes: readonly ResourceChange[]): ServiceGroup[] {
  const groups = new Map<string | null, ServiceGroup>();
  groups.set(null, { service: null, title: SHARED_GROUP, changes: [] });
  for (const change of changes) {
    let group = groups.get(change.service);
    if (!group) {
      group = { service: change.service, title: change.service ?? SHARED_GROUP, changes: [] };
      groups.set(change.service, group);
    }
    group.changes.push(change);
  }
  return [...groups.values()].filter((g) => g.changes.length > 0);
}

/**
 * One row per group heading and per resource; an expanded resource is followed by its detail
 * lines (`detailLines` is the text renderer's output for that change).
 */
export function buildRows(
  groups: readonly ServiceGroup[],
  expanded: ReadonlySet<Address>,
  detailLines: (change: ResourceChange) => readonly PlanLine[],
): PlanRow[] {
  const rows: PlanRow[] = [];
  for (const group of groups) {
    rows.push({ kind: "group", key: `group:${group.title}`, title: group.title, count: group.changes.length });
    for (const change of group.changes) {
      const open = expanded.has(change.address);
      rows.push({ kind: "resource", key: change.address, change, expanded: open });
      if (!open) continue;
      detailLines(change).forEach((line, i) => rows.push({ kind: "detail", key: `${change.address}#${i}`, owner: change.address, line }));
    }
  }
  return rows;
}

/** Group headings are labels: the cursor skips them. */
export function isSelectable(row: PlanRow | undefined): boolean {
  return row !== undefined && row.kind !== "group";
}

export function firstSelectable(rows: readonly PlanRow[]): number {
  const at = rows.findIndex(isSelectable);
  return at < 0 ? 0 : at;
}

export function lastSelectable(rows: readonly PlanRow[]): number {
  for (let i = rows.length - 1; i >= 0; i--) if (isSelectable(rows[i])) return i;
  return 0;
}

/**
 * The selectable row `delta` steps away from `cursor` (negative moves up), stopping at the
 * first and last selectable rows.
 */
export function moveCursor(rows: readonly PlanRow[], cursor: number, delta: number): number {
  if (rows.length === 0) return 0;
  const step = delta < 0 ? -1 : 1;
  let at = Math.min(Math.max(cursor, 0), rows.length - 1);
  let best = isSelectable(rows[at]) ? at : firstSelectable(rows);
  for (let left = Math.abs(delta); left > 0; ) {
    at += step;
    if (at < 0 || at >= rows.length) break;
    if (isSelectable(rows[at])) {
      best = at;
      left--;
    }
  }
  return best;
}

/** The resource row a detail row belongs to (the row itself for a resource). */
export function ownerRow(rows: readonly PlanRow[], cursor: number): number {
  let at = cursor;
  while (at > 0 && rows[at]?.kind === "detail") at--;
  return at;
}

/** Where the resource with this address sits now, or -1. */
export function rowOf(rows: readonly PlanRow[], address: Address): number {
  return rows.findIndex((r) => r.kind === "resource" && r.change.address === address);
}

/**
 * The first row shown so that the cursor stays visible, scrolling as little as possible from
 * `previousTop`. A group heading right above the cursor is kept in view with it.
 */
export function scrollTop(rows: readonly PlanRow[], cursor: number, previousTop: number, viewport: number): number {
  const height = Math.max(1, viewport);
  const maxTop = Math.max(0, rows.length - height);
  const wantFrom = rows[cursor - 1]?.kind === "group" ? cursor - 1 : cursor;
  let top = Math.min(Math.max(previousTop, 0), maxTop);
  if (wantFrom < top) top = wantFrom;
  if (cursor >= top + height) top = cursor - height + 1;
  return Math.min(Math.max(top, 0), maxTop);
}

/** The rows a viewport of `viewport` lines shows from `top`: the only rows ever rendered. */
export function windowRows<T>(rows: readonly T[], top: number, viewport: number): T[] {
  return rows.slice(top, top + Math.max(0, viewport));
}

/** "a, b, c … and 12 more": a bounded list of addresses for one header line. */
export function abbreviateList(items: readonly string[], max: number): string {
  if (items.length <= max) return items.join(", ");
  return `${items.slice(0, max).join(", ")} … and ${items.length - max} more`;
}
