import type { Provider } from "../core/provider.js";
import type { ProviderName } from "../core/types.js";
import { DockerProvider } from "../../providers/docker/docker-provider.js";
import { DiscoveryProvider } from "../../providers/discovery/discovery-provider.js";
import { RoutingProvider } from "../../providers/routing/routing-provider.js";
import { SwarmProvider } from "../../providers/swarm/swarm-provider.js";
import { UserError, type SourceLoc } from "../core/errors.js";
import { ENGINES } from "../template/top-level.js";
import type { Settings } from "./settings.js";

export type Engine = (typeof ENGINES)[number];

/**
 * --engine, else BERTH_ENGINE, else the template's x-berth.engine, else the engine the state was
 * applied with (so `berth destroy` after `berth apply --engine swarm` needs no flag again), else
 * one Docker engine.
 */
export function engineOf(settings: Settings, fromTemplate: { value: string; loc: SourceLoc } | null, recorded: readonly { provider: string }[] = []): Engine {
  const fromState = recorded.some((r) => r.provider === "swarm") ? "swarm" : null;
  const chosen = settings.engine ?? fromTemplate?.value ?? fromState ?? "docker";
  if ((ENGINES as readonly string[]).includes(chosen)) return chosen as Engine;
  throw new UserError("E_ENGINE", `engine must be ${ENGINES.join(" or ")}, got '${chosen}' (from --engine or BERTH_ENGINE)`);
}

/**
 * The providers this run uses: the engine's (one Docker engine, or a swarm through the manager
 * DOCKER_HOST names); routing always; discovery as configured.
 */
export function createProviders(settings: Settings, project: string, env: NodeJS.ProcessEnv = process.env, engine: Engine = "docker"): Map<ProviderName, Provider> {
  const providers = new Map<ProviderName, Provider>();
  if (engine === "swarm") {
    // BERTH_SWARM_TIMEOUT: seconds a service gets to converge (tests shorten it).
    const timeout = Number(env.BERTH_SWARM_TIMEOUT);
    providers.set("swarm", new SwarmProvider(Number.isFinite(timeout) && timeout > 0 ? { convergeTimeoutSeconds: timeout } : {}));
  } else {
    // BERTH_STOP_TIMEOUT shortens the grace period a stopping container gets (tests use 1 s).
    const stopTimeout = Number(env.BERTH_STOP_TIMEOUT);
    providers.set("docker", new DockerProvider(Number.isFinite(stopTimeout) && stopTimeout >= 0 ? { stopTimeoutSeconds: stopTimeout } : {}));
  }
  // Without routes the router is never started, so the provider is always there.
  providers.set("routing", new RoutingProvider({ listen: settings.routerListen, project }));
  if (settings.etcdEndpoints.length > 0) {
    providers.set("discovery", new DiscoveryProvider({ endpoints: settings.etcdEndpoints, project }));
  }
  return providers;
}
