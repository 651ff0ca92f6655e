import { Command, Option } from "commander";
import type { Output } from "../output.js";
import { collect } from "../exit.js";
import { registerPlanCommands } from "./plan.js";
import { registerApplyCommands } from "./apply.js";
import { registerShowCommands } from "./show.js";
import { registerDiscoveryCommands } from "./discovery.js";
import { registerImportCommand } from "./import.js";
import { registerHistoryCommand } from "./history.js";
import { registerStatusCommand } from "./status.js";

/** Flags every command that reads a template shares (DESIGN.md's settings table). */
export function withProjectFlags(cmd: Command): Command {
  return cmd
    .option("-f, --file <file>", "compose file (repeatable: later files are merged over earlier ones as compose does; default: COMPOSE_FILE, else compose.yaml, docker-compose.yml, ... and its override file)", collect, [])
    .option("-p, --project <name>", "project name (default: COMPOSE_PROJECT_NAME, the template's name:, or the folder)")
    .option("--state <path>", "state location: a file path or etcd://host:port/prefix")
    .option("--domain <domain>", "default domain for bare virtual hosts (BERTH_DOMAIN, default localhost)")
    .option("--publish-address <ip>", "address ports are published on (BERTH_PUBLISH_ADDRESS, default 127.0.0.1)")
    .option("--router-listen <addr>", "router listen address host:port (BERTH_ROUTER_LISTEN)")
    .option("--engine <engine>", "docker (one engine) or swarm (DOCKER_HOST names a manager) (BERTH_ENGINE, x-berth.engine; default docker)")
    .option("--etcd <endpoints>", "etcd endpoints, comma-separated (BERTH_ETCD_ENDPOINTS, ETCD_NODES)")
    .option("--profile <name>", "enable a compose profile (repeatable; COMPOSE_PROFILES; '*' enables all)", collect, [])
    .addOption(new Option("--no-tui", "plain text even on a terminal"));
}

export function registerCommands(program: Command, output: Output): void {
  registerPlanCommands(program, output);
  registerApplyCommands(program, output);
  registerShowCommands(program, output);
  registerDiscoveryCommands(program, output);
  registerImportCommand(program, output);
  registerHistoryCommand(program, output);
  registerStatusCommand(program, output);
}
