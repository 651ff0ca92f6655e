import { describe, expect, it } from "vitest";
import type { AppliedConfiguration, StateFile } from "../../../state/backend.js";
import { nextState, parseState, serializeState } from "../../../state/new-state.js";
import { appendHistory, historyRows, rollbackDesired, rollbackTarget } from "../../../src/planner/history.js";
import { renderHistoryText } from "../../../src/render/history-text.js";
import type { DesiredResource } from "../../../src/core/types.js";
import { container, network } from "../planner/fixtures.js";

function applied(serial: number, image: string, extra: Partial<AppliedConfiguration> = {}): AppliedConfiguration {
  const web = container("web", 0, { image: `berth-keep/p:${serial}-web`, image_id: `sha256:${image.repeat(64)}` });
  return { serial, appliedAt: `2026-01-0${serial}T00:00:00.000Z`, templateHash: `${image}`.repeat(16), resources: [network, web], ...extra };
}

describe("the state's history of applied configurations", () => {
  it("loads a state written before the history was kept, and writes it back byte for byte", () => {
    const old = '{\n  "version": 1,\n  "lineage": "l",\n  "serial": 3,\n  "project": "p",\n  "resources": []\n}\n';
    const parsed = parseState(old);
    expect("state" in parsed && parsed.state.history).toBeUndefined();
    expect(serializeState((parsed as { state: StateFile }).state)).toBe(old);
  });

  it("is carried through every write and round-trips through the file", () => {
    const state: StateFile = { version: 1, lineage: "l", serial: 3, project: "p", resources: [], history: [applied(3, "a")] };
    const next = nextState(state, "p", []);
    expect(next.history).toEqual(state.history);
    const reread = parseState(serializeState(next));
    expect("state" in reread && reread.state.history).toEqual(state.history);
    expect(parseState(serializeState({ ...next, history: "x" as unknown as AppliedConfiguration[] }))).toEqual({ problem: "history is not a list" });
  });

  it("keeps the last N, and rolls back to the one before the current or to a serial", () => {
    let history: AppliedConfiguration[] = [];
    for (const [serial, image] of [[1, "a"], [3, "b"], [5, "c"]] as const) history = appendHistory(history, applied(serial, image), 2);
    expect(history.map((h) => h.serial)).toEqual([3, 5]);
    expect(rollbackTarget(history).serial).toBe(3);
    expect(rollbackTarget(history, 5).serial).toBe(5);
    expect(() => rollbackTarget(history, 1)).toThrow(/no applied configuration with serial 1 in the history \(kept: 3, 5\)/);
    expect(() => rollbackTarget(history.slice(1))).toThrow(/no previous one to roll back to/);
    expect(() => rollbackTarget([])).toThrow(/no applied configuration is recorded yet/);
  });

  it("brings along what the pinned configuration depends on but does not hold (a build), from the template", () => {
    const image: DesiredResource = { address: "image.web", type: "image", provider: "docker", name: "web", index: null, service: "web", attributes: { tag: "p-web" }, dependsOn: [] };
    const target = applied(3, "a");
    target.resources[1] = { ...target.resources[1], dependsOn: ["network.default", "image.web"] };
    const other = container("other", 0);
    expect(rollbackDesired(target, [image, other, network]).map((d) => d.address)).toEqual(["network.default", "container.web[0]", "image.web"]);
  });

  it("lists newest first with each service's kept image", () => {
    const rows = historyRows([applied(3, "a"), applied(5, "b", { rollbackOf: 1 })]);
    expect(renderHistoryText(rows, 10)).toBe(
      [
        "Applied configurations (newest first; the state keeps the last 10):",
        "",
        "serial 5  2026-01-05T00:00:00.000Z  template bbbbbbbbbbbb  (current, rollback to serial 1)",
        "    web: berth-keep/p:5-web  bbbbbbbbbbbb",
        "serial 3  2026-01-03T00:00:00.000Z  template aaaaaaaaaaaa",
        "    web: berth-keep/p:3-web  aaaaaaaaaaaa",
        "",
        "`berth rollback` returns to the configuration before the current one; `berth rollback --to SERIAL` to another.",
        "",
      ].join("\n"),
    );
  });
});
