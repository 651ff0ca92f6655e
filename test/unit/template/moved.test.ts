import { describe, expect, it } from "vitest";
import { errorsOf, load } from "./helpers.js";

describe("x-berth-moved", () => {
  it("reads each old service name and its new one, in either format", async () => {
    expect((await load("x-berth-moved:\n  web: api\napi:\n  image: a\n")).moved).toEqual([{ from: "web", to: "api" }]);
    expect((await load("services:\n  api:\n    image: a\nx-berth-moved: {web: api}\n")).moved).toEqual([{ from: "web", to: "api" }]);
    expect((await load("services:\n  api:\n    image: a\n")).moved).toEqual([]);
  });

  it("refuses a move to a service the template lacks, from one it still has, or two onto one, naming file:line:col", async () => {
    const yaml = ["services:", "  api:", "    image: a", "  db:", "    image: b", "x-berth-moved:", "  web: apii", "  db: api", "  old: api", "  older: api", "  bad: [1]", ""].join("\n");
    expect(await errorsOf(yaml)).toEqual([
      "docker-compose.yml:7:8: x-berth-moved: web moves to apii, which is not a service of the template",
      "docker-compose.yml:8:3: x-berth-moved: db is still a service of the template; a moved service's old name must be gone",
      "docker-compose.yml:10:10: x-berth-moved: older and old both move to api",
      "docker-compose.yml:11:8: x-berth-moved: bad must move to a service name, got a list",
    ]);
    expect(await errorsOf("services:\n  api:\n    image: a\nx-berth-moved: [web]\n")).toEqual([
      "docker-compose.yml:4:16: x-berth-moved must be a map of old service name → new service name, got a list",
    ]);
  });
});
