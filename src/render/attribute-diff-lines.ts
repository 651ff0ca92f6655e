/**
 * Attribute-by-attribute diff lines of one resource, as Terraform prints them: nested maps and
 * lists diffed element-wise, multi-line text as a unified diff, "# forces replacement" where the
 * planner said so. Formatting only: every value arrives masked.
 */
import { diffArrays, structuredPatch } from "diff";
import { MASK, SENSITIVE_CHANGED } from "../core/secrets.js";
import type { AttrValue } from "../core/types.js";
import { colorSym, KIND_OF, type Palette, type PlanLine, type Sym } from "./plan-line.js";

export interface DiffContext {
  pal: Palette;
  replacePaths: string[][];
  /** Top-level attributes missing from `after` are computed by apply, not removed. */
  knownAfterApply: boolean;
  /** Top-level attributes the plan says are known only after apply (an upstream's endpoints). */
  unknown: ReadonlySet<string>;
}

export interface MapOptions {
  quoteKeys: boolean;
  /** Unchanged keys shown anyway, for context (Terraform always shows a resource's name). */
  alwaysShow: string[];
}

type Side = AttrValue | undefined;

export function diffMap(
  before: Record<string, AttrValue> | undefined,
  after: Record<string, AttrValue> | undefined,
  path: string[],
  indent: number,
  ctx: DiffContext,
  opts: MapOptions,
): PlanLine[] {
  const unknown = path.length === 0 ? [...ctx.unknown] : [];
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {}), ...unknown])].sort();
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
    if (path.length === 0 && ctx.unknown.has(key) && b === undefined && a === undefined) {
      lines.push(line("+", entry, `(known after apply)${forcesNote(entry.path, true, ctx)}`, ctx));
    } else if (path.length === 0 && (ctx.knownAfterApply || ctx.unknown.has(key)) && b !== undefined && a === undefined) {
      lines.push(line("~", entry, `${isMap(b) || Array.isArray(b) ? "{...}" : scalar(b)} -> (known after apply)${forcesNote(entry.path, true, ctx)}`, ctx));
    } else if (path.length === 0 && isTextOrAbsent(b) && isTextOrAbsent(a) && [b, a].some((v) => v?.includes("\n"))) {
      // Text of several lines (a rendered configuration) reads as a unified diff, whatever resource holds it.
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

/** Multi-line text (an nginx configuration) as an indented unified diff instead of one long quoted string. */
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

export function line(sym: Sym, entry: Entry, rest: string, ctx: DiffContext): PlanLine {
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
