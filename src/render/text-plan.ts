/**
 * A Plan as Terraform-style text. Formatting only: every decision (which action, why, which
 * attributes forced a replacement, what is secret) is read from the masked Plan, never
 * recomputed here.
 */
import { diffArrays, structuredPatch } from "diff";
import type { Actions, ChangeReason, DriftEntry, MaskedPlan, Plan, ResourceChange } from "../core/plan.js";
import { countChanges, hasChanges, isNoOp, isReplace, type Conflict, type KeptResource } from "../core/plan.js";
import { MASK, SENSITIVE_CHANGED } from "../core/secrets.js";
import { formatDiagnostic, type Diagnostic } from "../core/errors.js";
import type { AttrValue, Attributes, ResourceType } from "../core/types.js";
import { palette, type Palette } from "./color.js";

// ---------------------------------------------------------------------------------------------
// Lines: the text and Markdown views share them; `kind` says how a line reads in a diff.

export type LineKind = "create" | "delete" | "update" | "context";

export interface PlanLine {
  kind: LineKind;
  text: string;
}

export interface TextOptions {
  color: boolean;
}

type Sym = "+" | "-" | "~" | " ";

const KIND_OF: Record<Sym, LineKind> = { "+": "create", "-": "delete", "~": "update", " ": "context" };

/** The resource-header symbol Terraform uses for each action set. */
export function actionSymbol(actions: Actions): string {
  if (actions.length === 2) return actions[0] === "delete" ? "-/+" : "+/-";
  switch (actions[0]) {
    case "create":
      return "+";
    case "delete":
      return "-";
    case "update":
      return "~";
    default:
      return " ";
  }
}

function actionKind(actions: Actions): LineKind {
  if (actions.length === 2) return "update";
  return ({ "no-op": "context", create: "create", update: "update", delete: "delete" } as const)[actions[0]];
}

const REASON_NOTE: Record<ChangeReason, string | null> = {
  new: null,
  "attributes-changed": null,
  "removed-from-template": "removed from template",
  "scaled-down": "scaled down",
  "forced-by-replace": "as requested with --replace",
  "drift-missing": "changed outside Berth: it is missing",
  "drift-changed": "changed outside Berth",
  "drift-stopped": "changed outside Berth: it is stopped",
  orphan: "orphan: not in state, not in template",
  adopted: "adopted: running but not in state",
  "foreign-replaced": "not made by Berth: removed as asked with --replace-foreign",
  "dependency-changed": "restarts after its dependencies change:",
};

function headline(change: ResourceChange): string {
  const a = change.address;
  let text: string;
  if (isReplace(change)) {
    text = `# ${a} must be replaced`;
    if (change.actions[0] === "create") text += " (create replacement and then destroy)";
  } else {
    const verb = { "no-op": "is unchanged", create: "will be created", update: "will be updated in-place", delete: "will be destroyed" };
    text = `# ${a} ${verb[change.actions[0]]}`;
  }
  const note = change.reason ? REASON_NOTE[change.reason] : null;
  const restartedBy = change.restartedBy?.length ? ` ${change.restartedBy.join(", ")}` : "";
  return note ? `${text} (${note}${restartedBy})` : text;
}

/**
 * One resource change as Terraform shows it: the "# … will be created" comment, then the
 * `resource "type" "name" { … }` block with per-attribute diffs. `change` must come from a
 * MaskedPlan: this function formats, it does not mask.
 */
export function renderResourceLines(change: ResourceChange, opts: TextOptions): PlanLine[] {
  const pal = palette(opts.color);
  return [
    { kind: "context", text: `  ${pal.bold(headline(change))}` },
    ...resourceBlock(change.type, change.address, change.actions, change.before, change.after, change.replacePaths, pal),
  ];
}

function resourceBlock(
  type: ResourceType,
  address: string,
  actions: Actions,
  before: Attributes | null,
  after: Attributes | null,
  replacePaths: string[][],
  pal: Palette,
): PlanLine[] {
  const sym = actionSymbol(actions);
  const name = address.startsWith(`${type}.`) ? address.slice(type.length + 1) : address;
  const ctx: DiffContext = {
    pal,
    replacePaths,
    heredocKeys: type === "route" || type === "upstream" ? new Set(["rendered_config"]) : new Set(),
    // A replacement's after leaves out what the provider fills in (IDs, assigned ports).
    knownAfterApply: actions.length === 2,
  };
  return [
    { kind: actionKind(actions), text: `${colorSym(sym.padStart(3), pal)} resource "${type}" "${name}" {` },
    ...diffMap(before ?? undefined, after ?? undefined, [], 6, ctx, { quoteKeys: false, alwaysShow: ["name"] }),
    { kind: "context", text: "    }" },
  ];
}

