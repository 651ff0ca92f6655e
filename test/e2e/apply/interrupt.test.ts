import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { BERTH, berth, projectContainers, removeProject, requireDocker, uniqueProject } from "../helpers.js";

/** Runs `berth apply` and sends it Ctrl-C (SIGINT) once the first change has completed. */
function applyInterruptedAfterFirstChange(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BERTH, "apply", "--auto-approve", "--parallelism", "1", ...args], {
      env: { ...process.env, NO_COLOR: "1", CI: "true", BERTH_STOP_TIMEOUT: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let sent = false;
    child.stdout.on("data", (d) => {
      stdout += d;
      if (!sent && /container\.web\[\d\]: Creation complete/.test(stdout)) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout }));
  });
}

describe("Ctrl-C during apply (real dockerd)", () => {
  let docker: Docker;
  let file: string;
  const project = uniqueProject("intr");
  const flags = () => ["-f", file, "-p", project];

  beforeAll(async () => {
    docker = await requireDocker();
    const dir = await mkdtemp(path.join(tmpdir(), "berth-intr-"));
    file = path.join(dir, "docker-compose.yml");
    await writeFile(file, "web:\n  image: berth/web:1\n  labels:\n    aliyun.scale: '6'\n");
  });
  afterAll(async () => {
    await berth(["destroy", "--auto-approve", ...flags()]);
    if (docker) await removeProject(docker, project);
  });

  it("stops after in-flight changes, records what completed, and the next apply continues", async () => {
    const interrupted = await applyInterruptedAfterFirstChange(flags());
    expect(interrupted.stdout).toContain("Interrupt received");
    expect(interrupted.code).toBe(1);
    expect(interrupted.stdout).toMatch(/Apply stopped: \d+ added/);

    const recorded = (await berth(["state", "list", ...flags()])).stdout.split("\n").filter((l) => l.startsWith("container.web"));
    expect(recorded.length).toBeGreaterThanOrEqual(1);
    expect(recorded.length).toBeLessThan(6);
    // What the state records is exactly what runs: nothing half-applied.
    expect(await projectContainers(docker, project)).toHaveLength(recorded.length);

    const plan = await berth(["plan", ...flags()]);
    expect(plan.stdout).toContain(`Plan: ${6 - recorded.length} to add, 0 to change, 0 to destroy.`);
    expect((await berth(["apply", "--auto-approve", ...flags()])).code).toBe(0);
    expect(await projectContainers(docker, project)).toHaveLength(6);
  });
});
