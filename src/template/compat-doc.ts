import {
  COMPOSE_SERVICE_KEYS,
  COMPOSE_TOP_LEVEL_KEYS,
  NO_EFFECT_SERVICE_KEYS,
  REFUSED_SERVICE_KEYS,
  REFUSED_TOP_LEVEL_KEYS,
} from "./compose-keys.js";
import { OVERRIDE_NAMES } from "./find-template.js";
import { KEY_READERS } from "./service.js";
import { TOP_LEVEL_READERS } from "./top-level.js";

/**
 * docs/compose-compatibility.md, generated from the loader's own lists: a key is "supported"
 * when it has a reader, "refused" otherwise (with the reason compose-keys.ts gives), "no effect"
 * when it changes nothing a container runs with. A unit test fails when the file is out of date;
 * `npm run golden` rewrites it.
 */

/** What a supported key does beyond the obvious, where Berth differs from docker compose or limits it. */
const NOTES: Record<string, string> = {
  build: "context, dockerfile, args",
  container_name: "one replica only; with scale > 1 it is refused, as compose refuses it",
  cpus: "updated in place; removing it replaces the container",
  cpu_shares: "updated in place; removing it replaces the container",
  depends_on: "orders creation",
  deploy: "replicas, resources (limits: cpus, memory, pids; reservations: memory), restart_policy (condition, max_attempts), mode: replicated; a limit or restart policy also written as mem_limit, cpus, pids_limit, mem_reservation or restart must agree with it; swarm-only keys (placement, update_config, rollback_config, endpoint_mode, labels, restart_policy delay/window) warn, as compose ignores them on one engine; reservations.cpus and devices are refused",
  devices: "host paths only (CDI names are refused)",
  env_file: "relative to the folder of the file that names it (the template's, or an extended or included file's)",
  extends: "same file and `file:`, recursively, merged with compose's merge rules; relative paths of an extended file resolve against its folder; a loop is an error naming the chain",
  healthcheck: "test, interval, timeout, retries, start_period, disable",
  ipc: "host, private, shareable, none, container:NAME (service:NAME is refused)",
  mem_limit: "updated in place; removing it replaces the container",
  mem_reservation: "updated in place; removing it replaces the container",
  memswap_limit: "updated in place; needs mem_limit",
  networks: "only `[default]` (every service joins the project network); other networks are refused",
  pid: "host or container:NAME (service:NAME is refused)",
  pids_limit: "updated in place",
  platform: "passed to the engine's create call, which refuses an image of another platform",
  ports: "short and long form; long-form name, app_protocol and mode carry no meaning on one engine",
  pull_policy: "only missing (if_not_present), which is what Berth does; other policies are refused",
  profiles: "--profile (repeatable) or COMPOSE_PROFILES; a service targeted with --target container.NAME runs whatever its profiles; unlike compose, containers of a service whose profile is no longer enabled are planned for deletion (the plan is what the enabled profiles describe)",
  restart: "updated in place",
  stop_grace_period: "whole seconds, as compose gives them to the engine",
  sysctls: "namespaced sysctls only (kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*, net.*)",
  volumes_from: "service, service:NAME (its first container, as compose takes it), container:NAME, each :ro or :rw; the service is created first. As in compose, a later replacement of that service does not recreate the containers that took its mounts",
  volumes: "relative host paths resolve against the folder of the file that names them (the template's for every -f file, as in compose)",
};

const TOP_LEVEL_NOTES: Record<string, string> = {
  include: "short and long form (path, one or a list; project_directory; env_file); an included service the file also defines is an error, as in compose; an included file's paths and variables are its project's",
  name: "the project name unless -p or COMPOSE_PROJECT_NAME",
  networks: "only an empty `default:`; other networks are refused",
  version: "documentation only, as in compose",
  volumes: "named volumes; driver options warn (Docker's defaults are used)",
};

/** Keys with a reader that accepts only some forms and refuses the rest. */
const PARTLY = new Set(["networks", "pull_policy"]);

type Row = [key: string, support: string, note: string];

function serviceRows(): Row[] {
  const keys = [...new Set([...COMPOSE_SERVICE_KEYS, ...Object.keys(KEY_READERS)])].sort();
  return keys.map((key) => {
    if (key in KEY_READERS) return [key, PARTLY.has(key) ? "partly (see note)" : "supported", NOTES[key] ?? ""];
    if (key in NO_EFFECT_SERVICE_KEYS) return [key, "no effect (warning)", NO_EFFECT_SERVICE_KEYS[key]];
    return [key, "**refused**", REFUSED_SERVICE_KEYS[key] ?? "not implemented"];
  });
}

function topLevelRows(): Row[] {
  return [...COMPOSE_TOP_LEVEL_KEYS].sort().map((key) => {
    if (key === "networks") return [key, "partly (see note)", TOP_LEVEL_NOTES[key]];
    if (key in TOP_LEVEL_READERS) return [key, "supported", TOP_LEVEL_NOTES[key] ?? ""];
    return [key, "**refused**", REFUSED_TOP_LEVEL_KEYS[key] ?? "not implemented"];
  });
}

function table(rows: Row[]): string {
  const lines = ["| key | Berth | notes |", "|---|---|---|"];
  for (const [key, support, note] of rows) lines.push(`| \`${key}\` | ${support} | ${note.replace(/\|/g, "\\|")} |`);
  return lines.join("\n");
}

export function renderCompatibilityDoc(): string {
  const services = serviceRows();
  const count = (support: string) => services.filter((r) => r[1] === support).length;
  return `# Compose compatibility

<!-- Generated from the loader's key lists (src/template/compat-doc.ts): do not edit by hand.
     \`npm run golden\` rewrites it; a unit test fails when it is out of date. -->

Berth reads compose files as docker compose runs them. Every key that changes what runs either
works as docker compose does, or is **refused** at \`berth validate\` with \`file:line:col\` naming
the key: a key that was accepted and ignored would let you believe it took effect. Keys that
only document (\`x-*\` extensions, \`version\`) are accepted silently.

Service keys: ${count("supported")} supported, ${count("**refused**")} refused, ${count("no effect (warning)")} accepted with a warning that they change nothing.

## Service keys

${table(services)}

## Top-level keys

${table(topLevelRows())}

\`x-*\` extensions are accepted anywhere compose accepts them.

## Several files

Berth reads the files docker compose reads and merges them the same way: every \`-f\` (repeatable),
else \`COMPOSE_FILE\` (a list separated by \`COMPOSE_PATH_SEPARATOR\`, \`:\` by default), else the
template found in the current folder and the first of ${OVERRIDE_NAMES.map((n) => `\`${n}\``).join(", ")} beside it.
Relative paths in every file resolve against the first file's folder. Merging follows compose's
rules (compose-spec \`13-merge.md\`): maps merge key by key; lists are appended; \`command\`,
\`entrypoint\` and \`healthcheck.test\` are replaced; \`environment\`, \`labels\`, \`extra_hosts\`,
\`sysctls\` and build \`args\` merge by key (list or map form); \`volumes\` and \`devices\` by target,
\`secrets\` and \`configs\` by target, \`ports\` by binding, and lists of names (\`dns\`, \`expose\`,
\`cap_add\`, ...) keep one of each; \`!reset\` removes a value and \`!override\` replaces it. An error
names the file and line the value was read from. \`extends:\` merges with the same rules.
`;
}
