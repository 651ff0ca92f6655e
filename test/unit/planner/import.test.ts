import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ImportCandidate } from "../../../src/core/import.js";
import { maskImportPlan } from "../../../src/core/mask.js";
import { hasChanges } from "../../../src/core/plan.js";
import type { Attributes, DesiredResource, ObservedResource, RecordedResource } from "../../../src/core/types.js";
import { buildDesired } from "../../../src/model/desired.js";
import { planImport } from "../../../src/planner/import.js";
import { plan } from "../../../src/planner/plan.js";
import { renderImportText } from "../../../src/render/import-text.js";
import { loadTemplate } from "../../../src/template/load.js";
import { dockerSchema } from "../../../providers/docker/schema.js";
import { expectGolden } from "../golden.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const IMAGE_ID = "sha256:" + "a".repeat(64);

async function desiredOf(): Promise<DesiredResource[]> {
  const template = await loadTemplate(path.join(ROOT, "examples/06-import/docker-compose.yml"), { env: {}, domain: "localhost" });
  const desired = buildDesired(template, { project: "shop", publishAddress: "127.0.0.1", discovery: false }).resources;
  // What resolveDesired fills in before planning: the tag's image ID.
  return desired.map((d) => (d.type === "container" ? { ...d, attributes: { ...d.attributes, image_id: IMAGE_ID } } : d));
}

/** What the docker provider reports of a compose container: the keys it can observe, as they run. */
function composeContainer(d: DesiredResource, id: string, changes: { observed?: Attributes; differing?: string[]; engineName?: string } = {}): ImportCandidate {
  const a = d.attributes;
  const engineName = changes.engineName ?? String(a.name);
  return {
    address: d.address,
    type: "container",
    provider: "docker",
    engineName,
    id,
    madeBy: `made by docker compose 1.29.2, project shop, service ${d.name}`,
    observed: {
      name: engineName,
      container_id: id,
      image: a.image,
      image_id: IMAGE_ID,
      running: true,
      published: { "8080/tcp": 32768 },
      environment: a.environment,
      restart: a.restart,
      ...changes.observed,
    },
    differing: changes.differing ?? [],
    ...(engineName !== a.name ? { renameTo: String(a.name) } : {}),
  };
}

function candidatesOf(desired: DesiredResource[]): ImportCandidate[] {
  const at = (address: string) => desired.find((d) => d.address === address)!;
  const db = at("container.db[0]");
  return [
    composeContainer(at("container.tomcat[0]"), "c".repeat(64), { engineName: "shop-tomcat-1" }),
    // The database runs with another root password than the template's, and an extra variable.
    composeContainer(db, "d".repeat(64), {
      observed: { environment: { MYSQL_ROOT_PASSWORD: "hunter22-running", TZ: "UTC" } },
      differing: ["environment"],
    }),
    { address: "network.default", type: "network", provider: "docker", engineName: "shop_default", id: "n".repeat(64), madeBy: "made by docker compose 1.29.2, project shop", observed: { name: "shop_default", network_id: "n".repeat(64) }, differing: [] },
    { address: "volume.db-data", type: "volume", provider: "docker", engineName: "shop_db-data", id: "shop_db-data", madeBy: "made by docker compose 1.29.2, project shop", observed: { name: "shop_db-data" }, differing: [] },
    { ...composeContainer(db, "e".repeat(64)), address: "container.worker[0]", engineName: "shop_worker_1" },
  ];
}

function importPlan(desired: DesiredResource[], recorded: RecordedResource[] = []) {
  return planImport({ project: "shop", desired, recorded, stateLineage: null, stateSerial: 0, candidates: candidatesOf(desired), schemas: { docker: dockerSchema } });
}

