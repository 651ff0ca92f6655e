import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { BERTH, berth, projectContainers, removeProject, requireDocker, uniqueProject } from "../helpers.js";

const run = promisify(execFile);

/** A tmux server of this test's own (-L), so nothing else's sessions are touched. */
function tmux(socket: string) {
  const cmd = (...args: string[]) => run("tmux", ["-L", socket, ...args]);
  return {
    cmd,
    capture: async () => (await cmd("capture-pane", "-p", "-t", "berth")).stdout,
    keys: (...keys: string[]) => cmd("send-keys", "-t", "berth", ...keys),
  };
}

async function waitForScreen(capture: () => Promise<string>, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let screen = "";
  while (Date.now() < deadline) {
    screen = await capture();
    if (pattern.test(screen)) return screen;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`screen never showed ${pattern}; last screen:\n${screen}`);
}

/** The real `berth apply` in a real terminal (tmux) against the real Docker engine. */
describe("terminal UI in tmux", () => {
  let docker: Docker;
  let dir: string;
  const project = uniqueProject("tui");
  const socket = `berth-test-${project}`;
  const t = tmux(socket);

  beforeAll(async () => {
    docker = await requireDocker();
    await run("tmux", ["-V"]).catch(() => {
      throw new Error("this test needs tmux (npm run engines installs it)");
    });
    dir = await mkdtemp(path.join(tmpdir(), "berth-tui-"));
    await writeFile(path.join(dir, "docker-compose.yml"), "web:\n  image: berth/web:1\n  ports: ['8080']\n  labels:\n    aliyun.scale: '3'\n");
  });
  afterAll(async () => {
    await t.cmd("kill-server").catch(() => {});
    await berth(["destroy", "--auto-approve", "-p", project], { cwd: dir });
    if (docker) await removeProject(docker, project);
  });

  it("shows the plan, takes `yes`, shows progress and the summary, and the containers exist", async () => {
    // CI is unset inside the terminal: Ink draws nothing live when it believes it runs in CI.
    const command = `env -u CI NO_COLOR=1 BERTH_STOP_TIMEOUT=1 ${process.execPath} ${BERTH} apply -p ${project}; echo BERTH-EXIT=$?; sleep 600`;
    await t.cmd("new-session", "-d", "-s", "berth", "-x", "120", "-y", "40", "-c", dir, command);

    const planScreen = await waitForScreen(t.capture, /Enter a value:/);
    expect(planScreen).toContain("Plan: 4 to add, 0 to change, 0 to destroy.");
    expect(planScreen).toContain("container.web[2]");

    // `j j Enter` in one send-keys reaches the view as one chunk: it browses (two moves, then
    // open), never answering "jj", which would cancel the apply.
    expect(planScreen).toContain("keys browse the plan until you type");
    await t.keys("j", "j", "Enter");
    const opened = await waitForScreen(t.capture, /resource "container"/);
    expect(opened).toMatch(/›.*container\.web\[1\]/);
    expect(opened).toContain("Enter a value: ");
    expect(opened).not.toContain("BERTH-EXIT");

    await t.keys("y", "e", "s");
    await waitForScreen(t.capture, /Enter a value: yes/);
    await t.keys("Enter");
    const done = await waitForScreen(t.capture, /BERTH-EXIT=\d/, 60_000);
    expect(done).toMatch(/✓ container\.web\[\d\]: Creation complete/);
    expect(done).toContain("Apply complete! Resources: 4 added, 0 changed, 0 destroyed");
    expect(done).toContain("BERTH-EXIT=0");
    expect(await projectContainers(docker, project)).toHaveLength(3);
  });
});
