import { Command } from "commander";
import { historyRows } from "../../planner/history.js";
import { renderHistoryText } from "../../render/history-text.js";
import { historyLimit } from "../history.js";
import type { Output } from "../output.js";
import { openWorkspace } from "../workspace.js";
import { withProjectFlags } from "./index.js";

/** `berth history`: the applied configurations the state keeps, which `berth rollback` returns to. */
export function registerHistoryCommand(program: Command, output: Output): void {
  withProjectFlags(program.command("history").description("list the applied configurations berth rollback can return to")).action(async (flags) => {
    const ws = await openWorkspace(flags, output);
    try {
      output.out(renderHistoryText(historyRows(ws.state?.history ?? []), historyLimit()).trimEnd());
    } finally {
      await ws.close();
    }
  });
}
