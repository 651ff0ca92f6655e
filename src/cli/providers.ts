import type { Provider } from "../core/provider.js";
import type { ProviderName } from "../core/types.js";
import { DockerProvider } from "../../providers/docker/docker-provider.js";
import type { Settings } from "./settings.js";

/** The providers this run uses: Docker always; routing and discovery as configured. */
export function createProviders(settings: Settings, project: string, env: NodeJS.ProcessEnv = process.env): Map<ProviderName, Provider> {
  void project;
  void settings;
  const providers = new Map<ProviderName, Provider>();
  // BERTH_STOP_TIMEOUT shortens the grace period a stopping container gets (tests use 1 s).
  const stopTimeout = Number(env.BERTH_STOP_TIMEOUT);
  providers.set("docker", new DockerProvider(Number.isFinite(stopTimeout) && stopTimeout >= 0 ? { stopTimeoutSeconds: stopTimeout } : {}));
  return providers;
}
