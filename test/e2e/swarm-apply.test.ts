import path from "node:path";
import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { berth, copyExample, editFile, uniqueProject } from "./helpers.js";
import { execInTask, projectObjects, removeSwarmProject, runningTasks, setNodeLink, startSwarmLab, stopSwarmLab, type SwarmLab } from "./swarm-lab.js";

/**
 * The article's first template on a real 3-node swarm (scripts/swarm-lab.sh): planned and applied
 * through the swarm provider, a change rolled by the swarm, a bad image rolled back and reported,
 * content-named configs and secrets, a node cut off seen as drift, and destroy leaving nothing
 * behind. The tests run in order, on one lab.
 */
describe("berth on a 3-node swarm", () => {
  let lab: SwarmLab;
  const project = uniqueProject("sw");
  const filesProject = uniqueProject("swf");
  const spreadProject = uniqueProject("sws");
  let dir: string;
  let filesDir: string;
  let spreadDir: string;
  const projectOf = (cwd: string) => (cwd === dir ? project : cwd === filesDir ? filesProject : spreadProject);
  const run = (args: string[], cwd = dir) =>
    berth([...args, "-p", projectOf(cwd), "--no-tui"], {
      cwd,
      env: { DOCKER_HOST: lab.dockerHost, BERTH_ENGINE: "swarm", BERTH_SWARM_TIMEOUT: "150" },
    });
  const tomcat = () => `${project}_tomcat-default`;

  beforeAll(async () => {
    lab = await startSwarmLab();
    dir = await copyExample("01-tomcat-mysql");
    filesDir = await copyExample("hello");
    spreadDir = await copyExample("hello");
  }, 300_000);

  afterAll(async () => {
    if (!lab) return;
    try {
      await removeSwarmProject(lab, project);
      await removeSwarmProject(lab, filesProject);
      await removeSwarmProject(lab, spreadProject);
    } finally {
      // The lab goes whatever state a failed test left node 3's link in.
      await stopSwarmLab();
    }
  }, 300_000);

  it("applies the article's first template with tasks on several nodes, which reach one another by name", async () => {
    const applied = await run(["apply", "--auto-approve"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const tasks = await runningTasks(lab, tomcat());
    expect(tasks).toHaveLength(3);
    expect(new Set(tasks.map((t) => t.node)).size).toBeGreaterThanOrEqual(2);
    // Each task runs the image pinned by the digest the registry gave at plan time.
    for (const t of tasks) expect(t.image).toMatch(/^tomcat:latest@sha256:[0-9a-f]{64}$/);
    // The db task reaches tomcat over the overlay network by its service name.
    const [db] = await runningTasks(lab, `${project}_db`);
    const answer = await execInTask(lab, db, "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 tomcat-default 8080");
    expect(answer).toMatch(/^HTTP\/1\.0 200 OK/);
    expect(answer).toContain("version=1");
    const again = await run(["plan", "--detailed-exitcode"]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain("No changes.");
  }, 300_000);

  it("plans an environment change as a service spec diff and applies it by the swarm's rolling update", async () => {
    const before = await runningTasks(lab, tomcat());
    await editFile(path.join(dir, "docker-compose.yml"), (t) => t.replace("CATALINA_HOME=/usr/local/tomcat", "CATALINA_HOME=/opt/tomcat"));
    const planned = await run(["plan", "--detailed-exitcode"]);
    expect(planned.code, planned.stdout + planned.stderr).toBe(2);
    expect(planned.stdout).toContain('~ resource "service" "tomcat-default"');
    expect(planned.stdout).toContain('~ "CATALINA_HOME" = "/usr/local/tomcat" -> "/opt/tomcat"');
    expect(planned.stdout).toContain("Plan: 0 to add, 1 to change, 0 to destroy.");
    const applied = await run(["apply", "--auto-approve"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain("update completed");
    const after = await runningTasks(lab, tomcat());
    expect(after).toHaveLength(3);
    // Rolled: every task is new, and runs with the new environment.
    expect(after.filter((t) => before.some((b) => b.id === t.id))).toEqual([]);
    for (const t of after) expect(t.env).toContain("CATALINA_HOME=/opt/tomcat");
  }, 300_000);

  it("a bad image: the swarm rolls the update back, apply exits 1 naming the service, the next plan shows the change again", async () => {
    await editFile(path.join(dir, "docker-compose.yml"), (t) =>
      t
        .replace("image: 'tomcat:latest'", "image: 'berth/broken:1'")
        .replace("  restart: always\n  links:", "  restart: always\n  deploy:\n    update_config:\n      failure_action: rollback\n      monitor: 3s\n  links:"),
    );
    const applied = await run(["apply", "--auto-approve"]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(1);
    const output = applied.stdout + applied.stderr;
    expect(output).toMatch(/service tomcat-default: the swarm rolled the update back/);
    expect(output).toContain("non-zero exit (3)");
    // What runs is what ran before: the rolled-back spec, on the old image.
    const tasks = await runningTasks(lab, tomcat());
    expect(tasks).toHaveLength(3);
    for (const t of tasks) expect(t.image).toMatch(/^tomcat:latest@/);
    const next = await run(["plan", "--detailed-exitcode"]);
    expect(next.code, next.stdout + next.stderr).toBe(2);
    expect(next.stdout).toMatch(/~ image +?= "tomcat:latest" -> "berth\/broken:1"/);
    expect(next.stdout).not.toContain("changed outside Berth");
  }, 300_000);

  it("configs and secrets are named by their content: a changed file rolls the service and the old object goes", async () => {
    await writeFile(path.join(filesDir, "app.conf"), "greeting=hello\n");
    await writeFile(path.join(filesDir, "token.txt"), "tok-e2e-5f3a9\n");
    await writeFile(
      path.join(filesDir, "docker-compose.yml"),
      [
        "services:",
        "  web:",
        "    image: berth/web:1",
        "    deploy:",
        "      replicas: 2",
        "      update_config: {parallelism: 2, monitor: 1s}",
        "    configs: [{source: app, target: /etc/app.conf}]",
        "    secrets: [token]",
        "configs:",
        "  app: {file: ./app.conf}",
        "secrets:",
        "  token: {file: ./token.txt}",
        "",
      ].join("\n"),
    );
    const first = await run(["apply", "--auto-approve"], filesDir);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout + first.stderr).not.toContain("tok-e2e-5f3a9");
    const objects = await projectObjects(lab, filesProject);
    expect(objects.configs).toHaveLength(1);
    expect(objects.secrets).toHaveLength(1);
    const [task] = await runningTasks(lab, `${filesProject}_web`);
    expect(await execInTask(lab, task, "cat /etc/app.conf /run/secrets/token")).toBe("greeting=hello\ntok-e2e-5f3a9\n");

    await writeFile(path.join(filesDir, "app.conf"), "greeting=bonjour\n");
    const planned = await run(["plan"], filesDir);
    expect(planned.stdout).toContain("config.app must be replaced");
    const second = await run(["apply", "--auto-approve"], filesDir);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    const after = await projectObjects(lab, filesProject);
    expect(after.configs).toHaveLength(1);
    expect(after.configs[0]).not.toBe(objects.configs[0]);
    const [rolled] = await runningTasks(lab, `${filesProject}_web`);
    expect(await execInTask(lab, rolled, "cat /etc/app.conf")).toBe("greeting=bonjour\n");
  }, 300_000);

  it("a node cut off: the plan shows its missing task as drift, undone in place; with the node back, apply converges", async () => {
    await writeFile(
      path.join(spreadDir, "docker-compose.yml"),
      [
        "services:",
        "  web:",
        "    image: berth/web:1",
        "    deploy:",
        "      replicas: 3",
        // One task per node: with a node gone, its task has nowhere to go, and the drift stays visible.
        "      placement: {max_replicas_per_node: 1}",
        "      update_config: {parallelism: 3, monitor: 1s}",
        "",
      ].join("\n"),
    );
    const applied = await run(["apply", "--auto-approve"], spreadDir);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(new Set((await runningTasks(lab, `${spreadProject}_web`)).map((t) => t.node)).size).toBe(3);
    await setNodeLink(3, "cut");
    try {
      // The manager marks the node Down after missed heartbeats (about 10 s here): the plan then shows it.
      let planned = await run(["plan", "--detailed-exitcode"], spreadDir);
      for (const deadline = Date.now() + 120_000; !planned.stdout.includes("tasks_running = 3 -> 2") && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 2000));
        planned = await run(["plan", "--detailed-exitcode"], spreadDir);
      }
      expect(planned.code, planned.stdout + planned.stderr).toBe(2);
      expect(planned.stdout).toContain("# service.web was changed outside Berth (tasks_running)");
      expect(planned.stdout).toContain("# service.web will be updated in-place (changed outside Berth)");
    } finally {
      await setNodeLink(3, "join");
    }
    const converged = await run(["apply", "--auto-approve"], spreadDir);
    expect(converged.code, converged.stdout + converged.stderr).toBe(0);
    expect(await runningTasks(lab, `${spreadProject}_web`)).toHaveLength(3);
    const after = await run(["plan", "--detailed-exitcode"], spreadDir);
    expect(after.code, after.stdout + after.stderr).toBe(0);
  }, 300_000);

  it("destroy leaves no service, network, config or secret behind", async () => {
    for (const [cwd, name] of [
      [dir, project],
      [filesDir, filesProject],
      [spreadDir, spreadProject],
    ] as const) {
      const destroyed = await run(["destroy", "--auto-approve"], cwd);
      expect(destroyed.code, destroyed.stdout + destroyed.stderr).toBe(0);
      expect(await projectObjects(lab, name)).toEqual({ services: [], networks: [], configs: [], secrets: [] });
    }
  }, 300_000);
});
