import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { berth, requireDocker } from "../helpers.js";

/** Bad input: a clear message with its place, exit 1, and nothing changed. */
describe("bad input through the CLI", () => {
  const template = async (text: string) => {
    const dir = await mkdtemp(path.join(tmpdir(), "berth-bad-"));
    const file = path.join(dir, "docker-compose.yml");
    await writeFile(file, text);
    return { dir, file };
  };

  it("a malformed template: every error with file:line:col, no stack trace, no state", async () => {
    await requireDocker();
    const { dir, file } = await template("web:\n  image: berth/web:1\n  ports: 80\n  labels:\n    aliyun.scale: three\n");
    const res = await berth(["apply", "--auto-approve", "-f", file, "-p", "bad"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${file}:3:10: ports must be a list`);
    expect(res.stderr).toContain(`${file}:5:19: aliyun.scale must be a whole number ≥ 0, got 'three'`);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(dir, ".berth"))).toBe(false);
  });

  it("a bad flag value is a usage error before anything runs", async () => {
    const { file } = await template("web:\n  image: berth/web:1\n");
    const res = await berth(["apply", "--parallelism", "0", "-f", file, "-p", "bad"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("expected a whole number ≥ 1, got '0'");
  });

  it("apply refuses to change what it could not observe", async () => {
    const { dir, file } = await template("web:\n  image: berth/web:1\n");
    const res = await berth(["apply", "--auto-approve", "-f", file, "-p", "bad"], { env: { DOCKER_HOST: "unix:///tmp/berth-no-engine.sock" } });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("cannot apply changes for docker: no Docker engine answers at unix:///tmp/berth-no-engine.sock");
    expect(existsSync(path.join(dir, ".berth", "bad.state.json"))).toBe(false);
  });

  it("a state applied with another engine: apply refuses before changing anything, naming the engine to use", async () => {
    await requireDocker();
    const { dir, file } = await template("services:\n  web:\n    image: berth/web:1\n");
    const state = path.join(dir, "swarm.state.json");
    const recorded = { address: "service.web", type: "service", provider: "swarm", attributes: { name: "engbad_web" } };
    await writeFile(state, JSON.stringify({ version: 1, lineage: "l", serial: 1, project: "engbad", resources: [recorded] }));
    const before = await readFile(state, "utf8");
    const res = await berth(["apply", "--auto-approve", "--engine", "docker", "-f", file, "-p", "engbad", "--state", state]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("the plan would change service.web, which the swarm provider manages, but this run does not configure it: plan again with --engine swarm");
    expect(await readFile(state, "utf8")).toBe(before);
    const docker = await requireDocker();
    expect(await docker.listContainers({ all: true, filters: { label: ["berth.project=engbad"] } })).toEqual([]);
  });

  it("apply without a terminal and without --auto-approve changes nothing", async () => {
    const { dir, file } = await template("web:\n  image: berth/web:1\n");
    const res = await berth(["apply", "-f", file, "-p", "bad"]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain("Plan: 2 to add");
    expect(res.stderr).toContain("refusing to change anything without approval");
    expect(existsSync(path.join(dir, ".berth", "bad.state.json"))).toBe(false);
  });

  it("a dependency cycle is named", async () => {
    const { file } = await template("a:\n  image: berth/web:1\n  links: [b]\nb:\n  image: berth/web:1\n  links: [a]\n");
    const res = await berth(["validate", "-f", file]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/dependency cycle between services: a → b → a/);
  });
});
