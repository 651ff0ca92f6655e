import { describe, expect, it } from "vitest";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadTemplate } from "../../../src/template/load.js";
import { buildDesired } from "../../../src/model/desired.js";
import { plan } from "../../../src/planner/plan.js";
import { maskApplyEvent, maskPlan, maskResources, planMasker } from "../../../src/core/mask.js";
import { UserError } from "../../../src/core/errors.js";
import { secretReuseWarnings } from "../../../src/core/secret-reuse.js";
import { MASK } from "../../../src/core/secrets.js";
import type { Plan } from "../../../src/core/plan.js";
import type { DesiredResource, RecordedResource } from "../../../src/core/types.js";
import { dockerSchema } from "../../../providers/docker/schema.js";
import { routingSchema } from "../../../providers/routing/schema.js";
import { discoverySchema, serviceRecordOf } from "../../../providers/discovery/discovery-provider.js";
import type { ProviderSchema } from "../../../src/core/provider.js";
import { readPlanFile, unmaskPlan, writePlanFile } from "../../../src/cli/plan-file.js";
import { renderPlanText } from "../../../src/render/text-plan.js";
import { renderPlanJson } from "../../../src/render/json-plan.js";
import { joinMarkdownParts, renderPlanMarkdown } from "../../../src/render/markdown-plan.js";

const SCHEMAS: Record<string, ProviderSchema> = { docker: dockerSchema, routing: routingSchema, discovery: discoverySchema };

async function desiredFrom(yaml: string, env: Record<string, string> = {}, discovery = false): Promise<DesiredResource[]> {
  const dir = await mkdtemp(path.join(tmpdir(), "berth-masking-"));
  const file = path.join(dir, "docker-compose.yml");
  await writeFile(file, yaml);
  const template = await loadTemplate(file, { env, domain: "localhost" });
  return buildDesired(template, { project: "p", publishAddress: "127.0.0.1", discovery, env }).resources;
}

/** What apply records: the desired attributes and an engine ID. */
function recordedOf(desired: DesiredResource[]): RecordedResource[] {
  return desired.map((d) => ({
    address: d.address,
    type: d.type,
    provider: d.provider,
    attributes: d.type === "container" ? { ...d.attributes, container_id: `id-${d.address}`, published: {} } : d.attributes,
    dependsOn: d.dependsOn,
  }));
}

function planOf(desired: DesiredResource[], recorded: RecordedResource[], observedAddresses: string[], warnings: Plan["warnings"] = []): Plan {
  const observed = recorded.filter((r) => observedAddresses.includes(r.address));
  return plan({
    project: "p",
    berthVersion: "t",
    templateHash: "h",
    desired,
    recorded,
    stateLineage: "l",
    stateSerial: 1,
    observation: {
      resources: observed.map((r) => ({ address: r.address, type: r.type, provider: r.provider, attributes: { name: r.attributes.name, container_id: r.attributes.container_id } })),
      gaps: [{ provider: "discovery", reason: "etcd at http://127.0.0.1:2379 said: bad password s3cr3t-R00T-pw" }],
      observedProviders: ["docker", "routing"],
    },
    schemas: SCHEMAS,
    warnings,
  });
}

const TOMCAT_MYSQL = `tomcat:
  image: tomcat:latest
  command: ["sh", "-c", "catalina.sh run --db-password=\${DB_PASSWORD}"]
  links:
    - db:mysql
  labels:
    aliyun.routing.port_8080: http://tomcat-sample
db:
  image: mysql:5.7
  environment:
    MYSQL_ROOT_PASSWORD: s3cr3t-R00T-pw
    DATABASE_URL: \${DB_PASSWORD}
`;
const SECRETS = ["s3cr3t-R00T-pw", "dbpw-4f1e9a"];

