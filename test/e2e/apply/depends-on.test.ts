import { afterAll, describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { berth, projectContainers, removeProject, requireDocker, uniqueProject } from "../helpers.js";

/** One engine event as `docker events` reports it. */
interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { Attributes: Record<string, string> };
  timeNano: number;
}

/** The engine's own record of what happened to a project's containers between two instants. */
async function projectEvents(docker: Docker, project: string, sinceMs: number, untilMs: number): Promise<EngineEvent[]> {
  const stream = (await docker.getEvents({
    since: Math.floor(sinceMs / 1000),
    until: Math.ceil(untilMs / 1000) + 1,
    filters: { type: ["container"], label: [`berth.project=${project}`] },
  })) as NodeJS.ReadableStream;
  let text = "";
  for await (const chunk of stream) text += chunk.toString();
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as EngineEvent);
}

/** When `service` first did `action` ("create", "start", "health_status: healthy"), in engine nanoseconds. */
function firstAt(events: EngineEvent[], service: string, action: string): number {
  const hit = events.find((e) => e.Action === action && e.Actor.Attributes["berth.service"] === service);
  if (!hit) throw new Error(`no '${action}' event for ${service}: ${events.map((e) => `${e.Actor.Attributes["berth.service"]}:${e.Action}`).join(", ")}`);
  return hit.timeNano;
}

async function templateDir(yaml: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "berth-dep-"));
  await writeFile(path.join(dir, "docker-compose.yml"), yaml);
  return dir;
}

const projects: string[] = [];
let docker: Docker;
afterAll(async () => {
  for (const project of projects) await removeProject(docker, project);
});

/** A database that becomes healthy only after a few seconds. */
const SLOW_DB = [
  "  db:",
  "    image: berth/web:1",
  "    command: ['sh', '-c', 'sleep ${DB_DELAY}; touch /tmp/ready; exec sleep 3600']",
  "    healthcheck:",
  "      test: ['CMD-SHELL', 'test -f /tmp/ready']",
  "      interval: 500ms",
  "      timeout: 1s",
  "      retries: 60",
];

describe("depends_on conditions on the real engine", () => {
  it("service_healthy: the dependent is created and started only after its dependency is healthy; restart: true restarts it", async () => {
    docker = await requireDocker();
    const project = uniqueProject("dep-healthy");
    projects.push(project);
    const yaml = (delay: number) =>
      [
        "services:",
        ...SLOW_DB.map((l) => l.replace("${DB_DELAY}", String(delay))),
        "  web:",
        "    image: berth/web:1",
        "    depends_on:",
        "      db:",
        "        condition: service_healthy",
        "        restart: true",
        "",
      ].join("\n");
    const dir = await templateDir(yaml(3));
    const t0 = Date.now();
    const apply = await berth(["apply", "--auto-approve", "-p", project], { cwd: dir });
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("container.web[0]: waiting for db to be healthy");
    const events = await projectEvents(docker, project, t0, Date.now());
    const healthy = firstAt(events, "db", "health_status: healthy");
    expect(firstAt(events, "db", "start")).toBeLessThan(healthy);
    expect(firstAt(events, "web", "create")).toBeGreaterThan(healthy);
    expect(firstAt(events, "web", "start")).toBeGreaterThan(healthy);
    // The wait is real: at least the database's delay passed between its start and the web's.
    expect((firstAt(events, "web", "start") - firstAt(events, "db", "start")) / 1e9).toBeGreaterThanOrEqual(2.5);

    const again = await berth(["plan", "--detailed-exitcode", "-p", project], { cwd: dir });
    expect(again.stdout).toContain("No changes");
    expect(again.code).toBe(0);

    // The database is replaced: the plan restarts web in place, after db is healthy again.
    await writeFile(path.join(dir, "docker-compose.yml"), yaml(2));
    const plan = await berth(["plan", "-p", project], { cwd: dir });
    expect(plan.stdout).toContain("# container.web[0] will be updated in-place (restarts after its dependencies change: container.db[0])");
    expect(plan.stdout).toContain("Plan: 1 to add, 1 to change, 1 to destroy.");
    const webBefore = (await projectContainers(docker, project)).find((c) => c.Labels["berth.service"] === "web")!;
    const t1 = Date.now();
    const reapply = await berth(["apply", "--auto-approve", "-p", project], { cwd: dir });
    expect(reapply.code).toBe(0);
    const webAfter = (await projectContainers(docker, project)).find((c) => c.Labels["berth.service"] === "web")!;
    expect(webAfter.Id).toBe(webBefore.Id);
    const later = await projectEvents(docker, project, t1, Date.now());
    expect(firstAt(later, "web", "restart")).toBeGreaterThan(firstAt(later, "db", "health_status: healthy"));
    expect((await berth(["plan", "-p", project], { cwd: dir })).stdout).toContain("No changes");
  });

  it("service_completed_successfully: a migration that exits 0 lets the dependent start, and a replan is empty", async () => {
    const project = uniqueProject("dep-migrate");
    projects.push(project);
    const dir = await templateDir(
      [
        "services:",
        "  migrate:",
        "    image: berth/web:1",
        "    command: ['sh', '-c', 'echo migrating; sleep 2; echo done']",
        "  web:",
        "    image: berth/web:1",
        "    depends_on:",
        "      migrate:",
        "        condition: service_completed_successfully",
        "",
      ].join("\n"),
    );
    const t0 = Date.now();
    const apply = await berth(["apply", "--auto-approve", "-p", project], { cwd: dir });
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    const events = await projectEvents(docker, project, t0, Date.now());
    const died = events.find((e) => e.Action === "die" && e.Actor.Attributes["berth.service"] === "migrate")!;
    expect(died.Actor.Attributes.exitCode).toBe("0");
    expect(firstAt(events, "web", "create")).toBeGreaterThan(died.timeNano);

    const containers = await projectContainers(docker, project);
    expect(containers.map((c) => `${c.Labels["berth.service"]} ${c.State}`)).toEqual(["migrate exited", "web running"]);
    // Exited with code 0 is where a one-shot belongs: no drift, nothing to restart.
    const again = await berth(["plan", "--detailed-exitcode", "-p", project], { cwd: dir });
    expect(again.stdout).toContain("No changes");
    expect(again.code).toBe(0);
  });

  it("service_completed_successfully: a migration that exits 3 stops the apply, naming it and the code; the dependent is not created", async () => {
    const project = uniqueProject("dep-migfail");
    projects.push(project);
    const dir = await templateDir(
      [
        "services:",
        "  migrate:",
        "    image: berth/web:1",
        "    command: ['sh', '-c', 'echo migration failed >&2; exit 3']",
        "  web:",
        "    image: berth/web:1",
        "    depends_on:",
        "      migrate:",
        "        condition: service_completed_successfully",
        "",
      ].join("\n"),
    );
    const apply = await berth(["apply", "--auto-approve", "-p", project], { cwd: dir });
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/container\.web\[0\]: (waited \d+s for migrate to complete successfully;|needs migrate to complete successfully, but) migrate exited with code 3/);
    expect(apply.stderr).not.toMatch(/\n\s+at /);
    const services = (await projectContainers(docker, project)).map((c) => c.Labels["berth.service"]);
    expect(services).toEqual(["migrate"]);
  });
});