// ---------------------------------------------------------------------------------------------
// Attribute diffs

interface DiffContext {
  pal: Palette;
  replacePaths: string[][];
  /** Top-level string attributes shown as a unified diff (nginx config text). */
  heredocKeys: Set<string>;
  /** Top-level attributes missing from `after` are computed by apply, not removed. */
  knownAfterApply: boolean;
}

interface MapOptions {
  quoteKeys: boolean;
  /** Unchanged keys shown anyway, for context (Terraform always shows a resource's name). */
  alwaysShow: string[];
}

type Side = AttrValue | undefined;

function diffMap(
  before: Record<string, AttrValue> | undefined,
  after: Record<string, AttrValue> | undefined,
  path: string[],
  indent: number,
  ctx: DiffContext,
  opts: MapOptions,
): PlanLine[] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].sort();
  const visible: string[] = [];
  let hidden = 0;
  for (const key of keys) {
    const [b, a] = [before?.[key], after?.[key]];
    if (b !== undefined && a !== undefined && deepEqual(b, a) && !(path.length === 0 && opts.alwaysShow.includes(key))) hidden++;
    else visible.push(key);
  }
  const label = (key: string) => (opts.quoteKeys ? JSON.stringify(key) : key);
  const width = Math.max(0, ...visible.map((k) => label(k).length));
  const lines: PlanLine[] = [];
  for (const key of visible) {
    const entry: Entry = { label: label(key).padEnd(width), path: [...path, key], indent, trail: "" };
    const [b, a] = [before?.[key], after?.[key]];
    if (path.length === 0 && ctx.knownAfterApply && b !== undefined && a === undefined) {
      lines.push(line("~", entry, `${isMap(b) || Array.isArray(b) ? "{...}" : scalar(b)} -> (known after apply)${forcesNote(entry.path, true, ctx)}`, ctx));
    } else if (path.length === 0 && ctx.heredocKeys.has(key) && isTextOrAbsent(b) && isTextOrAbsent(a)) {
      lines.push(...diffHeredoc(entry, b, a, ctx));
    } else {
      lines.push(...diffValue(entry, b, a, ctx));
    }
  }
  if (hidden > 0) {
    const noun = path.length === 0 ? "attribute" : "element";
    lines.push({ kind: "context", text: `${" ".repeat(indent + 2)}${ctx.pal.dim(`# (${hidden} unchanged ${noun}${hidden === 1 ? "" : "s"} hidden)`)}` });
  }
  return lines;
}

/** Where one entry sits: its label (null for list elements), its path, and a trailing "," for lists. */
interface Entry {
  label: string | null;
  path: string[];
  indent: number;
  trail: string;
}

function diffValue(entry: Entry, before: Side, after: Side, ctx: DiffContext): PlanLine[] {
  if (before === undefined && after === undefined) return [];
  if (before === undefined) return wholeValue("+", entry, after as AttrValue, ctx, "");
  if (after === undefined) return wholeValue("-", entry, before, ctx, " -> null");
  if (deepEqual(before, after)) return wholeValue(" ", entry, after, ctx, "");
  if (isMap(before) && isMap(after)) {
    return [
      open("~", entry, "{", ctx, false),
      ...diffMap(before, after, entry.path, entry.indent + 4, ctx, { quoteKeys: true, alwaysShow: [] }),
      close(entry, "}", ""),
    ];
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    return [open("~", entry, "[", ctx, false), ...diffList(before, after, entry, ctx), close(entry, "]", "")];
  }
  const text = after === SENSITIVE_CHANGED ? MASK : `${scalar(before)} -> ${scalar(after)}`;
  return [line("~", entry, `${text}${entry.trail}${forcesNote(entry.path, true, ctx)}`, ctx)];
}

/** A value shown whole, every line with the same symbol (a created or destroyed attribute). */
function wholeValue(sym: Sym, entry: Entry, value: AttrValue, ctx: DiffContext, suffix: string): PlanLine[] {
  if (isMap(value) && Object.keys(value).length > 0) {
    const keys = Object.keys(value).sort();
    const width = Math.max(...keys.map((k) => JSON.stringify(k).length));
    return [
      open(sym, entry, "{", ctx, true),
      ...keys.flatMap((k) =>
        wholeValue(sym, { label: JSON.stringify(k).padEnd(width), path: [...entry.path, k], indent: entry.indent + 4, trail: "" }, value[k], ctx, ""),
      ),
      close(entry, "}", suffix),
    ];
  }
  if (Array.isArray(value) && value.length > 0) {
    return [
      open(sym, entry, "[", ctx, true),
      ...value.flatMap((v, i) => wholeValue(sym, { label: null, path: [...entry.path, String(i)], indent: entry.indent + 4, trail: "," }, v, ctx, "")),
      close(entry, "]", suffix),
    ];
  }
  return [line(sym, entry, `${scalar(value)}${suffix}${entry.trail}${forcesNote(entry.path, true, ctx)}`, ctx)];
}

/**
 * Element-wise list diff (LCS from `diff`); a removed object directly followed by an added one
 * at the same position reads as one changed element.
 */
function diffList(before: AttrValue[], after: AttrValue[], entry: Entry, ctx: DiffContext): PlanLine[] {
  const parts = diffArraysOf(before, after);
  const lines: PlanLine[] = [];
  let index = 0;
  const element = (): Entry => ({ label: null, path: [...entry.path, String(index)], indent: entry.indent + 4, trail: "," });
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p];
    const next = parts[p + 1];
    if (part.removed && next?.added) {
      const paired = Math.min(part.value.length, next.value.length);
      for (let i = 0; i < Math.max(part.value.length, next.value.length); i++) {
        const [b, a] = [part.value[i], next.value[i]];
        if (i < paired && isMap(b) && isMap(a)) lines.push(...diffValue(element(), b, a, ctx));
        else {
          if (b !== undefined) lines.push(...wholeValue("-", element(), b, ctx, ""));
          if (a !== undefined) lines.push(...wholeValue("+", element(), a, ctx, ""));
        }
        index++;
      }
      p++;
      continue;
    }
    const sym: Sym = part.added ? "+" : part.removed ? "-" : " ";
    for (const v of part.value) {
      lines.push(...wholeValue(sym, element(), v, ctx, ""));
      if (!part.removed) index++;
    }
  }
  return lines;
}