describe("berth import's plan", () => {
  it("imports what the template has an address for, says what differs, and leaves the rest", async () => {
    const desired = await desiredOf();
    const p = importPlan(desired);
    expect(p.imports.map((e) => e.address)).toEqual(["container.db[0]", "container.tomcat[0]", "network.default", "volume.db-data"]);
    expect(p.skipped).toEqual([{ address: "container.worker[0]", engineName: "shop_worker_1", reason: "the template has no container.worker[0]" }]);
    const db = p.imports.find((e) => e.address === "container.db[0]")!;
    expect(db.differences.map((d) => [d.path.join("."), d.update])).toEqual([
      ["environment.MYSQL_ROOT_PASSWORD", "replace"],
      ["environment.TZ", "replace"],
    ]);
    expect(p.imports.find((e) => e.address === "container.tomcat[0]")!.renameTo).toBe("shop_tomcat_1");
  });

  it("renders as a plan, with no secret in it (golden)", async () => {
    const text = renderImportText(maskImportPlan(importPlan(await desiredOf())), { color: false });
    expect(text).not.toContain("hunter22-running");
    expect(text).not.toMatch(/MYSQL_ROOT_PASSWORD: template "password"/);
    expectGolden(path.join(ROOT, "test/unit/planner/golden/import.txt"), text);
  });

  it("skips what the state knows already", async () => {
    const desired = await desiredOf();
    const recorded: RecordedResource[] = [{ address: "network.default", type: "network", provider: "docker", attributes: { name: "shop_default" } }];
    const p = importPlan(desired, recorded);
    expect(p.skipped.map((s) => s.reason)).toContain("network.default is in the state already");
    expect(p.imports.map((e) => e.address)).not.toContain("network.default");
  });

  it("records what makes the next plan empty where the template matches, and a replacement where it does not", async () => {
    const desired = await desiredOf();
    const p = importPlan(desired);
    const recorded: RecordedResource[] = p.imports.map((e) => ({ address: e.address, type: e.type, provider: e.provider, attributes: e.record, dependsOn: e.dependsOn }));
    const tomcat = recorded.find((r) => r.address === "container.tomcat[0]")!;
    expect(tomcat.attributes.container_id).toBe("c".repeat(64));
    expect(tomcat.attributes.published).toEqual({ "8080/tcp": 32768 });
    expect(tomcat.attributes.name).toBe("shop_tomcat_1");
    // As the docker provider observes an imported container: found by its ID, no Berth labels, so no config hash.
    const observed = recorded.flatMap((r): ObservedResource[] =>
      r.type === "container"
        ? [{ address: r.address, type: r.type, provider: "docker", attributes: { name: r.attributes.name, container_id: r.attributes.container_id, running: true, image_id: IMAGE_ID } }]
        : [{ address: r.address, type: r.type, provider: "docker", attributes: { name: r.attributes.name } }],
    );
    const next = plan({
      project: "shop",
      berthVersion: "test",
      templateHash: "t",
      desired: desired.filter((d) => d.type !== "route" && d.type !== "upstream"),
      recorded,
      stateLineage: "l",
      stateSerial: 1,
      observation: { resources: observed, gaps: [], observedProviders: ["docker"] },
      schemas: { docker: dockerSchema },
    });
    const changed = next.changes.filter((c) => c.actions[0] !== "no-op");
    expect(changed.map((c) => [c.address, c.actions.join(",")])).toEqual([["container.db[0]", "delete,create"]]);
    expect(changed[0].replacePaths).toEqual([["environment", "MYSQL_ROOT_PASSWORD"], ["environment", "TZ"]]);

    // Had the database matched, nothing would change.
    const matching = recorded.map((r) => (r.address === "container.db[0]" ? { ...r, attributes: { ...desired.find((d) => d.address === r.address)!.attributes, container_id: "d".repeat(64) } } : r));
    const empty = plan({ ...{ project: "shop", berthVersion: "test", templateHash: "t", stateLineage: "l", stateSerial: 1, schemas: { docker: dockerSchema } }, desired: desired.filter((d) => d.type !== "route" && d.type !== "upstream"), recorded: matching, observation: { resources: observed, gaps: [], observedProviders: ["docker"] } });
    expect(hasChanges(empty)).toBe(false);
  });
});
