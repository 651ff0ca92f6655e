import { describe, expect, it } from "vitest";
import { interpolate } from "../../../src/template/interpolate.js";
import { errorsOf, load, warningsOf } from "./helpers.js";

const env = { SET: "value", EMPTY: "", PORT: "8080" };
const substitute = (input: string) => {
  const { value, problems } = interpolate(input, env);
  return { value, problems };
};

describe("interpolate (compose's rules)", () => {
  it.each<[string, string]>([
    ["plain text", "plain text"],
    ["$SET", "value"],
    ["${SET}", "value"],
    ["a-${SET}-b", "a-value-b"],
    ["$SET.suffix", "value.suffix"],
    ["${UNSET:-fallback}", "fallback"],
    ["${EMPTY:-fallback}", "fallback"],
    ["${EMPTY-fallback}", ""],
    ["${UNSET-fallback}", "fallback"],
    ["${SET:-fallback}", "value"],
    ["${SET:+alt}", "alt"],
    ["${EMPTY:+alt}", ""],
    ["${EMPTY+alt}", "alt"],
    ["${UNSET:-${PORT}}", "8080"],
    ["${UNSET:-a {b} c}", "a {b} c"],
    ["$$", "$"],
    ["$$SET", "$SET"],
    ["cost: $$5", "cost: $5"],
    ["${SET:?never shown}", "value"],
    ["${EMPTY?set but empty is fine}", ""],
  ])("%s → %s", (input, expected) => {
    expect(substitute(input)).toEqual({ value: expected, problems: [] });
  });

  it("an unset variable with no default becomes '' with a warning at its '$'", () => {
    expect(substitute("x=$NOPE ${ALSO}")).toEqual({
      value: "x= ",
      problems: [
        { severity: "warning", index: 2, message: "the NOPE variable is not set; defaulting to a blank string" },
        { severity: "warning", index: 8, message: "the ALSO variable is not set; defaulting to a blank string" },
      ],
    });
  });

  it("maps each value character back to where it was written", () => {
    const { value, origin } = interpolate("a$$b${SET}c", env);
    expect(value).toBe("a$bvaluec");
    expect([...value].map((_, i) => origin(i))).toEqual([0, 1, 3, 4, 4, 4, 4, 4, 10]);
  });

  it.each<[string, number, string]>([
    ["${UNSET:?give it}", 0, "required variable UNSET is missing a value: give it"],
    ["a ${EMPTY:?no empty}", 2, "required variable EMPTY is missing a value: no empty"],
    ["${UNSET?}", 0, "required variable UNSET is missing a value"],
    ["${UNSET:-${INNER:?inner}}", 9, "required variable INNER is missing a value: inner"],
    ["${}", 0, "invalid interpolation '${}': expected ${NAME}, ${NAME:-default} or ${NAME:?message}"],
    ["${1X}", 0, "invalid interpolation '${1X}': expected ${NAME}, ${NAME:-default} or ${NAME:?message}"],
    ["tail ${OPEN", 5, "unclosed '${' in '${OPEN': expected '}' (write '$$' for a literal '$')"],
    ["5$", 1, "invalid interpolation in '5$': '$' must be followed by a name, '{' or '$' (write '$$' for a literal '$')"],
  ])("%s is an error at index %d", (input, index, message) => {
    expect(interpolate(input, env).problems).toEqual([{ severity: "error", index, message }]);
  });
});

describe("interpolation in a template", () => {
  it("substitutes values (not keys), process env over .env beside the template", async () => {
    const template = await load(
      "web:\n  image: 'berth/web:${TAG}'\n  environment:\n    $KEY: ${FROM_DOTENV}\n    OVERRIDDEN: ${BOTH}\n  ports: ['${PORT:-80}']\n",
      { env: { TAG: "2", BOTH: "process" }, files: { ".env": "# settings\nFROM_DOTENV=dotenv\nBOTH=dotenv\nPORT=9090\n" } },
    );
    const [web] = template.services;
    expect(web.image).toBe("berth/web:2");
    expect(web.environment).toEqual({ $KEY: "dotenv", OVERRIDDEN: "process" });
    expect(web.ports[0].containerPort).toBe(9090);
  });

  it("a substituted label is read after substitution", async () => {
    const template = await load("web:\n  image: a\n  labels:\n    aliyun.scale: ${REPLICAS}\n", { env: { REPLICAS: "4" } });
    expect(template.services[0].aliyun.scale).toBe(4);
  });

  it("a bad substituted value is reported where it was written", async () => {
    expect(await errorsOf("web:\n  image: a\n  labels:\n    - aliyun.scale=${REPLICAS}\n", { env: { REPLICAS: "many" } })).toEqual([
      "docker-compose.yml:4:20: aliyun.scale must be a whole number ≥ 0, got 'many'",
    ]);
  });

  it("${VAR:?msg} is an error at the '$' with the message, and every one is reported", async () => {
    const yaml = "web:\n  image: \"${IMAGE:?pick an image}\"\n  environment:\n    - DB=${DB_HOST:?where is the database}\n";
    expect(await errorsOf(yaml)).toEqual([
      "docker-compose.yml:2:11: required variable IMAGE is missing a value: pick an image",
      "docker-compose.yml:4:10: required variable DB_HOST is missing a value: where is the database",
    ]);
  });

  it("a required variable set in .env is fine", async () => {
    const template = await load("web:\n  image: ${IMAGE:?pick an image}\n", { files: { ".env": "IMAGE='berth/web:1'\n" } });
    expect(template.services[0].image).toBe("berth/web:1");
  });

  it("an unset variable warns at its line:col", async () => {
    expect(await warningsOf("web:\n  image: a\n  hostname: web-$SUFFIX\n")).toEqual([
      "docker-compose.yml:3:17: the SUFFIX variable is not set; defaulting to a blank string",
    ]);
  });

  it("$$ keeps a literal dollar for the container's shell", async () => {
    const template = await load("web:\n  image: a\n  command: sh -c 'echo $$HOME'\n");
    expect(template.services[0].command).toEqual(["sh", "-c", "echo $HOME"]);
  });

  it("a bad line in .env is an error in .env, reported with the template's own errors", async () => {
    expect(await errorsOf("web:\n  image: a\n  ports: 80\n", { files: { ".env": "OK=1\nnot a pair\n" } })).toEqual([
      "docker-compose.yml:3:10: ports must be a list of port mappings ([[host_ip:][host_port]:]container_port[/tcp|udp] or {target, published, host_ip, protocol}), got 80",
      ".env:2:1: expected KEY=VALUE, got 'not a pair'",
    ]);
  });
});
