import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import { UserError } from "../../src/core/errors.js";
import type { ApplyContext } from "../../src/core/provider.js";
import type { Address, DependencyCondition } from "../../src/core/types.js";
import type { ContainerAttributes } from "./attributes.js";
import { engineStatus } from "../../src/clients/docker.js";
import { readyTimeoutMs } from "./readiness.js";

const POLL_MS = 200;

/** What the dependent waits for, in the words of its error messages. */
const GOAL: Record<string, string> = {
  service_started: "to start",
  service_healthy: "to be healthy",
  service_completed_successfully: "to complete successfully",
};

export interface DependencyWait {
  /** The dependent, for errors. */
  address: Address;
  conditions: Record<Address, DependencyCondition>;
  /** How long each dependency gets; a healthcheck that cannot pass sooner (start_period) gets longer. */
  timeoutMs: number;
  ctx: ApplyContext;
}

/** One look at a dependency: met, not yet (and why), failed for good, or absent/inactive. */
type Verdict = { kind: "met" } | { kind: "waiting"; seen: string } | { kind: "failed"; seen: string } | { kind: "inactive"; seen: string };

/**
 * compose's depends_on conditions: returns once every dependency container is started, healthy
 * or exited with code 0 as its edge asks. The executor already ran the dependencies' own
 * changes; this waits for what the engine reports about them. A dependency that is not
 * required may be missing or stopped. Throws a UserError naming the dependency and what was seen.
 */
export async function waitForDependencies(docker: Docker, wait: DependencyWait): Promise<void> {
  const edges = Object.entries(wait.conditions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [address, edge] of edges) {
    const recorded = wait.ctx.recordedAttributes(address);
    const service = typeof recorded?.service === "string" ? recorded.service : serviceOf(address);
    const container = String(recorded?.container_id ?? recorded?.name ?? "");
    const goal = GOAL[edge.condition] ?? `to reach ${edge.condition}`;
    const started = Date.now();
    const timeoutMs = recorded ? readyTimeoutMs(recorded as ContainerAttributes, wait.timeoutMs / 1000) : wait.timeoutMs;
    const deadline = started + timeoutMs;
    let announced = false;
    for (;;) {
      const verdict = container ? await look(docker, container, service, edge.condition) : { kind: "inactive" as const, seen: `${service} has no container` };
      if (verdict.kind === "met") break;
      if (verdict.kind === "inactive" && !edge.required) {
        wait.ctx.log(`not waiting for ${service} (depends_on required: false): ${verdict.seen}`);
        break;
      }
      if (verdict.kind !== "waiting") {
        const seconds = Math.round((Date.now() - started) / 1000);
        const what = seconds >= 1 ? `waited ${seconds}s for ${service} ${goal}; ${verdict.seen}` : `needs ${service} ${goal}, but ${verdict.seen}`;
        throw new UserError("E_DEPENDENCY", what, { address: wait.address });
      }
      if (wait.ctx.aborted) throw new UserError("E_DEPENDENCY", `interrupted while waiting for ${service} ${goal}`, { address: wait.address });
      if (Date.now() + POLL_MS > deadline) {
        throw new UserError("E_DEPENDENCY", `waited ${Math.round(timeoutMs / 1000)}s for ${service} ${goal}; ${verdict.seen}`, { address: wait.address });
      }
      if (!announced) wait.ctx.log(`waiting for ${service} ${goal}`);
      announced = true;
      await sleep(POLL_MS);
    }
  }
}

async function look(docker: Docker, container: string, service: string, condition: string): Promise<Verdict> {
  let state: Docker.ContainerInspectInfo["State"];
  try {
    state = (await docker.getContainer(container).inspect()).State;
  } catch (e) {
    if (engineStatus(e) === 404) return { kind: "inactive", seen: `${service} has no container` };
    throw e;
  }
  return judge(state, service, condition);
}

/** The condition against one inspected state. Pure, so the rules are tested without an engine. */
export function judge(state: Docker.ContainerInspectInfo["State"], service: string, condition: string): Verdict {
  const exited = state.Status === "exited" || state.Status === "dead";
  const exitedWith = `${service} exited with code ${state.ExitCode}`;
  switch (condition) {
    case "service_completed_successfully":
      if (exited) return state.ExitCode === 0 ? { kind: "met" } : { kind: "failed", seen: exitedWith };
      return { kind: "waiting", seen: `${service} is still ${state.Status}` };
    case "service_healthy": {
      if (!state.Running) return exited ? { kind: "inactive", seen: exitedWith } : { kind: "waiting", seen: `${service} is ${state.Status}` };
      const health = state.Health;
      if (!health) return { kind: "failed", seen: `${service} has no healthcheck (service_healthy needs one)` };
      if (health.Status === "healthy") return { kind: "met" };
      const last = lastLine(health.Log?.[health.Log.length - 1]?.Output);
      const seen = `${service} is ${health.Status}${last ? `: ${last}` : ""}`;
      return health.Status === "unhealthy" ? { kind: "failed", seen } : { kind: "waiting", seen };
    }
    default:
      // service_started: having started is enough, even if it has exited since (compose's rule).
      if (state.Running || (exited && !state.StartedAt.startsWith("0001-"))) return { kind: "met" };
      return exited ? { kind: "inactive", seen: `${service} is ${state.Status}` } : { kind: "waiting", seen: `${service} is ${state.Status}` };
  }
}

function lastLine(output: string | undefined): string {
  const lines = (output ?? "").split("\n").map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? "";
}

function serviceOf(address: Address): string {
  return /^container\.(.*?)(?:\[\d+\])?$/.exec(address)?.[1] ?? address;
}
