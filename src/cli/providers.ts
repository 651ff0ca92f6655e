import type { Provider } from "../core/provider.js";
import type { ProviderName } from "../core/types.js";
import { DockerProvider } from "../../providers/docker/docker-provider.js";
import type { Settings } from "./settings.js";

/** The providers this run uses: Docker always; routing and discovery as configured. */
export function createProviders(settings: Settings, project: string): Map<ProviderName, Provider> {
  void project;
  void settings;
  const providers = new Map<ProviderName, Provider>();
  providers.set("docker", new DockerProvider({}));
  return providers;
}
