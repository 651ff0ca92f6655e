import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseByteSize } from "../../../src/template/byte-size.js";
import { expectGolden } from "../golden.js";
import { errorsOf, load } from "./helpers.js";
import { EVERY_SETTING } from "./settings-fixture.js";

const golden = (name: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), "golden", name);

describe("container settings: read with their values checked", () => {
  it("every setting, as the model receives it", async () => {
    const template = await load(EVERY_SETTING);
    const [web] = template.services;
    expectGolden(golden("container-settings.json"), JSON.stringify({ containerName: web.containerName, restart: web.restart, settings: web.settings }, null, 2) + "\n");
    expect(template.warnings.map((w) => w.code)).toEqual(["W_SWARM_ONLY"]);
  });

  it("values the engine would refuse fail validate, every one at its place", async () => {
    const yaml = [
      "services:",
      "  web:",
      "    image: a",
      "    mem_limit: 4m",
      "    mem_reservation: lots",
      "    cpus: 0",
      "    cap_add: [FLY]",
      "    sysctls: [kernel.hostname=x]",
      "    ulimits:",
      "      nofile: {soft: 4096, hard: 1024}",
      "      colour: 3",
      "    devices: ['dev/fuse', '/dev/a:/dev/b:rx']",
      "    tmpfs: run",
      "    stop_grace_period: soon",
      "    dns: [not-an-ip]",
      "    pid: service:db",
      "    oom_score_adj: 2000",
      "    init: maybe",
      "    pids_limit: -5",
      "    container_name: -bad",
      "    deploy:",
      "      resources:",
      "        reservations: {cpus: '1'}",
      "      restart_policy: {condition: sometimes}",
      "      mode: global",
      "  two:",
      "    image: a",
      "    scale: 2",
      "    container_name: two",
      "    mem_limit: 1g",
      "    deploy: {resources: {limits: {memory: 2g}}}",
      "    memswap_limit: 512m",
      "    restart: always",
      "  three:",
      "    image: a",
      "    memswap_limit: 1g",
      "    deploy: {restart_policy: {condition: none}}",
      "    restart: always",
      "",
    ].join("\n");
    expectGolden(golden("container-settings-errors.txt"), (await errorsOf(yaml)).join("\n") + "\n");
  });

  it("two services may not share a container_name", async () => {
    expect(await errorsOf("services:\n  a:\n    image: a\n    container_name: xy\n  b:\n    image: b\n    container_name: xy\n")).toEqual([
      "docker-compose.yml:7:5: container_name 'xy' is already the name of service 'a' (line 4)",
    ]);
  });

  it("byte sizes read as docker reads them (powers of 1024)", () => {
    expect(["512m", "1g", "1.5G", "100kb", "2048", "64 MiB", "10x", ""].map(parseByteSize)).toEqual([
      536870912, 1073741824, 1610612736, 102400, 2048, 67108864, null, null,
    ]);
  });
});