describe("a plan with drift, warnings and gaps", () => {
  it("holds no secret byte in the saved plan, JSON, text or Markdown", async () => {
    const desired = await desiredFrom(TOMCAT_MYSQL, { DB_PASSWORD: "dbpw-4f1e9a" });
    const recorded = recordedOf(desired);
    // The db container was removed by hand: its whole recorded environment is in the drift.
    const p = planOf(desired, recorded, recorded.map((r) => r.address).filter((a) => a !== "container.db[0]"), [
      { severity: "warning", code: "W_TEST", message: "the root password s3cr3t-R00T-pw is weak" },
    ]);
    expect(p.drift.map((d) => d.address)).toEqual(["container.db[0]"]);
    expect(JSON.stringify(p.drift)).toContain("s3cr3t-R00T-pw");

    const shown = maskPlan(p);
    const dir = await mkdtemp(path.join(tmpdir(), "berth-saved-"));
    const file = path.join(dir, "p.plan");
    await writePlanFile(file, { templateFile: "docker-compose.yml", destroy: false, plan: shown });
    const outputs = {
      saved: await readFile(file, "utf8"),
      json: renderPlanJson(shown),
      text: renderPlanText(shown, { color: false }),
      markdown: joinMarkdownParts(renderPlanMarkdown(shown)),
      show: renderPlanText((await readPlanFile(file)).plan, { color: false }),
    };
    for (const [view, text] of Object.entries(outputs)) {
      for (const secret of SECRETS) expect(text.includes(secret), `${view} shows ${secret}`).toBe(false);
      expect(text, view).toContain("mysql:5.7");
    }
    const saved = JSON.parse(outputs.saved);
    expect(saved.plan.drift[0].before.environment.MYSQL_ROOT_PASSWORD).toBe(MASK);
    expect(saved.plan.drift[0].before.environment.DATABASE_URL).toBe(MASK);
    expect(saved.plan.warnings[0].message).toBe(`the root password ${MASK} is weak`);
    expect(saved.plan.gaps[0].reason).toContain(`bad password ${MASK}`);
    expect(outputs.json).toContain(`catalina.sh run --db-password=${MASK}`);
  });

  it("applies from the saved plan with the real values put back", async () => {
    const desired = await desiredFrom(TOMCAT_MYSQL, { DB_PASSWORD: "dbpw-4f1e9a" });
    const recorded = recordedOf(desired);
    const p = planOf(desired, recorded, recorded.map((r) => r.address).filter((a) => a !== "container.db[0]"));
    const real = unmaskPlan(maskPlan(p), desired);
    const db = real.changes.find((c) => c.address === "container.db[0]")!;
    expect((db.after!.environment as Record<string, string>).MYSQL_ROOT_PASSWORD).toBe("s3cr3t-R00T-pw");

    const edited = desired.map((d) =>
      d.address === "container.db[0]" ? { ...d, attributes: { ...d.attributes, environment: { MYSQL_ROOT_PASSWORD: "other-pw-77" } } } : d,
    );
    expect(() => unmaskPlan(maskPlan(p), edited)).toThrow(/no longer produces the reviewed plan/);
  });

  it("refuses a plan file that does not say what is secret (saved by an older Berth)", async () => {
    const desired = await desiredFrom(TOMCAT_MYSQL, { DB_PASSWORD: "dbpw-4f1e9a" });
    const shown = maskPlan(planOf(desired, [], []));
    const old = { ...shown, changes: shown.changes.map(({ sensitivePaths: _s, identifierPaths: _i, ...c }) => c) };
    const file = path.join(await mkdtemp(path.join(tmpdir(), "berth-old-")), "old.plan");
    await writeFile(file, JSON.stringify({ kind: "berth-plan", version: 1, templateFile: "x", destroy: false, plan: old }));
    await expect(readPlanFile(file)).rejects.toThrow(/older Berth .* run `berth plan --out` again/);
  });

  it("masks what the plan marked and nothing else, the same way twice", async () => {
    const desired = await desiredFrom(TOMCAT_MYSQL, { DB_PASSWORD: "dbpw-4f1e9a" });
    const p = planOf(desired, [], []);
    const once = maskPlan(p);
    expect(maskPlan(once)).toEqual(once);
    const db = p.changes.find((c) => c.address === "container.db[0]")!;
    expect(db.sensitivePaths).toEqual([["environment", "DATABASE_URL"], ["environment", "MYSQL_ROOT_PASSWORD"], ["sensitive_values", "DB_PASSWORD"]]);
  });
});

const WORDPRESS = `wordpress:
  image: wordpress:latest
  environment:
    MYSQL_PASSWORD: wordpress
    WORDPRESS_DB_HOST: db
  command: ["sh", "-c", "wp-start --db-pass=wordpress"]
`;

