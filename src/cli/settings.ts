/**
 * Settings with a flag, an environment variable and a default (DESIGN.md's table).
 * The flag wins, then the environment, then the default.
 */
export interface GlobalFlags {
  /** -f, repeatable so that a second one is refused rather than silently winning. */
  file?: string[];
  project?: string;
  state?: string;
  domain?: string;
  publishAddress?: string;
  routerListen?: string;
  etcd?: string;
  /** false with --no-build (plan, apply): services with build: run the image already tagged. */
  build?: boolean;
  /** --profile, repeatable. */
  profile?: string[];
  /** --engine docker|swarm. */
  engine?: string;
  /** --target addresses (plan, apply): a targeted service runs whatever its profiles. */
  target?: string[];
}

export interface Settings {
  domain: string;
  publishAddress: string;
  routerListen: string | null;
  etcdEndpoints: string[];
  /** Enabled compose profiles: --profile, else COMPOSE_PROFILES (comma-separated), as compose reads them. */
  profiles: string[];
  /** --engine, else BERTH_ENGINE; null: the template's x-berth.engine, else docker (see engineOf). */
  engine: string | null;
}

export function resolveSettings(flags: GlobalFlags, env: NodeJS.ProcessEnv): Settings {
  const etcd = flags.etcd ?? env.BERTH_ETCD_ENDPOINTS ?? env.ETCD_NODES ?? "";
  return {
    domain: flags.domain ?? env.BERTH_DOMAIN ?? "localhost",
    publishAddress: flags.publishAddress ?? env.BERTH_PUBLISH_ADDRESS ?? "127.0.0.1",
    routerListen: flags.routerListen ?? env.BERTH_ROUTER_LISTEN ?? null,
    etcdEndpoints: etcd
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => (/^[a-z]+:\/\//.test(s) ? s : `http://${s}`)),
    profiles: flags.profile?.length ? flags.profile : commaList(env.COMPOSE_PROFILES ?? ""),
    engine: flags.engine ?? (env.BERTH_ENGINE || null),
  };
}

function commaList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Services a --target names (container.web, container.web[0]): compose starts a service named on its command line. */
export function targetedServices(targets: readonly string[] = []): string[] {
  return targets.flatMap((t) => /^container\.([A-Za-z0-9._-]+?)(\[\d+\])?$/.exec(t)?.[1] ?? []);
}

/** docker compose's project naming: lowercase letters, digits, dashes and underscores. */
export function normalizeProjectName(raw: string): string {
  return raw.toLowerCase().replace(/[^a-z0-9_-]/g, "");
}
