import { describe, expect, it } from "vitest";
import { load, warningsOf } from "./helpers.js";

describe("warnings: the template loads, and the user hears what Berth ignores", () => {
  it("aliyun labels Berth does not implement, map and list form", async () => {
    expect(
      await warningsOf("web:\n  image: a\n  labels:\n    aliyun.lb.port_80: 'tcp://slb:80'\n    aliyun.auto_scaling.max_cpu: 70\nworker:\n  image: b\n  labels:\n    - aliyun.latest_image=true\n"),
    ).toEqual([
      "docker-compose.yml:4:5: label 'aliyun.lb.port_80' is not implemented by Berth (ignored)",
      "docker-compose.yml:5:5: label 'aliyun.auto_scaling.max_cpu' is not implemented by Berth (ignored)",
      "docker-compose.yml:9:7: label 'aliyun.latest_image' is not implemented by Berth (ignored)",
    ]);
  });

  it("other labels are kept, aliyun ones included, without warnings", async () => {
    const template = await load("web:\n  image: a\n  labels:\n    com.example.team: web\n    aliyun.scale: 2\n    aliyun.lb.port_80: x\n");
    expect(template.services[0].labels).toEqual({ "aliyun.lb.port_80": "x", "aliyun.scale": "2", "com.example.team": "web" });
    expect(template.warnings.map((w) => w.code)).toEqual(["W_NOT_IMPLEMENTED"]);
  });

  it("networks: [default] and build and healthcheck options are read; swarm-only deploy options are said to do nothing", async () => {
    const yaml = [
      "services:",
      "  web:",
      "    image: a",
      "    networks: [default]",
      "    x-spacer: keep the line numbers",
      "    deploy:",
      "      replicas: 2",
      "      placement: {constraints: [node.role == manager]}",
      "    healthcheck:",
      "      test: ['CMD', 'true']",
      "      start_interval: 1s",
      "  app:",
      "    build:",
      "      context: ./app",
      "      target: prod",
      "",
    ].join("\n");
    expect(await warningsOf(yaml)).toEqual([
      "docker-compose.yml:8:7: deploy.placement applies to swarm services only; on one engine it has no effect (docker compose ignores it too)",
    ]);
  });

  it("top-level volumes with options (resources now), an empty networks.default and x- extensions are silent", async () => {
    const yaml = [
      "version: '3.8'",
      "x-defaults: &defaults",
      "  restart: always",
      "services:",
      "  web:",
      "    <<: *defaults",
      "    image: a",
      "    x-note: hello",
      "networks:",
      "  default:",
      "volumes:",
      "  data: {}",
      "  logs:",
      "    driver: local",
      "",
    ].join("\n");
    expect(await warningsOf(yaml)).toEqual([]);
  });

  it("aliyun.global: one machine runs one container", async () => {
    const template = await load("web:\n  image: a\n  labels:\n    aliyun.global: 'true'\n    aliyun.scale: '3'\n");
    expect(template.services[0].aliyun).toMatchObject({ global: true, scale: 1 });
    expect(template.warnings.map((w) => [w.code, w.where])).toEqual([["W_GLOBAL", expect.objectContaining({ line: 4, col: 5 })]]);
  });

  it("probe timings without a probe", async () => {
    expect(await warningsOf("web:\n  image: a\n  labels:\n    aliyun.probe.timeout_seconds: 5\n")).toEqual([
      "docker-compose.yml:4:5: aliyun.probe timings have no effect without aliyun.probe.url or aliyun.probe.cmd",
    ]);
  });

  it("YAML warnings (an unknown tag) are warnings too", async () => {
    const warnings = await warningsOf("web:\n  image: !custom a\n");
    expect(warnings).toEqual(["docker-compose.yml:2:10: Unresolved tag: !custom"]);
  });
});