function diffArraysOf(before: AttrValue[], after: AttrValue[]) {
  return diffArrays<AttrValue>(before, after, { comparator: deepEqual });
}

/** nginx configuration text as an indented unified diff instead of one long quoted string. */
function diffHeredoc(entry: Entry, before: string | undefined, after: string | undefined, ctx: DiffContext): PlanLine[] {
  const sym: Sym = before === undefined ? "+" : after === undefined ? "-" : "~";
  const patch = structuredPatch("before", "after", withNewline(before ?? ""), withNewline(after ?? ""), undefined, undefined, {
    context: 3,
  });
  const pad = " ".repeat(entry.indent + 4);
  const lines: PlanLine[] = [open(sym, entry, "<<-EOT", ctx, false)];
  for (const hunk of patch.hunks) {
    lines.push({ kind: "context", text: pad + ctx.pal.cyan(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`) });
    for (const text of hunk.lines) {
      if (text.startsWith("\\")) continue; // "\ No newline at end of file" cannot happen: both sides end in one
      const s = (text[0] ?? " ") as Sym;
      lines.push({ kind: KIND_OF[s] ?? "context", text: (pad + colorSym(s, ctx.pal) + text.slice(1)).replace(/\s+$/, "") });
    }
  }
  lines.push({ kind: "context", text: `${" ".repeat(entry.indent + 2)}EOT` });
  return lines;
}

function withNewline(text: string): string {
  return text === "" || text.endsWith("\n") ? text : `${text}\n`;
}

// ---------------------------------------------------------------------------------------------
// Line helpers

function line(sym: Sym, entry: Entry, rest: string, ctx: DiffContext): PlanLine {
  const label = entry.label === null ? "" : `${entry.label} = `;
  return { kind: KIND_OF[sym], text: `${" ".repeat(entry.indent)}${colorSym(sym, ctx.pal)} ${label}${rest}` };
}

function open(sym: Sym, entry: Entry, bracket: string, ctx: DiffContext, leaf: boolean): PlanLine {
  return line(sym, entry, `${bracket}${forcesNote(entry.path, leaf, ctx)}`, ctx);
}

function close(entry: Entry, bracket: string, suffix: string): PlanLine {
  return { kind: "context", text: `${" ".repeat(entry.indent + 2)}${bracket}${suffix}${entry.trail}` };
}

/**
 * "# forces replacement" on the line at a path the planner listed, or on a line that shows a
 * whole value (leaf) containing such a path.
 */
function forcesNote(path: string[], leaf: boolean, ctx: DiffContext): string {
  const hit = ctx.replacePaths.some(
    (rp) => rp.length >= path.length && path.every((p, i) => rp[i] === p) && (leaf || rp.length === path.length),
  );
  return hit && path.length > 0 ? ` ${ctx.pal.red("# forces replacement")}` : "";
}

function colorSym(sym: string, pal: Palette): string {
  switch (sym.trim()) {
    case "+":
      return pal.green(sym);
    case "-":
      return pal.red(sym);
    case "~":
      return pal.yellow(sym);
    case "-/+":
    case "+/-":
      return sym.replace("-", pal.red("-")).replace("+", pal.green("+"));
    default:
      return sym;
  }
}

/** Values JSON-quoted; a masked value shows bare, as Terraform shows `(sensitive value)`. */
function scalar(value: AttrValue): string {
  if (value === MASK || value === SENSITIVE_CHANGED) return value;
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return String(value);
  return JSON.stringify(value);
}

function isMap(value: Side): value is Record<string, AttrValue> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTextOrAbsent(value: Side): value is string | undefined {
  return value === undefined || typeof value === "string";
}

function deepEqual(a: Side, b: Side): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Plan-level sections (shared with the Markdown view where they say the same thing)

export interface SummaryGroup {
  label: "destroy" | "replace" | "create" | "update in place";
  symbol: string;
  destructive: boolean;
  addresses: string[];
}

/** Addresses under each action, destructive groups first; empty groups left out. */
export function summaryGroups(plan: Plan): SummaryGroup[] {
  const groups: SummaryGroup[] = [
    { label: "destroy", symbol: "!", destructive: true, addresses: [] },
    { label: "replace", symbol: "!", destructive: true, addresses: [] },
    { label: "create", symbol: "+", destructive: false, addresses: [] },
    { label: "update in place", symbol: "~", destructive: false, addresses: [] },
  ];
  for (const c of plan.changes) {
    if (isNoOp(c)) continue;
    const at = isReplace(c) ? 1 : c.actions[0] === "delete" ? 0 : c.actions[0] === "create" ? 2 : 3;
    groups[at].addresses.push(c.address);
  }
  return groups.filter((g) => g.addresses.length > 0);
}

export function planCountsLine(plan: Plan): string {
  const n = countChanges(plan);
  return `Plan: ${n.add} to add, ${n.change} to change, ${n.destroy} to destroy.`;
}

export function gapLine(gap: { provider: string; reason: string }): string {
  return `${gap.provider} could not be observed: ${gap.reason}`;
}

/** "container was removed" → "container.web[1] was removed outside Berth". */
export function driftHeadline(d: DriftEntry): string {
  const subject = d.summary.startsWith(`${d.type} `) ? `${d.address} ${d.summary.slice(d.type.length + 1)}` : `${d.address}: ${d.summary}`;
  return /outside/i.test(d.summary) ? subject : `${subject} outside Berth`;
}

/** "volume.db-data: it holds data; `berth destroy --volumes` deletes it" */
export function keptLine(k: KeptResource): string {
  return `${k.address} is not deleted: ${k.reason}`;
}

/** What holds the name, who made it, and the two ways out. */
export function conflictLine(c: Conflict): string {
  return `${c.address}: ${c.type} ${c.name} already exists and was not made by Berth for this project (${c.madeBy}); apply will not remove it. To resolve: ${c.resolution}`;
}

export const NO_CHANGES = "No changes. Your infrastructure matches the configuration.";

// ---------------------------------------------------------------------------------------------

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

  if (!hasChanges(shown)) {
    out.push(pal.green(pal.bold(NO_CHANGES)));
    return `${out.join("\n")}\n`;
  }

  out.push("Berth will perform the following actions:", "", pal.bold("Summary:"));
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
