import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { expectGolden } from "../golden.js";
import { errorsOf, load, warningsOf } from "./helpers.js";

const golden = (name: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), "golden", name);

/** Keys that change what runs and that Berth does not implement are refused, all at once, at file:line:col. */
describe("unsupported compose keys are refused, never ignored", () => {
  it("every refused service and top-level key, each at its place, in one report", async () => {
    const yaml = [
      "services:",
      "  web:",
      "    image: a",
      "    external_links: [redis_1]",
      "    cpu_count: 2",
      "    colour: blue",
      "  db:",
      "    image: b",
      "    gpus: all",
      "flavour: vanilla",
      "models:",
      "  llm: {model: ai/smollm2}",
      "",
    ].join("\n");
    expectGolden(golden("unsupported-keys.txt"), (await errorsOf(yaml)).join("\n") + "\n");
  });

  it("a healthcheck or depends_on entry key compose does not know is refused where it is written, not ignored", async () => {
    const yaml = "services:\n  db:\n    image: a\n    healthcheck:\n      test: [CMD, true]\n      interva: 5s\n  web:\n    image: b\n    depends_on:\n      db:\n        conditon: service_healthy\n";
    expect(await errorsOf(yaml)).toEqual([
      "docker-compose.yml:6:7: healthcheck.interva is not a compose key (test, interval, timeout, retries, start_period, start_interval, disable)",
      expect.stringMatching(/^docker-compose\.yml:11:9: depends_on\.db\.conditon is not a compose key \(/),
    ]);
  });

  it("an extends: whose base is missing names extends, not a missing image", async () => {
    expect(await errorsOf("services:\n  db:\n    extends: base\n")).toEqual(["docker-compose.yml:3:14: service 'db' extends 'base', which is not a service"]);
  });

  it("a file holding only include: is read as includes, not as a service called include", async () => {
    const errors = await errorsOf("include:\n  - other.yml\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^docker-compose\.yml:2:5: cannot read compose file '.*other\.yml': no such file$/);
  });

  it("unknown keys in a long-form port are refused; mode is host or ingress", async () => {
    expect(await errorsOf("web:\n  image: a\n  ports:\n    - target: 80\n      mode: host\n      color: blue\n    - target: 81\n      mode: fast\n")).toEqual([
      "docker-compose.yml:6:7: 'color' is not a key of a ports entry, and Berth does not support it",
      "docker-compose.yml:8:13: mode must be host or ingress, got 'fast'",
    ]);
  });

  it("networks that ask only for the default network are accepted", async () => {
    const yaml = "services:\n  a:\n    image: a\n    networks: [default]\n  b:\n    image: b\n    networks:\n      default: {}\nnetworks:\n  default:\n";
    expect((await load(yaml)).services.map((s) => s.name)).toEqual(["a", "b"]);
  });

  it("keys that change nothing a container runs with load with a warning; x- keys are silent", async () => {
    expect(await warningsOf("services:\n  a:\n    image: a\n    attach: false\n    x-note: hi\n")).toEqual([
      "docker-compose.yml:4:5: service 'a': attach has no effect in Berth: Berth never attaches to container output",
    ]);
  });
});
