import type { Provider } from "../core/provider.js";
import type { ProviderName } from "../core/types.js";
import { DockerProvider } from "../../providers/docker/docker-provider.js";
import { DiscoveryProvider } from "../../providers/discovery/discovery-provider.js";
import { RoutingProvider } from "../../providers/routing/routing-provider.js";
import type { Settings } from "./settings.js";

/** The providers this run uses: Docker always; routing and discovery as configured. */
export function createProviders(settings: Settings, project: string, env: NodeJS.ProcessEnv = process.env): Map<ProviderName, Provider> {
  const providers = new Map<ProviderName, Provider>();
  // BERTH_STOP_TIMEOUT shortens the grace period a stopping container gets (tests use 1 s).
  const stopTimeout = Number(env.BERTH_STOP_TIMEOUT);
  providers.set("docker", new DockerProvider(Number.isFinite(stopTimeout) && stopTimeout >= 0 ? { stopTimeoutSeconds: stopTimeout } : {}));
  // Without routes the router is never started, so the provider is always there.
  providers.set("routing", new RoutingProvider({ listen: settings.routerListen, project }));
  if (settings.etcdEndpoints.length > 0) {
    providers.set("discovery", new DiscoveryProvider({ endpoints: settings.etcdEndpoints, project }));
  }
  return providers;
}
