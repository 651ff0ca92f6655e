import path from "node:path";
import { UserError, type Diagnostic } from "../core/errors.js";
import type { Provider, TemplateModel } from "../core/provider.js";
import type { DesiredResource, Observation, ObservedResource, ProviderName, RecordedResource } from "../core/types.js";
import { buildDesired, type ModelOptions } from "../model/desired.js";
import { secretReuseWarnings } from "../core/secret-reuse.js";
import { resourcesMasker, type Masker } from "../core/mask.js";
import type { Output } from "./output.js";
import { findTemplates, loadTemplate, readDotenv } from "../template/load.js";
import type { Template } from "../template/types.js";
import type { StateBackend, StateFile } from "../../state/backend.js";
import { openStateBackend } from "../../state/open-backend.js";
import { normalizeProjectName, resolveSettings, targetedServices, type GlobalFlags, type Settings } from "./settings.js";
import { createProviders, engineOf } from "./providers.js";

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

/**
 * Opens the project. With `output`, what it writes to stderr from then on (warnings, errors) is
 * scrubbed of the secrets the template and the state hold.
 */
export async function openWorkspace(flags: GlobalFlags, output?: Output, env: NodeJS.ProcessEnv = process.env): Promise<Workspace> {
  const settings = resolveSettings(flags, env);
  const files = findTemplates(process.cwd(), flags.file, env);
  const template = await loadTemplate(files, { env, domain: settings.domain, profiles: settings.profiles, services: targetedServices(flags.target) });
  const project = projectName(flags, env, template);
  const modelOptions: ModelOptions = {
    project,
    env: { ...readDotenv(template.dir, path.dirname(template.file)), ...env },
    publishAddress: settings.publishAddress,
    discovery: settings.etcdEndpoints.length > 0,
    superviseAgent: true,
    etcdEndpoints: settings.etcdEndpoints,
    discoveryCertsDir: env.BERTH_DISCOVERY_CERTS ? path.resolve(env.BERTH_DISCOVERY_CERTS) : undefined,
    noBuild: flags.build === false,
  };
  const backend = await openStateBackend(flags.state, { templateDir: template.dir, project });
  const stored = await backend.read();
  // The state says which engine it was applied with, when nothing else does (engineOf).
  const providers = createProviders(settings, project, env, engineOf(settings, template.engine, stored?.resources ?? []));
  const state = upgradeState(stored, providers);
  if (state && state.project !== project) {
    throw new UserError("E_STATE_PROJECT", `state at ${backend.location} belongs to project '${state.project}', not '${project}'`);
  }
  const desiredModel = modelOf(template, modelOptions, providers);
  output?.useMasker(workspaceMasker(desiredModel.resources, state?.resources ?? [], providers));
  return {
    template,
    project,
    settings,
    desired: desiredModel.resources,
    modelOptions,
    backend,
    state,
    providers,
    warnings: [...template.warnings.filter((w) => !desiredModel.mootWarnings?.includes(w.code)), ...addonWarnings(template, settings), ...secretReuse(desiredModel.resources, providers)],
    close: async () => {
      await Promise.all([...providers.values()].map((p) => p.close?.()));
      await backend.close?.();
    },
  };
}

/** The one-engine model, unless a provider reads the template itself (an engine of services). */
function modelOf(template: Template, opts: ModelOptions, providers: ReadonlyMap<ProviderName, Provider>): TemplateModel {
  const modeller = [...providers.values()].find((p) => p.modelTemplate);
  return modeller?.modelTemplate ? modeller.modelTemplate(template, { project: opts.project, env: opts.env ?? {} }) : buildDesired(template, opts);
}

/**
 * ETCD_NODES injected into an aliyun.addon service must be reachable from inside its
 * containers: a loopback endpoint is the host's loopback to Berth but the container's own to them.
 */
function addonWarnings(template: Template, settings: Settings): Diagnostic[] {
  const loopback = settings.etcdEndpoints.filter((e) => /\/\/(127\.|localhost|\[::1\])/.test(e));
  if (loopback.length === 0) return [];
  return template.services
    .filter((s) => s.aliyun.addon.length > 0)
    .map((s) => ({
      severity: "warning" as const,
      code: "W_ADDON_LOOPBACK",
      message: `ETCD_NODES=${settings.etcdEndpoints.join(",")} is injected into ${s.name}, but a loopback address inside a container is the container itself; give --etcd an address containers can reach`,
      where: s.keyLocs["labels.aliyun.addon"] ?? s.loc,
    }));
}

function workspaceMasker(desired: readonly DesiredResource[], recorded: readonly RecordedResource[], providers: ReadonlyMap<ProviderName, Provider>): Masker {
  return resourcesMasker([...desired, ...recorded], (r) => providers.get(r.provider)?.schema[r.type]);
}

