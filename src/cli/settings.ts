/**
 * Settings with a flag, an environment variable and a default (DESIGN.md's table).
 * The flag wins, then the environment, then the default.
 */
export interface GlobalFlags {
  file?: string;
  project?: string;
  state?: string;
  domain?: string;
  publishAddress?: string;
  routerListen?: string;
  etcd?: string;
  /** false with --no-build (plan, apply): services with build: run the image already tagged. */
  build?: boolean;
}

export interface Settings {
  domain: string;
  publishAddress: string;
  routerListen: string | null;
  etcdEndpoints: string[];
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
  };
}

/** docker compose's project naming: lowercase letters, digits, dashes and underscores. */
export function normalizeProjectName(raw: string): string {
  return raw.toLowerCase().replace(/[^a-z0-9_-]/g, "");
}
