import type { Command } from "commander";
import type { Output } from "../output.js";

/**
 * What Berth runs beside the projects on this machine: the shared router (whether it runs,
 * where it listens, its live generation and the projects it serves) and each project's
 * discovery agent that apply supervises. `--json` for scripts: the demo reads the router's real
 * address from it instead of assuming 127.0.0.1:8480.
 */
export function registerStatusCommand(program: Command, output: Output): void {
  program
    .command("status")
    .description("the shared router (running, address, generation, projects) and the discovery agents apply supervises")
    .option("--json", "machine-readable")
    .action(async (flags: { json?: boolean }) => {
      const [{ routerStatus }, { agentStatuses }] = await Promise.all([
        import("../../../providers/routing/routing-provider.js"),
        import("../../../providers/discovery/agent-supervisor.js"),
      ]);
      const router = await routerStatus();
      const agents = agentStatuses();
      if (flags.json) {
        output.out(JSON.stringify({ router, agents }, null, 2));
        return;
      }
      const state = router.running ? `running (pid ${router.pid})` : "not running";
      output.out(`router: ${state}${router.listen ? ` on ${router.listen}` : ""}, ${router.dir}`);
      if (router.generation !== null) output.out(`  generation ${router.generation}, ${router.reloads} reloads, ${router.starts} starts${router.lastReloadMs !== null ? `; last reload served in ${router.lastReloadMs} ms` : ""}`);
      output.out(`  projects: ${router.projects.length > 0 ? router.projects.join(", ") : "none"}`);
      if (router.running && router.servingHash !== router.configHash) output.out("  warning: the router does not serve its live configuration yet");
      if (agents.length === 0) output.out("agents: none (apply starts one per project that has discovery records)");
      for (const a of agents) {
        output.out(`agent ${a.project}: ${a.running ? `running (pid ${a.pid})` : "NOT running: the next apply starts it again"}, etcd ${a.endpoints.join(",")}, log ${a.log}`);
        if (a.lastLine) output.out(`  last: ${a.lastLine}`);
      }
    });
}