/** Secrets that are also names or plain values: said at validate and plan, before anyone relies on them. */
function secretReuse(desired: readonly DesiredResource[], providers: ReadonlyMap<ProviderName, Provider>): Diagnostic[] {
  return secretReuseWarnings(
    desired.map((d) => ({ address: d.address, attributes: d.attributes, schema: providers.get(d.provider)?.schema[d.type] })),
  );
}

/** The state as the providers record resources now (see Provider.upgradeRecorded); written back by the next apply. */
export function upgradeState(state: StateFile | null, providers: ReadonlyMap<ProviderName, Provider>): StateFile | null {
  if (!state) return state;
  const resources = state.resources.map((r) => providers.get(r.provider)?.upgradeRecorded?.(r) ?? r);
  return { ...state, resources };
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
export async function observe(ws: Workspace, opts: { destroy?: boolean; pinned?: boolean } = {}): Promise<{ observation: Observation; desired: DesiredResource[] }> {
  const providers = [...ws.providers.values()];
  const engine = providers.find((p) => p.imageExposedPorts !== undefined);
  // The engines are asked at once: a no-op apply is mostly waiting for their answers.
  const [withFacts, ...refreshed] = await Promise.all([
    // Destroying needs no build context: it may be gone already.
    // A pinned configuration (berth rollback) was modelled when it was applied: not again from the template.
    (engine && !opts.pinned ? withImageFacts(ws, engine, ws.desired) : Promise.resolve(ws.desired)).then((d) => (opts.destroy ? d : resolveLocally(ws, d))),
    ...providers.map((provider) => refreshOne(ws, provider)),
  ]);
  const resources = refreshed.flatMap((r) => ("found" in r ? r.found : []));
  const gaps = refreshed.flatMap((r) => ("gap" in r ? [r.gap] : []));
  const observed = providers.filter((_, i) => "found" in refreshed[i]);
  // Outside any catch: what resolving finds wrong (a virtual host another project owns) is an
  // error, not a gap. Each provider resolves only its own resources, so they can run together.
  const resolvedLists = await Promise.all(
    observed.map((p) => p.resolveDesired?.(withFacts.filter((d) => d.provider === p.name)) ?? Promise.resolve([])),
  );
  const resolved = new Map(resolvedLists.flat().map((d) => [d.address, d]));
  const desired = withFacts.map((d) => resolved.get(d.address) ?? d);
  return { observation: { resources, gaps, observedProviders: observed.map((p) => p.name) }, desired };
}

/** What providers can tell from local files alone (build context digests): no engine, so even with --no-refresh. */
export async function resolveLocally(ws: Workspace, desired: DesiredResource[]): Promise<DesiredResource[]> {
  const resolvedLists = await Promise.all(
    [...ws.providers.values()].map((p) => p.resolveLocal?.(desired.filter((d) => d.provider === p.name)) ?? Promise.resolve([])),
  );
  const resolved = new Map(resolvedLists.flat().map((d) => [d.address, d]));
  return desired.map((d) => resolved.get(d.address) ?? d);
}

type Refreshed = { found: ObservedResource[] } | { gap: Observation["gaps"][number] };

/** A provider that cannot answer leaves a gap the plan shows, rather than failing the plan. */
async function refreshOne(ws: Workspace, provider: Provider): Promise<Refreshed> {
  try {
    const found = await provider.refresh({
      project: ws.project,
      recorded: (ws.state?.resources ?? []).filter((r) => r.provider === provider.name),
      desired: ws.desired.filter((d) => d.provider === provider.name),
    });
    return { found: found.map((o) => ({ ...o, provider: provider.name })) };
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return { gap: { provider: provider.name, reason: e.message } };
  }
}

/** Rebuilds the desired resources knowing which ports the images expose (link variables need them). */
async function withImageFacts(ws: Workspace, engine: Provider, desired: DesiredResource[]): Promise<DesiredResource[]> {
  // Only linked services' images matter, and only a template with links is modelled again.
  const linked = new Set(ws.template.services.flatMap((s) => s.links.map((l) => l.service)));
  // A built image is not asked: it exposes nothing before its first build, something after, and the
  // link variables would change between apply and the next plan. Its template's expose: counts.
  const images = ws.template.services.filter((s) => linked.has(s.name) && s.image !== null && !s.build).map((s) => s.image!);
  if (images.length === 0) return desired;
  try {
    const imageExposed = await engine.imageExposedPorts!(images);
    return buildDesired(ws.template, { ...ws.modelOptions, imageExposed }).resources;
  } catch (e) {
    if (e instanceof UserError) return desired;
    throw e;
  }
}

export const NOTHING_OBSERVED: Observation = { resources: [], gaps: [], observedProviders: [] };
