/**
 * The plan browser: counts and destructive changes first, then every change grouped by
 * service, one line each; Enter/Space opens a change's attribute diff as the text plan prints
 * it. Only the rows that fit the terminal are rendered, so the size of the plan does not slow
 * the view down. In confirm mode a Terraform-style prompt sits at the bottom.
 */
import { Box, Text, useInput, useStdin, useStdout } from "ink";
import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState, type ReactNode } from "react";
import { formatDiagnostic } from "../core/errors.js";
import { palette as pens } from "../render/color.js";
import { hasChanges, isReplace, type Actions, type Plan, type ResourceChange } from "../core/plan.js";
import type { Address } from "../core/types.js";
import {
  NO_CHANGES,
  actionSymbol,
  driftHeadline,
  gapLine,
  maskPlan,
  planCountsLine,
  renderResourceLines,
  summaryGroups,
  type PlanLine,
} from "../render/text-plan.js";
import {
  initialBrowseState,
  reduceKey,
  rowView,
  type BrowseContext,
  type BrowseMode,
  type BrowseResult,
  type BrowseState,
  type KeyPress,
  type RowView,
} from "./browse-state.js";
import { abbreviateList, buildRows, groupByService, scrollTop, selectChanges, windowRows, type PlanRow, type ServiceGroup } from "./view-model.js";

export type { BrowseResult } from "./browse-state.js";

export interface PlanViewProps {
  plan: Plan;
  /** False under NO_COLOR or on a dumb terminal: nothing is coloured or styled. */
  color: boolean;
  /** Terminal rows to fit in; defaults to the terminal's height. */
  height?: number;
  mode: BrowseMode;
  /** Confirm mode: which question the prompt asks. */
  verb?: "Apply" | "Destroy";
  onExit(result: BrowseResult): void;
}

/** Most addresses listed per destructive group, and notice lines, in the header. */
const HEADER_ADDRESSES = 8;
const HEADER_NOTICES = 3;
const DEFAULT_ROWS = 24;
/** Never fewer list rows than this, however small the terminal. */
const MIN_VIEWPORT = 3;

export function PlanView({ plan, color, height, mode, verb = "Apply", onExit }: PlanViewProps): ReactNode {
  const model = useMemo(() => createPlanModel(plan, color), [plan, color]);
  const terminalRows = useTerminalRows();
  const header = model.headerLines();
  const footer = footerLines(mode, verb, color);
  // One spare line: Ink redraws the whole screen when its output reaches the terminal's height.
  const viewport = Math.max(MIN_VIEWPORT, (height ?? terminalRows ?? DEFAULT_ROWS) - header.length - footer.reserve - 1);

  const ctx: BrowseContext = useMemo(() => ({ mode, viewport, rows: model.rows }), [mode, viewport, model]);
  const reducer = useCallback((state: BrowseState, press: KeyPress) => reduceKey(state, press, ctx), [ctx]);
  const [state, dispatch] = useReducer(reducer, undefined, () => initialBrowseState(model.rows(EMPTY_VIEW)));

  const { isRawModeSupported } = useStdin();
  useInput((input, key) => dispatch({ input, key }), { isActive: isRawModeSupported === true && state.result === null });

  // A layout effect: it runs as the answer's frame is committed, not some ticks later.
  useLayoutEffect(() => {
    if (state.result !== null) onExit(state.result);
  }, [state.result, onExit]);

  const rows = model.rows(rowView(state));
  const top = scrollTop(rows, state.cursor, state.top, viewport);
  const visible = windowRows(rows, top, viewport);
  const pen = pens(color);

  return (
    <Box flexDirection="column">
      {header.map((line, i) => (
        <Text key={`h${i}`} wrap="truncate-end">
          {line}
        </Text>
      ))}
      {visible.length === 0 && hasChanges(plan) ? <Text>{pen.dim("  no change matches the filter")}</Text> : null}
      {visible.map((row, i) => (
        <Row key={row.key} row={row} selected={top + i === state.cursor} color={color} />
      ))}
      <Footer
        mode={mode}
        verb={verb}
        color={color}
        state={state}
        status={statusLine(model.shownCount(rowView(state)), model.total, rows.length, top, visible.length, state)}
        lines={footer}
      />
    </Box>
  );
}

