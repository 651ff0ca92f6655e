/**
 * Plans and terminal streams shared by the TUI tests and bench/tui-bench.tsx (which is why this
 * file imports nothing from vitest).
 */
import { EventEmitter } from "node:events";
import type { Actions, Plan, ResourceChange } from "../../../src/core/plan.js";
import { basePlan, change, container } from "../render/fixtures.js";

const ACTION_CYCLE: Actions[] = [["create"], ["create"], ["update"], ["create"], ["delete"], ["create"], ["delete", "create"]];

/**
 * The network and `services` services × `replicas` containers, actions cycling through create,
 * update, delete and replace, in address order as the planner emits them.
 */
export function largePlan(services: number, replicas: number): Plan {
  const changes: ResourceChange[] = [change("network.default", ["create"], null, { name: "demo_default", driver: "bridge" })];
  let n = 0;
  for (let s = 0; s < services; s++) {
    const svc = `svc${String(s).padStart(3, "0")}`;
    for (let i = 0; i < replicas; i++) {
      const actions = ACTION_CYCLE[n++ % ACTION_CYCLE.length];
      const before = actions[0] === "create" && actions.length === 1 ? null : container(svc, i);
      const after = actions[0] === "delete" && actions.length === 1 ? null : container(svc, i, actions[0] === "no-op" ? {} : { image: `berth/${svc}:2` });
      changes.push(change(`container.${svc}[${i}]`, actions, before, after, actions.length === 2 ? { replacePaths: [["image"]] } : {}));
    }
  }
  return basePlan(changes);
}

/** A terminal-like output stream for Ink outside ink-testing-library (run-tui, bench). */
export class FakeStdout extends EventEmitter {
  readonly frames: string[] = [];
  isTTY = true;
  columns = 100;
  rows = 40;
  write = (chunk: string): boolean => {
    this.frames.push(chunk);
    this.emit("frame", chunk);
    return true;
  };
  get output(): string {
    return this.frames.join("");
  }
}

/** A terminal-like input stream: `press("j")` delivers one key press. */
export class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  press(data: string): void {
    this.data = data;
    this.emit("readable");
    this.emit("data", data);
  }
  read = (): string | null => {
    const { data } = this;
    this.data = null;
    return data;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}
