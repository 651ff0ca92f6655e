import { describe, expect, it } from "vitest";
import type { ResourceChange } from "../../../src/core/plan.js";
import {
  initialBrowseState,
  reduceKey,
  splitPresses,
  rowView,
  type BrowseContext,
  type BrowseState,
  type KeyInfo,
  type RowView,
} from "../../../src/tui/browse-state.js";
import {
  abbreviateList,
  buildRows,
  groupByService,
  moveCursor,
  ownerRow,
  scrollTop,
  selectChanges,
  windowRows,
  type PlanRow,
} from "../../../src/tui/view-model.js";
import { basePlan, change, container } from "../render/fixtures.js";

const changes: ResourceChange[] = [
  change("network.default", ["create"], null, { name: "demo_default" }),
  change("container.web[0]", ["create"], null, container("web", 0)),
  change("container.web[1]", ["delete"], container("web", 1), null),
  change("container.db[0]", ["delete", "create"], container("db", 0), container("db", 0, { image: "x" })),
  change("container.db[1]", ["no-op"], container("db", 1), container("db", 1)),
  change("route.web.localhost", ["update"], { port: 1 }, { port: 2 }, { service: "web" }),
];
const twoLines = () => [
  { kind: "context" as const, text: "a" },
  { kind: "context" as const, text: "b" },
];
const addresses = (rows: PlanRow[]) => rows.map((r) => (r.kind === "group" ? `[${r.title} ${r.count}]` : r.kind === "resource" ? r.key : `  ${r.line.text}`));

describe("view model", () => {
  it("leaves no-ops out, and filters by address and by destructiveness", () => {
    const all = selectChanges(changes, { text: "", destructiveOnly: false }).map((c) => c.address);
    expect(all).toEqual(["network.default", "container.web[0]", "container.web[1]", "container.db[0]", "route.web.localhost"]);
    expect(selectChanges(changes, { text: "WEB", destructiveOnly: false }).map((c) => c.address)).toEqual([
      "container.web[0]",
      "container.web[1]",
      "route.web.localhost",
    ]);
    expect(selectChanges(changes, { text: "", destructiveOnly: true }).map((c) => c.address)).toEqual(["container.web[1]", "container.db[0]"]);
    expect(selectChanges(changes, { text: "db", destructiveOnly: true }).map((c) => c.address)).toEqual(["container.db[0]"]);
  });

  it("groups by service in plan order, shared resources first", () => {
    const groups = groupByService(selectChanges(changes, { text: "", destructiveOnly: false }));
    expect(groups.map((g) => [g.title, g.changes.length])).toEqual([
      ["shared", 1],
      ["web", 3],
      ["db", 1],
    ]);
    expect(groupByService([changes[1]]).map((g) => g.title)).toEqual(["web"]);
  });

  it("puts an expanded resource's lines right under it", () => {
    const groups = groupByService(selectChanges(changes, { text: "", destructiveOnly: false }));
    const rows = buildRows(groups, new Set(["container.web[1]"]), twoLines);
    expect(addresses(rows)).toEqual([
      "[shared 1]",
      "network.default",
      "[web 3]",
      "container.web[0]",
      "container.web[1]",
      "  a",
      "  b",
      "route.web.localhost",
      "[db 1]",
      "container.db[0]",
    ]);
    expect(ownerRow(rows, 6)).toBe(4);
    expect(ownerRow(rows, 3)).toBe(3);
  });

  it("moves the cursor over resources and detail lines, never onto a heading, and stops at the ends", () => {
    const rows = buildRows(groupByService(selectChanges(changes, { text: "", destructiveOnly: false })), new Set(), twoLines);
    expect(moveCursor(rows, 1, 1)).toBe(3);
    expect(moveCursor(rows, 3, -1)).toBe(1);
    expect(moveCursor(rows, 1, -1)).toBe(1);
    expect(moveCursor(rows, 1, 100)).toBe(rows.length - 1);
    expect(moveCursor(rows, rows.length - 1, 1)).toBe(rows.length - 1);
    expect(moveCursor([], 0, 1)).toBe(0);
  });

  it("scrolls as little as possible to keep the cursor, and its heading, in view", () => {
    const rows = buildRows(groupByService(selectChanges(changes, { text: "", destructiveOnly: false })), new Set(), twoLines);
    expect(scrollTop(rows, 1, 0, 3)).toBe(0);
    expect(scrollTop(rows, 5, 0, 3)).toBe(3);
    expect(scrollTop(rows, 4, 3, 3)).toBe(3);
    expect(scrollTop(rows, 3, 3, 3)).toBe(2); // the "web" heading above it comes into view
    expect(scrollTop(rows, 1, 50, 3)).toBe(0);
    expect(windowRows(rows, 2, 3).map((r) => r.key)).toEqual(["group:web", "container.web[0]", "container.web[1]"]);
  });

  it("abbreviates long address lists", () => {
    expect(abbreviateList(["a", "b"], 3)).toBe("a, b");
    expect(abbreviateList(["a", "b", "c", "d", "e"], 2)).toBe("a, b … and 3 more");
  });
});