const EMPTY_VIEW: RowView = { text: "", destructiveOnly: false, expanded: new Set() };

// ---------------------------------------------------------------------------------------------
// The model: the plan rearranged for the view, computed once per plan and memoised per filter.

interface PlanModel {
  total: number;
  headerLines(): string[];
  rows(view: RowView): PlanRow[];
  shownCount(view: RowView): number;
}

function createPlanModel(plan: Plan, color: boolean): PlanModel {
  const pal = pens(color);
  // Masking walks every attribute of every change: done on first need (an expanded resource,
  // a notice to show), not before the first frame. Lists and counts hold no attribute values.
  let masked: { plan: Plan; byAddress: Map<Address, ResourceChange> } | null = null;
  const shown = () => {
    if (!masked) {
      const m = maskPlan(plan, { flagChangedSecrets: true });
      masked = { plan: m, byAddress: new Map(m.changes.map((c) => [c.address, c])) };
    }
    return masked;
  };
  const details = new Map<Address, readonly PlanLine[]>();
  const detailLines = (change: ResourceChange): readonly PlanLine[] => {
    let lines = details.get(change.address);
    if (!lines) {
      const safe = shown().byAddress.get(change.address);
      lines = safe ? renderResourceLines(safe, { color }) : [];
      details.set(change.address, lines);
    }
    return lines;
  };

  let header: string[] | null = null;
  const headerLines = (): string[] => {
    if (header) return header;
    const lines: string[] = [];
    if (!hasChanges(plan)) lines.push(pal.green(pal.bold(NO_CHANGES)));
    else lines.push(pal.bold(planCountsLine(plan)));
    for (const g of summaryGroups(plan).filter((s) => s.destructive)) {
      lines.push(pal.red(pal.bold(`${g.symbol} ${g.label} (${g.addresses.length}):`)) + ` ${abbreviateList(g.addresses, HEADER_ADDRESSES)}`);
    }
    if (plan.warnings.length + plan.gaps.length + plan.drift.length > 0) {
      const safe = shown().plan;
      const notices = [
        ...safe.warnings.map((w) => pal.yellow(formatDiagnostic(w))),
        ...safe.gaps.map((g) => pal.yellow(`Warning: ${gapLine(g)}`)),
        ...safe.drift.map((d) => `Note: ${driftHeadline(d)}`),
      ];
      lines.push(...notices.slice(0, HEADER_NOTICES));
      if (notices.length > HEADER_NOTICES) lines.push(pal.dim(`… and ${notices.length - HEADER_NOTICES} more notices (berth plan --no-tui shows them all)`));
    }
    lines.push("");
    header = lines;
    return header;
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
  const total = selectChanges(plan.changes, { text: "", destructiveOnly: false }).length;
  return { total, headerLines, rows, shownCount: (view) => groupsFor(view).count };
}

// ---------------------------------------------------------------------------------------------
// Rows

function Row({ row, selected, color }: { row: PlanRow; selected: boolean; color: boolean }): ReactNode {
  const pen = pens(color);
  const marker = selected ? "›" : " ";
  switch (row.kind) {
    case "group":
      return (
        <Text wrap="truncate-end">
          {"  "}
          {pen.bold(row.title)} {pen.dim(`(${row.count})`)}
        </Text>
      );
    case "resource": {
      const { change } = row;
      const line = (
        <>
          {row.expanded ? "▾" : "▸"} {symbolOf(change.actions, color).padStart(padFor(change.actions, color))} {change.address}
          {"  "}
          {pen.dim(actionLabel(change))}
        </>
      );
      return (
        <Text wrap="truncate-end">
          {pen.bold(marker)}
          {"   "}
          {selected && color ? <Text inverse>{line}</Text> : line}
        </Text>
      );
    }
    case "detail":
      return (
        <Text wrap="truncate-end">
          {pen.bold(marker)}
          {"     "}
          {row.line.text}
        </Text>
      );
  }
}

/** Words for the action set, beside the symbol (the expanded diff says why). */
function actionLabel(change: ResourceChange): string {
  if (isReplace(change)) return change.actions[0] === "delete" ? "replace (destroy, then create)" : "replace (create, then destroy)";
  return { "no-op": "no change", create: "create", update: "update in-place", delete: "destroy" }[change.actions[0]];
}

/** The text plan's symbol for the action set, coloured as the text plan colours it. */
function symbolOf(actions: Actions, color: boolean): string {
  const sym = actionSymbol(actions);
  if (!color) return sym;
  const pal = pens(true);
  return sym.replace("+", pal.green("+")).replace("-", pal.red("-")).replace("~", pal.yellow("~"));
}

/** Pads the (possibly coloured) symbol to three visible columns. */
function padFor(actions: Actions, color: boolean): number {
  return 3 + (symbolOf(actions, color).length - actionSymbol(actions).length);
}

// ---------------------------------------------------------------------------------------------
// Footer

interface FooterLines {
  /** Lines the footer takes, so the list knows its room. */
  reserve: number;
  help: string;
  question: string[];
}

function footerLines(mode: BrowseMode, verb: "Apply" | "Destroy", color: boolean): FooterLines {
  const pen = pens(color);
  const browse = "↑↓/j k move · space/⏎ open · / filter · d destructive only";
  if (mode === "plan") return { reserve: 3, help: pen.dim(`${browse} · q quit`), question: [] };
  const question =
    verb === "Destroy"
      ? ["Do you really want to destroy all resources?", "  Berth will destroy all your managed infrastructure, as shown above. There is no undo."]
      : ["Do you want to perform these actions?", "  Berth will perform the actions described above."];
  const lines = [pen.bold(question[0]), question[1], "  Only 'yes' will be accepted to approve."];
  return {
    // status + help + their margin, then the question, the answer line and their margin
    reserve: 3 + lines.length + 2,
    help: pen.dim(`type yes ⏎ to ${verb.toLowerCase()} · n/q cancel · ${browse}`),
    question: lines,
  };
}

function statusLine(shown: number, total: number, rowCount: number, top: number, visible: number, state: BrowseState): string {
  const parts = [shown === total ? `${total} changes` : `${shown} of ${total} changes`];
  if (state.destructiveOnly) parts.push("destructive only");
  if (state.filter !== "" && !state.filterEditing) parts.push(`filter "${state.filter}" (esc clears)`);
  if (rowCount > visible) parts.push(`lines ${top + 1}–${top + visible} of ${rowCount}`);
  return parts.join(" · ");
}

function Footer(props: {
  mode: BrowseMode;
  verb: "Apply" | "Destroy";
  color: boolean;
  state: BrowseState;
  status: string;
  lines: FooterLines;
}): ReactNode {
  const { state, lines, color } = props;
  const pen = pens(color);
  return (
    <Box flexDirection="column" marginTop={1}>
      {state.filterEditing ? (
        <Text wrap="truncate-end">
          {pen.bold("/")}
          {state.filter}
          {cursorBlock(color)} {pen.dim("⏎ keep · esc clear")}
        </Text>
      ) : (
        <Text wrap="truncate-end">{pen.dim(props.status)}</Text>
      )}
      <Text wrap="truncate-end">{lines.help}</Text>
      {props.mode === "confirm" ? (
        <Box flexDirection="column" marginTop={1}>
          {lines.question.map((line, i) => (
            <Text key={`q${i}`} wrap="truncate-end">
              {line}
            </Text>
          ))}
          <Text>
            {"  "}
            {pen.bold("Enter a value:")} {state.answer}
            {state.filterEditing ? "" : cursorBlock(color)}
          </Text>
        </Box>
      ) : null}
    </Box>
  );
}

function cursorBlock(color: boolean): ReactNode {
  return color ? <Text inverse> </Text> : "_";
}

// ---------------------------------------------------------------------------------------------

/** The terminal's height, following resizes. */
function useTerminalRows(): number | undefined {
  const { stdout } = useStdout();
  const [rows, setRows] = useState<number | undefined>(stdout.rows);
  const latest = useRef(rows);
  useEffect(() => {
    const onResize = () => {
      if (stdout.rows !== latest.current) {
        latest.current = stdout.rows;
        setRows(stdout.rows);
      }
    };
    stdout.on("resize", onResize);
    return () => {
      stdout.off("resize", onResize);
    };
  }, [stdout]);
  return rows;
}