describe("a secret that is also a name", () => {
  it("leaves the image and container names intact, and still masks the secret itself", async () => {
    const desired = await desiredFrom(WORDPRESS);
    const shown = maskPlan(planOf(desired, [], []));
    const wp = shown.changes.find((c) => c.address === "container.wordpress[0]")!;
    expect(wp.after).toMatchObject({
      image: "wordpress:latest",
      name: "p_wordpress_1",
      service: "wordpress",
      environment: { MYSQL_PASSWORD: MASK, WORDPRESS_DB_HOST: "db" },
      command: ["sh", "-c", `wp-start --db-pass=${MASK}`],
    });
    const text = renderPlanText(shown, { color: false });
    expect(text).toMatch(/\+ image +?= "wordpress:latest"/);
    expect(text).toMatch(/\+ name +?= "p_wordpress_1"/);
    expect(text).toContain("# container.wordpress[0] will be created");
    expect(text).not.toContain("(sensitive value):latest");
    expect(text).not.toContain("p_(sensitive value)_1");
  });

  it("is said at validate and plan: the value is not secret", async () => {
    const desired = await desiredFrom(WORDPRESS);
    const warnings = secretReuseWarnings(desired.map((d) => ({ address: d.address, attributes: d.attributes, schema: SCHEMAS[d.provider][d.type] })));
    expect(warnings).toEqual([
      {
        severity: "warning",
        code: "W_SECRET_REUSED",
        message:
          "the value of MYSQL_PASSWORD also appears in name, service, image and networks.p_default.aliases: it is not secret; give it a value of its own",
        where: { address: "container.wordpress[0]" },
      },
    ]);
  });

  it("keeps names intact in free text too, and scrubs the secret elsewhere in it", async () => {
    const desired = await desiredFrom(WORDPRESS);
    const masker = planMasker(planOf(desired, [], []));
    expect(masker.text("container.wordpress[0]: pulling wordpress:latest for p_wordpress_1, password wordpress")).toBe(
      `container.wordpress[0]: pulling wordpress:latest for p_wordpress_1, password ${MASK}`,
    );
  });

  it("is said too when the secret is also a plain value", async () => {
    const desired = await desiredFrom(`app:\n  image: berth/web:1\n  environment:\n    DB_PASSWORD: hunter2hunter\n    DB_USER: hunter2hunter\n`);
    const warnings = secretReuseWarnings(desired.map((d) => ({ address: d.address, attributes: d.attributes, schema: SCHEMAS[d.provider][d.type] })));
    expect(warnings.map((w) => w.message)).toEqual([
      "the value of DB_PASSWORD also appears in environment.DB_USER: it is not secret; give it a value of its own",
    ]);
  });

  it("warns nothing when secrets are secrets", async () => {
    const desired = await desiredFrom(TOMCAT_MYSQL, { DB_PASSWORD: "dbpw-4f1e9a" });
    expect(secretReuseWarnings(desired.map((d) => ({ address: d.address, attributes: d.attributes, schema: SCHEMAS[d.provider][d.type] })))).toEqual([]);
  });
});

describe("apply's log lines and errors", () => {
  it("are scrubbed by the plan's masker, names intact", async () => {
    const desired = await desiredFrom(TOMCAT_MYSQL, { DB_PASSWORD: "dbpw-4f1e9a" });
    const masker = planMasker(planOf(desired, [], []));
    const failed = maskApplyEvent(
      {
        kind: "step-failed",
        address: "container.db[0]",
        actions: ["create"],
        ms: 1,
        error: new UserError("E_DOCKER", "p_db_1 exited: mysqld: access denied for root using password s3cr3t-R00T-pw", { address: "container.db[0]" }),
      },
      masker,
    );
    expect(failed.kind === "step-failed" && failed.error.toString()).toBe(
      `Error: container.db[0]: p_db_1 exited: mysqld: access denied for root using password ${MASK}`,
    );
    const log = maskApplyEvent({ kind: "step-log", address: "container.tomcat[0]", message: "started with --db-password=dbpw-4f1e9a" }, masker);
    expect(log).toEqual({ kind: "step-log", address: "container.tomcat[0]", message: `started with --db-password=${MASK}` });
  });
});

describe("outside a plan", () => {
  it("state show masks recorded resources with the same mask, names intact", async () => {
    const recorded = recordedOf(await desiredFrom(WORDPRESS));
    const [wp] = maskResources(
      recorded.filter((r) => r.type === "container"),
      (r) => SCHEMAS[r.provider][r.type],
    );
    expect(wp.attributes).toMatchObject({
      image: "wordpress:latest",
      name: "p_wordpress_1",
      environment: { MYSQL_PASSWORD: MASK },
      command: ["sh", "-c", `wp-start --db-pass=${MASK}`],
    });
  });

  it("discovery records hold the definition masked, the image intact", async () => {
    const desired = await desiredFrom(WORDPRESS, {}, true);
    const record = desired.find((d) => d.type === "discovery")!;
    const stored = serviceRecordOf(record.attributes);
    expect(stored.Service.definition).toMatchObject({ image: "wordpress:latest", environment: { MYSQL_PASSWORD: MASK, WORDPRESS_DB_HOST: "db" } });
    expect(JSON.stringify(stored.Service.definition)).not.toMatch(/=wordpress|"wordpress"/);
  });
});
