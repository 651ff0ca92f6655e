/**
 * Hand-made plans the render tests share. Values in before/after are REAL (the planner does not
 * mask), with the sensitive and identifier paths the planner would record; maskPlan must mask
 * them. SECRETS lists every value that must never be printed.
 */
import { nameAndIndex } from "../../../src/core/address-parts.js";
import type { Actions, ChangeReason, DriftEntry, Plan, ResourceChange } from "../../../src/core/plan.js";
import type { ResourceSchema } from "../../../src/core/provider.js";
import { identifierPaths, normalizePaths, sensitivePaths } from "../../../src/core/secrets.js";
import type { Attributes, ProviderName, ResourceType } from "../../../src/core/types.js";
import { dockerSchema } from "../../../providers/docker/schema.js";
import { routingSchema } from "../../../providers/routing/schema.js";

export const DB_PASSWORD = "hunter2-correct-horse";
export const API_TOKEN = "tok_9f8e7d6c5b4a";
export const SIGNING_KEY = "k3y-material-0042";
/** Every secret value, and distinctive fragments of them a partial leak would still show. */
export const SECRETS = [DB_PASSWORD, API_TOKEN, SIGNING_KEY, "correct-horse", "9f8e7d6c5b4a", "material-0042"];

const PROVIDER: Record<ResourceType, ProviderName> = {
  network: "docker",
  volume: "docker",
  container: "docker",
  image: "docker",
  route: "routing",
  upstream: "routing",
  discovery: "discovery",
};

export function basePlan(changes: ResourceChange[], extra: Partial<Plan> = {}): Plan {
  return {
    formatVersion: "1.0",
    berthVersion: "0.1.0",
    project: "demo",
    stateLineage: "5d1c9e0a-7f2b-4c3d-9e8f-0a1b2c3d4e5f",
    stateSerial: 7,
    templateHash: "sha256:3f2a9c",
    changes,
    drift: [],
    gaps: [],
    warnings: [],
    kept: [],
    conflicts: [],
    ...extra,
  };
}

const SCHEMAS: Partial<Record<ResourceType, ResourceSchema>> = { ...dockerSchema, ...routingSchema };

/** The paths the planner records: what the schema and the attributes say, plus `declared` ones. */
function maskingPaths(type: ResourceType, before: Attributes | null, after: Attributes | null, declared: string[][] = []) {
  const schema = SCHEMAS[type];
  return {
    sensitivePaths: normalizePaths([...sensitivePaths(before, schema), ...sensitivePaths(after, schema), ...declared]),
    identifierPaths: identifierPaths(schema),
  };
}

export function driftEntry(address: string, summary: string, before: Attributes | null, after: Attributes | null): DriftEntry {
  const type = address.slice(0, address.indexOf(".")) as ResourceType;
  return { address, type, provider: PROVIDER[type], ...nameAndIndex(address), summary, before, after, ...maskingPaths(type, before, after) };
}

