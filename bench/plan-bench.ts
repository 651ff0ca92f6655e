/**
 * Plan 1,000 services × aliyun.scale 10 (10,000 containers) against recorded and observed
 * state held in memory, with 1% of the services changed. Prints time, peak RSS, changes.
 * Target: ≤ 1 s and ≤ 300 MB on the 2-core machine.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadTemplate } from "../src/template/load.js";
import { buildDesired } from "../src/model/desired.js";
import { plan } from "../src/planner/plan.js";
import { dockerSchema } from "../providers/docker/schema.js";
import type { ObservedResource, RecordedResource } from "../src/core/types.js";

const SERVICES = 1000;
const SCALE = 10;

function template(changed: boolean): string {
  const lines: string[] = [];
  for (let i = 0; i < SERVICES; i++) {
    const image = changed && i % 100 === 0 ? "berth/web:2" : "berth/web:1";
    lines.push(`svc${i}:`, `  image: ${image}`, `  ports: ['8080']`, `  environment:`, `    INDEX: '${i}'`, `  labels:`, `    aliyun.scale: '${SCALE}'`);
  }
  return `${lines.join("\n")}\n`;
}

const dir = await mkdtemp(path.join(tmpdir(), "berth-plan-bench-"));
const before = path.join(dir, "before.yml");
const after = path.join(dir, "after.yml");
await writeFile(before, template(false));
await writeFile(after, template(true));
const modelOptions = { project: "bench", publishAddress: "127.0.0.1", discovery: false };

// The recorded state and the observation are what the last apply left (built outside the timing).
const old = buildDesired(await loadTemplate(before, { env: {}, domain: "localhost" }), modelOptions).resources;
const recorded: RecordedResource[] = old.map((d) => ({
  address: d.address,
  type: d.type,
  provider: d.provider,
  attributes: d.type === "container" ? { ...d.attributes, container_id: `id-${d.address}`, published: { "8080/tcp": 30000 } } : { ...d.attributes, network_id: "n1" },
  dependsOn: d.dependsOn,
}));
const observed: ObservedResource[] = recorded.map((r): ObservedResource => ({
  address: r.address,
  type: r.type,
  provider: r.provider,
  attributes:
    r.type === "container"
      ? { name: r.attributes.name, container_id: r.attributes.container_id, running: true, config_hash: r.attributes.config_hash }
      : { name: r.attributes.name, network_id: "n1" },
}));

let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
const t0 = performance.now();
const templ = await loadTemplate(after, { env: {}, domain: "localhost" });
const tLoaded = performance.now();
const desired = buildDesired(templ, modelOptions).resources;
const tModelled = performance.now();
const p = plan({
  project: "bench",
  berthVersion: "bench",
  templateHash: templ.hash,
  desired,
  recorded,
  stateLineage: "l",
  stateSerial: 1,
  observation: { resources: observed, gaps: [], observedProviders: ["docker"] },
  schemas: { docker: dockerSchema },
});
const ms = performance.now() - t0;
const phases = `load ${(tLoaded - t0).toFixed(0)} ms, model ${(tModelled - tLoaded).toFixed(0)} ms, plan ${(t0 + ms - tModelled).toFixed(0)} ms`;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
const changed = p.changes.filter((c) => c.actions[0] !== "no-op");
const changes = changed.length;
if (process.env.BENCH_DEBUG) console.log(changed.filter((c) => !c.address.endsWith("]")).map((c) => c.address + " " + c.actions.join(",")));
const ok = ms <= 1000 && peak <= 300 * 1024 * 1024;
console.log(
  `plan 10,000 containers (1% changed): ${ms.toFixed(0)} ms, peak RSS ${(peak / 1024 / 1024).toFixed(0)} MB, ${changes} changes ` +
    `(target ≤ 1000 ms, ≤ 300 MB: ${ok ? "ok" : "MISSED"}; ${phases})`,
);
