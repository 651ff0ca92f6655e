/**
 * The plan browser: counts and destructive changes first, then every change grouped by
 * service, one line each; Enter/Space opens a change's attribute diff as the text plan prints
 * it. Only the rows that fit the terminal are rendered, so the size of the plan does not slow
 * the view down. In confirm mode a Terraform-style prompt sits at the bottom.
 */
import { Box, Text, useInput, useStdin, useStdout } from "ink";
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState, type ReactNode } from "react";
import { isReplace, hasChanges, type Actions, type MaskedPlan, type ResourceChange } from "../core/plan.js";
import { palette as pens } from "../render/color.js";
import { actionSymbol } from "../render/resource-lines.js";
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
import { createPlanModel } from "./plan-model.js";
import { scrollTop, windowRows, type PlanRow } from "./view-model.js";

export type { BrowseResult } from "./browse-state.js";

export interface PlanViewProps {
  plan: MaskedPlan;
  /** False under NO_COLOR or on a dumb terminal: nothing is coloured or styled. */
  color: boolean;
  /** Terminal rows to fit in; defaults to the terminal's height. */
  height?: number;
  mode: BrowseMode;
  /** Confirm mode: which question the prompt asks. */
  verb?: "Apply" | "Destroy";
  onExit(result: BrowseResult): void;
}

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
// Rows

/** Memoised: moving the cursor redraws two rows, scrolling none (their props do not change). */
const Row = memo(function Row({ row, selected, color }: { row: PlanRow; selected: boolean; color: boolean }): ReactNode {
  const pen = pens(color);
  const marker = selected ? "›" : " ";
  switch (row.kind) {
    case "group":
      return <Text wrap="truncate-end">{`  ${pen.bold(row.title)} ${pen.dim(`(${row.count})`)}`}</Text>;
    case "resource": {
      const { change } = row;
      const body = `${row.expanded ? "▾" : "▸"} ${symbolOf(change.actions, color).padStart(padFor(change.actions, color))} ${change.address}  ${pen.dim(actionLabel(change))}${change.interruption === undefined ? "" : `  ${pen.red(pen.bold("interrupts service"))}`}`;
      return (
        <Text wrap="truncate-end">
          {pen.bold(marker)}
          {"   "}
          {selected && color ? <Text inverse>{body}</Text> : body}
        </Text>
      );
    }
    case "detail":
      return <Text wrap="truncate-end">{`${pen.bold(marker)}     ${row.line.text}`}</Text>;
  }
});

/** Words for the action set, beside the symbol (the expanded diff says why). */
function actionLabel(change: ResourceChange): string {
  const moved = change.movedFrom ? ` · moved from ${change.movedFrom}` : "";
  if (isReplace(change)) return `${change.actions[0] === "delete" ? "replace (destroy, then create)" : "replace (create, then destroy)"}${moved}`;
  return `${{ "no-op": "no change", create: "create", update: "update in-place", delete: "destroy" }[change.actions[0]]}${moved}`;
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
  /** The keys while they browse the plan. */
  help: string[];
  /** Confirm mode: the keys while they type the answer (as many lines as `help`). */
  answerHelp: string[];
  question: string[];
}

function footerLines(mode: BrowseMode, verb: "Apply" | "Destroy", color: boolean): FooterLines {
  const pen = pens(color);
  const browse = "↑↓/j k move · space/⏎ open · / filter · d destructive only";
  if (mode === "plan") return { reserve: 3, help: [pen.dim(`${browse} · q quit`)], answerHelp: [], question: [] };
  const question =
    verb === "Destroy"
      ? ["Do you really want to destroy all resources?", "  Berth will destroy all your managed infrastructure, as shown above. There is no undo."]
      : ["Do you want to perform these actions?", "  Berth will perform the actions described above."];
  const lines = [pen.bold(question[0]), question[1], "  Only 'yes' will be accepted to approve."];
  const word = verb.toLowerCase();
  // The same letters browse or spell the answer: which of the two has them is said first.
  const help = [`keys browse the plan until you type · yes ⏎ to ${word} · n/q cancel · tab to the answer`, browse];
  const answerHelp = [`keys type the answer · yes ⏎ to ${word}, anything else cancels · tab back to the plan`, "esc clears the answer · ↑↓ still move"];
  return {
    // status + help + their margin, then the question, the answer line and their margin
    reserve: 2 + help.length + lines.length + 2,
    help: help.map((line) => pen.dim(line)),
    answerHelp: answerHelp.map((line) => pen.dim(line)),
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
      {(props.mode === "confirm" && state.answering ? lines.answerHelp : lines.help).map((line, i) => (
        <Text key={`k${i}`} wrap="truncate-end">
          {line}
        </Text>
      ))}
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
            {state.answering || (state.answer === "" && !state.filterEditing) ? cursorBlock(color) : ""}
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
