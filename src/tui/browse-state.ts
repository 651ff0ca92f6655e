/**
 * What a key press does to the plan browser: a pure reducer over the browser's own state
 * (cursor, scroll, expanded resources, filter, the typed answer). It changes what is shown,
 * never the plan.
 */
import type { Address } from "../core/types.js";
import {
  firstSelectable,
  lastSelectable,
  moveCursor,
  ownerRow,
  rowOf,
  scrollTop,
  type ChangeFilter,
  type PlanRow,
} from "./view-model.js";

export type BrowseResult = "quit" | "approve" | "reject";
export type BrowseMode = "plan" | "confirm";

export interface BrowseState {
  cursor: number;
  top: number;
  expanded: ReadonlySet<Address>;
  filter: string;
  /** True while `/` has the filter line taking the typed letters. */
  filterEditing: boolean;
  destructiveOnly: boolean;
  /** Confirm mode: the answer typed so far. */
  answer: string;
  /**
   * Confirm mode: letters go to the answer rather than browse the plan. Set by typing a letter
   * that browses nothing (the `y` of `yes`) or by Tab; Tab and Esc give the keys back to the plan.
   */
  answering: boolean;
  result: BrowseResult | null;
}

/** The parts of Ink's `Key` the browser reads. */
export interface KeyInfo {
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  backspace?: boolean;
  delete?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  tab?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
}

export interface KeyPress {
  input: string;
  key: KeyInfo;
}

export interface BrowseContext {
  mode: BrowseMode;
  /** Rows the list has room for. */
  viewport: number;
  /** The rows for a given filter and expansion (memoised by the caller). */
  rows(view: RowView): PlanRow[];
}

export interface RowView extends ChangeFilter {
  expanded: ReadonlySet<Address>;
}

/** The only word that approves, as in Terraform. */
export const APPROVAL_WORD = "yes";

export function initialBrowseState(rows: readonly PlanRow[]): BrowseState {
  return {
    cursor: firstSelectable(rows),
    top: 0,
    expanded: new Set(),
    filter: "",
    filterEditing: false,
    destructiveOnly: false,
    answer: "",
    answering: false,
    result: null,
  };
}

export function rowView(state: BrowseState): RowView {
  return { text: state.filter, destructiveOnly: state.destructiveOnly, expanded: state.expanded };
}

/**
 * Keys typed faster than the view reads them (a quick typist, key repeat, tmux send-keys) reach
 * Ink as one chunk, "jj\r". Each is reduced as its own press, so `j j ⏎` moves twice and opens
 * a change rather than answering "jj", and a pasted "yes\r" still approves.
 */
export function reduceKey(state: BrowseState, press: KeyPress, ctx: BrowseContext): BrowseState {
  return splitPresses(press).reduce((s, p) => reduceOne(s, p, ctx), state);
}

export function splitPresses(press: KeyPress): KeyPress[] {
  const { input, key } = press;
  if (input.length <= 1 || Object.values(key).some((flag) => flag === true)) return [press];
  return [...input].map((ch): KeyPress => {
    if (ch === "\r" || ch === "\n") return { input: "", key: { return: true } };
    if (ch === "\u007f" || ch === "\b") return { input: "", key: { backspace: true } };
    if (ch === "\t") return { input: "", key: { tab: true } };
    return { input: ch, key: {} };
  });
}

function reduceOne(state: BrowseState, press: KeyPress, ctx: BrowseContext): BrowseState {
  if (state.result !== null) return state;
  const { input, key } = press;
  if (key.ctrl && input === "c") return { ...state, result: ctx.mode === "plan" ? "quit" : "reject" };

  const moved = navigate(state, key, ctx);
  if (moved) return moved;
  if (state.filterEditing) return editFilter(state, press, ctx);
  if (ctx.mode === "confirm" && state.answering) return editAnswer(state, press);
  return browse(state, press, ctx);
}

/** Arrow and paging keys move the cursor whatever else has the keyboard. */
function navigate(state: BrowseState, key: KeyInfo, ctx: BrowseContext): BrowseState | null {
  const rows = ctx.rows(rowView(state));
  const page = Math.max(1, ctx.viewport - 1);
  if (key.upArrow) return moveTo(state, moveCursor(rows, state.cursor, -1), rows, ctx);
  if (key.downArrow) return moveTo(state, moveCursor(rows, state.cursor, 1), rows, ctx);
  if (key.pageUp) return moveTo(state, moveCursor(rows, state.cursor, -page), rows, ctx);
  if (key.pageDown) return moveTo(state, moveCursor(rows, state.cursor, page), rows, ctx);
  if (key.home) return moveTo(state, firstSelectable(rows), rows, ctx);
  if (key.end) return moveTo(state, lastSelectable(rows), rows, ctx);
  return null;
}