export function change(
  address: string,
  actions: Actions,
  before: Attributes | null,
  after: Attributes | null,
  more: Partial<ResourceChange> = {},
): ResourceChange {
  const type = address.slice(0, address.indexOf(".")) as ResourceType;
  const m = /^container\.([^[]+)\[(\d+)\]$/.exec(address);
  return {
    address,
    type,
    provider: PROVIDER[type],
    name: m ? m[1] : address.slice(type.length + 1),
    index: m ? Number(m[2]) : null,
    service: m ? m[1] : null,
    actions,
    before,
    after,
    replacePaths: [],
    reason: null as ChangeReason | null,
    dependsOn: [],
    ...more,
    ...maskingPaths(type, before, after, more.sensitivePaths),
  };
}

/** A container's attributes as the docker provider records them (14 attributes). */
export function container(service: string, index: number, over: Attributes = {}): Attributes {
  return {
    name: `demo_${service}_${index + 1}`,
    image: `berth/${service}:1`,
    command: ["/bin/httpd", "-f", "-p", "8080"],
    environment: { LOG_LEVEL: "info", PORT: "8080" },
    labels: {
      "berth.project": "demo",
      "berth.service": service,
      "berth.index": String(index),
      "berth.config-hash": "c0ffee",
    },
    ports: [{ container: 8080, host: 0, protocol: "tcp" }],
    restart: "always",
    network: "demo_default",
    aliases: [service],
    volumes: [],
    hostname: `${service}-${index + 1}`,
    memory: 0,
    state: "running",
    publish_address: "127.0.0.1",
    ...over,
  };
}

const NGINX_V1 = `upstream demo_web {
    server 127.0.0.1:32768;
    server 127.0.0.1:32769;
}

server {
    listen 127.0.0.1:8080;
    server_name web.localhost;
    location / {
        proxy_pass http://demo_web;
    }
}
`;

const NGINX_V2 = NGINX_V1.replace("    server 127.0.0.1:32769;\n", "    server 127.0.0.1:32769;\n    server 127.0.0.1:32770;\n").replace(
  "listen 127.0.0.1:8080;",
  "listen 127.0.0.1:8081;",
);

/** 1. Everything new: a first apply. */
export function createOnlyPlan(): Plan {
  return basePlan(
    [
      change("container.web[0]", ["create"], null, container("web", 0), { reason: "new", dependsOn: ["network.default"] }),
      change("container.web[1]", ["create"], null, container("web", 1), { reason: "new", dependsOn: ["network.default"] }),
      change("discovery.demo_web", ["create"], null, { path: "/berth/services/demo_web", value: { port: 8080, hosts: ["127.0.0.1"] } }, {
        service: "web",
        reason: "new",
      }),
      change("network.default", ["create"], null, { name: "demo_default", driver: "bridge", labels: { "berth.project": "demo" } }, { reason: "new" }),
      change(
        "route.web.localhost",
        ["create"],
        null,
        { virtual_host: "web.localhost", port: 8080, protocol: "http", backends: ["container.web[0]", "container.web[1]"], rendered_config: NGINX_V1 },
        { service: "web", reason: "new" },
      ),
    ],
    { stateLineage: null, stateSerial: 0 },
  );
}

/** 2. Replacements: one forced by the image (delete first), one create-before-destroy by an env entry. */
export function replacePlan(): Plan {
  return basePlan([
    change("container.web[0]", ["delete", "create"], container("web", 0), container("web", 0, { image: "berth/web:2" }), {
      replacePaths: [["image"]],
      reason: "attributes-changed",
    }),
    change(
      "container.web[1]",
      ["create", "delete"],
      container("web", 1),
      container("web", 1, { environment: { LOG_LEVEL: "debug", PORT: "8080", FEATURE_X: "on" } }),
      { replacePaths: [["environment", "LOG_LEVEL"], ["environment", "FEATURE_X"]], reason: "attributes-changed" },
    ),
    // The only replica of worker, destroyed first: the planner marks it as interrupting.
    change("container.worker[0]", ["delete", "create"], container("worker", 0), container("worker", 0), {
      reason: "forced-by-replace",
      interruption: "the only replica of worker is replaced destroy-first: none serves meanwhile",
    }),
  ]);
}

/** 3. Destruction: scaled down, removed from the template, an orphan; plus an unchanged replica. */
export function deletePlan(): Plan {
  return basePlan([
    change("container.db[0]", ["delete"], container("db", 0, { image: "berth/db:5" }), null, {
      reason: "removed-from-template",
      interruption: "no replica of db is left serving",
    }),
    change("container.old[0]", ["delete"], container("old", 0), null, { service: null, reason: "orphan" }),
    change("container.web[0]", ["no-op"], container("web", 0), container("web", 0)),
    change("container.web[1]", ["delete"], container("web", 1), null, { reason: "scaled-down" }),
    change("container.web[2]", ["delete"], container("web", 2), null, { reason: "scaled-down" }),
  ]);
}

/** 4. Updates in place: labels and restart policy; the router's configuration text. */
export function updatePlan(): Plan {
  return basePlan([
    change(
      "container.web[0]",
      ["update"],
      container("web", 0),
      container("web", 0, {
        restart: "on-failure",
        labels: { "berth.project": "demo", "berth.service": "web", "berth.index": "0", "berth.config-hash": "beef01", "team": "edge" },
      }),
      { reason: "attributes-changed" },
    ),
    change(
      "route.web.localhost",
      ["update"],
      { virtual_host: "web.localhost", port: 8080, protocol: "http", backends: ["container.web[0]", "container.web[1]"], rendered_config: NGINX_V1 },
      {
        virtual_host: "web.localhost",
        port: 8081,
        protocol: "http",
        backends: ["container.web[0]", "container.web[1]", "container.web[2]"],
        rendered_config: NGINX_V2,
      },
      { service: "web", reason: "attributes-changed" },
    ),
    change("upstream.demo_web", ["no-op"], { servers: ["127.0.0.1:32768"] }, { servers: ["127.0.0.1:32768"] }, { service: "web" }),
  ]);
}

/**
 * 5. Drift, an observation gap, a warning, and secrets: a password in the environment that is
 * also interpolated into the command line, a token, and a key declared sensitive by the schema.
 */
export function driftSecretsPlan(): Plan {
  const dbBefore = container("db", 0, {
    image: "mysql:8",
    environment: { MYSQL_ROOT_PASSWORD: DB_PASSWORD, MYSQL_DATABASE: "app" },
    command: ["sh", "-c", `mysqld --init-file=/x && mysql -uroot -p${DB_PASSWORD}`],
  });
  const dbAfter = { ...dbBefore, environment: { MYSQL_ROOT_PASSWORD: DB_PASSWORD, MYSQL_DATABASE: "app2" } };
  return basePlan(
    [
      change(
        "container.api[0]",
        ["update"],
        container("api", 0, { environment: { API_TOKEN, MODE: "a" }, command: ["sh", "-c", `serve --token=${API_TOKEN} --mode=a`] }),
        container("api", 0, {
          environment: { API_TOKEN: `${API_TOKEN}-rotated`, MODE: "b" },
          command: ["sh", "-c", `serve --token=${API_TOKEN}-rotated --mode=b`],
        }),
        { reason: "attributes-changed" },
      ),
      change("container.db[0]", ["delete", "create"], dbBefore, dbAfter, {
        replacePaths: [["environment", "MYSQL_DATABASE"]],
        reason: "drift-changed",
      }),
      change("container.web[1]", ["create"], null, container("web", 1), { reason: "drift-missing" }),
      change(
        "upstream.demo_web",
        ["create"],
        null,
        { servers: ["127.0.0.1:32768"], signing: SIGNING_KEY, rendered_config: `upstream demo_web {\n    # signed ${SIGNING_KEY}\n    server 127.0.0.1:32768;\n}\n` },
        { service: "web", sensitivePaths: [["signing"]], reason: "new" },
      ),
    ],
    {
      drift: [
        driftEntry("container.web[1]", "container was removed", container("web", 1), null),
        driftEntry("container.db[0]", "container was changed", dbBefore, { ...dbBefore, state: "exited" }),
      ],
      gaps: [{ provider: "discovery", reason: "etcd at http://127.0.0.1:2379 is unreachable (ECONNREFUSED)" }],
      warnings: [
        {
          severity: "warning",
          code: "W_LATEST",
          message: "image mysql:8 has no digest; replicas may differ",
          where: { file: "compose.yaml", line: 12, col: 12 },
        },
      ],
    },
  );
}

/** 6. Nothing to do, but something drifted and was put back by the template already. */
export function noChangesPlan(): Plan {
  return basePlan([change("container.web[0]", ["no-op"], container("web", 0), container("web", 0))]);
}

export const FIXTURES: Record<string, () => Plan> = {
  "create-only": createOnlyPlan,
  replace: replacePlan,
  delete: deletePlan,
  update: updatePlan,
  "drift-secrets": driftSecretsPlan,
  "no-changes": noChangesPlan,
};

/** A plan with `services` services, each creating one container with ~10 attributes. */
export function hugePlan(services: number): Plan {
  const changes: ResourceChange[] = [];
  for (let i = 0; i < services; i++) {
    const svc = `svc${i}`;
    changes.push(
      change(`container.${svc}[0]`, ["create"], null, {
        name: `demo_${svc}_1`,
        image: `berth/${svc}:1`,
        command: ["/bin/httpd", "-f"],
        environment: { PORT: "8080" },
        labels: { "berth.service": svc },
        restart: "always",
        network: "demo_default",
        hostname: `${svc}-1`,
        memory: 0,
        state: "running",
      }),
    );
  }
  changes.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return basePlan(changes);
}
