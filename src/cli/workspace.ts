import path from "node:path";
import { UserError, type Diagnostic } from "../core/errors.js";
import type { Provider } from "../core/provider.js";
import type { DesiredResource, Observation, ObservedResource, ProviderName } from "../core/types.js";
import { buildDesired } from "../model/desired.js";
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
  const desiredModel = buildDesired(template, {
    project,
    publishAddress: settings.publishAddress,
    discovery: settings.etcdEndpoints.length > 0,
    etcdEndpoints: settings.etcdEndpoints,
  });
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
    const mine = desired.filter((d) => d.provider === provider.name);
    try {
      const found = await provider.refresh({
        project: ws.project,
        recorded: (ws.state?.resources ?? []).filter((r) => r.provider === provider.name),
        desired: mine,
      });
      resources.push(...found);
      observedProviders.push(provider.name);
      if (provider.resolveDesired) {
        const resolved = new Map((await provider.resolveDesired(mine)).map((d) => [d.address, d]));
        desired = desired.map((d) => resolved.get(d.address) ?? d);
      }
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      gaps.push({ provider: provider.name, reason: e.message });
    }
  }
  return { observation: { resources, gaps, observedProviders }, desired };
}

export const NOTHING_OBSERVED: Observation = { resources: [], gaps: [], observedProviders: [] };
