import path from "node:path";
import { UserError, type Diagnostic } from "../core/errors.js";
import type { Provider } from "../core/provider.js";
import type { DesiredResource, Observation, ObservedResource, ProviderName } from "../core/types.js";
import { buildDesired, type ModelOptions } from "../model/desired.js";
import { DockerProvider } from "../../providers/docker/docker-provider.js";
import { findTemplate, loadTemplate } from "../template/load.js";
import type { Template } from "../template/types.js";
import type { StateBackend, StateFile } from "../../state/backend.js";
import { openStateBackend } from "../../state/open-backend.js";
import { normalizeProjectName, resolveSettings, type GlobalFlags, type Settings } from "./settings.js";
import { createProviders } from "./providers.js";

/** Everything a command needs about "this project": template, desired resources, state. */
export interface Workspace {
  template: Template;
  project: string;
  settings: Settings;
  desired: DesiredResource[];
  modelOptions: ModelOptions;
  backend: StateBackend;
  state: StateFile | null;
  providers: Map<ProviderName, Provider>;
  warnings: Diagnostic[];
  close(): Promise<void>;
}

export async function openWorkspace(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): Promise<Workspace> {
  const settings = resolveSettings(flags, env);
  const file = findTemplate(process.cwd(), flags.file);
  const template = await loadTemplate(file, { env, domain: settings.domain });
  const project = projectName(flags, env, template);
  const modelOptions: ModelOptions = {
    project,
    publishAddress: settings.publishAddress,
    discovery: settings.etcdEndpoints.length > 0,
    etcdEndpoints: settings.etcdEndpoints,
  };
  const desiredModel = buildDesired(template, modelOptions);
  const backend = await openStateBackend(flags.state, { templateDir: template.dir, project });
  const state = await backend.read();
  if (state && state.project !== project) {
    throw new UserError("E_STATE_PROJECT", `state at ${backend.location} belongs to project '${state.project}', not '${project}'`);
  }
  const providers = createProviders(settings, project);
  return {
    template,
    project,
    settings,
    desired: desiredModel.resources,
    modelOptions,
    backend,
    state,
    providers,
    warnings: template.warnings,
    close: async () => {
      await Promise.all([...providers.values()].map((p) => p.close?.()));
      await backend.close?.();
    },
  };
}

function projectName(flags: GlobalFlags, env: NodeJS.ProcessEnv, template: Template): string {
  const raw = flags.project ?? env.COMPOSE_PROJECT_NAME ?? template.name ?? path.basename(template.dir);
  const name = normalizeProjectName(raw);
  if (!name) throw new UserError("E_PROJECT", `project name '${raw}' has no letters or digits; give one with -p`);
  return name;
}

/**
 * Asks every provider what really runs. A provider that cannot answer leaves a gap the plan
 * shows instead of failing the whole plan (the other providers' changes are still useful).
 */
export async function observe(ws: Workspace): Promise<{ observation: Observation; desired: DesiredResource[] }> {
  const resources: ObservedResource[] = [];
  const gaps: Observation["gaps"] = [];
  const observedProviders: ProviderName[] = [];
  let desired = ws.desired;
  for (const provider of ws.providers.values()) {
    if (provider instanceof DockerProvider) desired = await withImageFacts(ws, provider, desired);
    const mine = desired.filter((d) => d.provider === provider.name);
    try {
      const found = await provider.refresh({
        project: ws.project,
        recorded: (ws.state?.resources ?? []).filter((r) => r.provider === provider.name),
        desired: mine,
      });
      resources.push(...found);
      observedProviders.push(provider.name);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      gaps.push({ provider: provider.name, reason: e.message });
      continue;
    }
    // Outside the catch: what resolving finds wrong (a virtual host another project owns) is an error, not a gap.
    if (provider.resolveDesired) {
      const resolved = new Map((await provider.resolveDesired(mine)).map((d) => [d.address, d]));
      desired = desired.map((d) => resolved.get(d.address) ?? d);
    }
  }
  return { observation: { resources, gaps, observedProviders }, desired };
}

/** Rebuilds the desired resources knowing which ports the images expose (link variables need them). */
async function withImageFacts(ws: Workspace, docker: DockerProvider, desired: DesiredResource[]): Promise<DesiredResource[]> {
  const images = ws.template.services.map((s) => s.image).filter((i): i is string => i !== null);
  try {
    const imageExposed = await docker.imageExposedPorts(images);
    return buildDesired(ws.template, { ...ws.modelOptions, imageExposed }).resources;
  } catch (e) {
    if (e instanceof UserError) return desired;
    throw e;
  }
}

export const NOTHING_OBSERVED: Observation = { resources: [], gaps: [], observedProviders: [] };