function browse(state: BrowseState, { input, key }: KeyPress, ctx: BrowseContext): BrowseState {
  const rows = ctx.rows(rowView(state));
  if (key.return || input === " ") return toggle(state, rows, ctx);
  if (key.escape) return state.filter !== "" ? refilter(state, { filter: "" }, ctx) : state;
  if (key.tab && ctx.mode === "confirm") return { ...state, answering: true };
  if (key.ctrl || key.meta || key.tab || key.leftArrow || key.rightArrow || key.backspace || key.delete) return state;
  switch (input) {
    case "j":
      return moveTo(state, moveCursor(rows, state.cursor, 1), rows, ctx);
    case "k":
      return moveTo(state, moveCursor(rows, state.cursor, -1), rows, ctx);
    case "g":
      return moveTo(state, firstSelectable(rows), rows, ctx);
    case "G":
      return moveTo(state, lastSelectable(rows), rows, ctx);
    case "/":
      return { ...state, filterEditing: true };
    case "d":
      return refilter(state, { destructiveOnly: !state.destructiveOnly }, ctx);
    case "q":
      return { ...state, result: ctx.mode === "plan" ? "quit" : "reject" };
    case "":
      return state;
  }
  if (ctx.mode !== "confirm") return state;
  if (input === "n") return { ...state, result: "reject" };
  // Any other letter starts the answer, so typing "yes" and Enter approves as in Terraform.
  return editAnswer({ ...state, answering: true }, { input, key });
}

function editFilter(state: BrowseState, { input, key }: KeyPress, ctx: BrowseContext): BrowseState {
  if (key.return) return { ...state, filterEditing: false };
  if (key.escape) return refilter({ ...state, filterEditing: false }, { filter: "" }, ctx);
  if (key.backspace || key.delete) return refilter(state, { filter: state.filter.slice(0, -1) }, ctx);
  if (key.ctrl || key.meta || key.tab || input === "") return state;
  return refilter(state, { filter: state.filter + printable(input) }, ctx);
}

function editAnswer(state: BrowseState, { input, key }: KeyPress): BrowseState {
  if (key.return) return submit(state.answer, state);
  if (key.escape) return { ...state, answer: "", answering: false };
  // The answer typed so far stays: typing on after browsing continues it.
  if (key.tab) return { ...state, answering: false };
  if (key.backspace || key.delete) return { ...state, answer: state.answer.slice(0, -1) };
  if (key.ctrl || key.meta || input === "") return state;
  return { ...state, answer: state.answer + printable(input) };
}

function submit(answer: string, state: BrowseState): BrowseState {
  return { ...state, answer, result: answer.trim() === APPROVAL_WORD ? "approve" : "reject" };
}

/** Enter/Space on a resource expands it; on one of its detail lines, folds it back. */
function toggle(state: BrowseState, rows: readonly PlanRow[], ctx: BrowseContext): BrowseState {
  const owner = rows[ownerRow(rows, state.cursor)];
  if (owner?.kind !== "resource") return state;
  const address = owner.change.address;
  const expanded = new Set(state.expanded);
  if (expanded.has(address)) expanded.delete(address);
  else expanded.add(address);
  const next = { ...state, expanded };
  const nextRows = ctx.rows(rowView(next));
  const at = Math.max(0, rowOf(nextRows, address));
  const moved = moveTo(next, at, nextRows, ctx);
  if (!expanded.has(address)) return moved;
  // Scroll the opened diff into view, as much of it as fits below its resource.
  let last = at;
  while (nextRows[last + 1]?.kind === "detail") last++;
  return { ...moved, top: Math.max(moved.top, Math.min(at, last - ctx.viewport + 1)) };
}

/** A new filter shows other rows: start again at the top. */
function refilter(state: BrowseState, change: Partial<Pick<BrowseState, "filter" | "destructiveOnly">>, ctx: BrowseContext): BrowseState {
  const next = { ...state, ...change };
  const rows = ctx.rows(rowView(next));
  return { ...next, cursor: firstSelectable(rows), top: 0 };
}

function moveTo(state: BrowseState, cursor: number, rows: readonly PlanRow[], ctx: BrowseContext): BrowseState {
  return { ...state, cursor, top: scrollTop(rows, cursor, state.top, ctx.viewport) };
}

/** Typed text without control characters (a stray escape must not reach the screen). */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, "");
}