describe("browse state", () => {
  const plan = basePlan(changes);
  const rows = (view: RowView) => buildRows(groupByService(selectChanges(plan.changes, view)), view.expanded, twoLines);
  const ctx = (mode: "plan" | "confirm" = "plan"): BrowseContext => ({ mode, viewport: 4, rows });
  const press = (state: BrowseState, input: string, key: KeyInfo = {}, mode: "plan" | "confirm" = "plan") =>
    reduceKey(state, { input, key }, ctx(mode));
  const typed = (state: BrowseState, text: string, mode: "plan" | "confirm" = "plan") =>
    [...text].reduce((s, ch) => press(s, ch, {}, mode), state);
  const start = () => initialBrowseState(rows({ text: "", destructiveOnly: false, expanded: new Set() }));
  const current = (s: BrowseState) => rows(rowView(s))[s.cursor]?.key;

  it("starts on the first resource", () => {
    expect(current(start())).toBe("network.default");
  });

  it("expands and folds, scrolling the opened lines into view", () => {
    let s = typed(start(), "jjj");
    expect(current(s)).toBe("route.web.localhost");
    s = press(s, "", { return: true });
    expect([...s.expanded]).toEqual(["route.web.localhost"]);
    expect(s.top).toBeGreaterThan(0);
    s = press(s, "j");
    expect(current(s)).toBe("route.web.localhost#0");
    s = press(s, " ");
    expect(s.expanded.size).toBe(0);
    expect(current(s)).toBe("route.web.localhost");
  });

  it("filters while typing after /, keeps the filter on Enter, and starts again at the top", () => {
    let s = typed(press(start(), "/"), "db");
    expect(s.filterEditing).toBe(true);
    expect(current(s)).toBe("container.db[0]");
    s = press(s, "", { return: true });
    expect(s.filterEditing).toBe(false);
    s = press(s, "q");
    expect(s.result).toBe("quit");
  });

  it("toggles destructive-only with d", () => {
    const s = press(start(), "d");
    expect(rows(rowView(s)).filter((r) => r.kind === "resource").map((r) => r.key)).toEqual(["container.web[1]", "container.db[0]"]);
    expect(press(s, "d").destructiveOnly).toBe(false);
  });

  it("in confirm mode, approves only the word yes", () => {
    expect(press(typed(start(), "yes", "confirm"), "", { return: true }, "confirm").result).toBe("approve");
    expect(press(typed(start(), "yes ", "confirm"), "", { return: true }, "confirm").result).toBe("approve");
    expect(press(typed(start(), "YES", "confirm"), "", { return: true }, "confirm").result).toBe("reject");
    expect(press(typed(start(), "yess", "confirm"), "", { return: true }, "confirm").result).toBe("reject");
    expect(press(start(), "yes\r", {}, "confirm").result).toBe("approve");
    // Enter with no answer opens the resource instead.
    expect(press(start(), "", { return: true }, "confirm").result).toBeNull();
  });

  it("splits keys that arrive in one chunk: j j ⏎ moves twice and opens, never answers \"jj\"", () => {
    const s = press(start(), "jj\r", {}, "confirm");
    expect(s.result).toBeNull();
    expect(s.answer).toBe("");
    expect([...s.expanded]).toEqual([current(typed(start(), "jj"))]);
    expect(splitPresses({ input: "y\u007fes\r", key: {} }).map((p) => p.input || Object.keys(p.key)[0])).toEqual(["y", "backspace", "e", "s", "return"]);
    expect(press(start(), "y\u007fyes\r", {}, "confirm").result).toBe("approve");
  });

  it("Tab gives the keys to the answer and back; Esc clears it and gives them back", () => {
    let s = press(start(), "", { tab: true }, "confirm");
    expect(s.answering).toBe(true);
    s = typed(s, "jy", "confirm");
    expect(s.answer).toBe("jy");
    s = press(s, "", { tab: true }, "confirm");
    const moved = press({ ...s, answer: "", answering: false }, "j", {}, "confirm").cursor;
    s = press(s, "j", {}, "confirm");
    expect([s.answer, s.cursor]).toEqual(["jy", moved]);
    expect(moved).not.toBe(start().cursor);
    s = press(s, "", { escape: true }, "confirm");
    expect(s.answer).toBe("jy");
    s = press(press(s, "", { tab: true }, "confirm"), "", { escape: true }, "confirm");
    expect([s.answer, s.answering]).toEqual(["", false]);
    // Tab in the plain browser does nothing.
    expect(press(start(), "", { tab: true }).answering).toBe(false);
  });

  it("ignores keys once answered", () => {
    const answered = press(start(), "q");
    expect(press(answered, "j")).toBe(answered);
  });
});
