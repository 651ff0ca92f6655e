import { maskPlan } from "../../../src/core/mask.js";
import { describe, expect, it } from "vitest";
import { buildDesired } from "../../../src/model/desired.js";
import { renderPlanText } from "../../../src/render/text-plan.js";
import { renderPlanJson } from "../../../src/render/json-plan.js";
import { errorsOf, load } from "./helpers.js";
import { planOf } from "../planner/fixtures.js";

const TEMPLATE = [
  "services:",
  "  db:",
  "    image: mysql",
  "    secrets:",
  "      - db_password",
  "      - source: api_token",
  "        target: token",
  "        uid: '999'",
  "        mode: 0400",
  "    configs:",
  "      - source: my_cnf",
  "        target: /etc/mysql/conf.d/my.cnf",
  "secrets:",
  "  db_password:",
  "    file: ./secrets/db_password.txt",
  "  api_token:",
  "    environment: API_TOKEN",
  "configs:",
  "  my_cnf:",
  "    content: |",
  "      [mysqld]",
  "      max_connections = 50",
  "",
].join("\n");

const files = { "secrets/db_password.txt": "s3cret-from-file\n" };
const env = { API_TOKEN: "tok-from-env-123" };

describe("secrets and configs", () => {
  it("are mounted where compose mounts them, contents carried (secrets among the masked values)", async () => {
    const desired = buildDesired(await load(TEMPLATE, { files, env }), { project: "p", publishAddress: "127.0.0.1", discovery: false }).resources;
    const db = desired.find((d) => d.address === "container.db[0]")!.attributes;
    expect(db.files).toEqual({
      "/etc/mysql/conf.d/my.cnf": { source: "config:my_cnf", uid: null, gid: null, mode: 0o444 },
      "/run/secrets/db_password": { source: "secret:db_password", uid: null, gid: null, mode: 0o444 },
      "/run/secrets/token": { source: "secret:api_token", uid: "999", gid: null, mode: 0o400 },
    });
    expect(db.sensitive_values).toEqual({ "secret:api_token": "tok-from-env-123", "secret:db_password": "s3cret-from-file\n" });
    expect(db.config_contents).toEqual({ my_cnf: "[mysqld]\nmax_connections = 50\n" });
  });

  it("never show a secret's content in a plan, even when it changed", async () => {
    const opts = { project: "p", publishAddress: "127.0.0.1", discovery: false };
    const desired = buildDesired(await load(TEMPLATE, { files, env }), opts).resources;
    const p = planOf({ desired, recorded: [] });
    for (const out of [renderPlanText(maskPlan(p), { color: false }), renderPlanJson(maskPlan(p))]) {
      expect(out).not.toContain("s3cret-from-file");
      expect(out).not.toContain("tok-from-env-123");
      expect(out).toContain("/run/secrets/db_password");
    }
  });

  it("refuse what they cannot do on one engine, and what does not exist, at their positions", async () => {
    expect(
      await errorsOf(
        [
          "services:",
          "  app:",
          "    image: a",
          "    secrets: [missing, ext]",
          "secrets:",
          "  ext:",
          "    external: true",
          "  gone:",
          "    file: ./nope.txt",
          "  unset:",
          "    environment: NOT_SET_ANYWHERE",
          "",
        ].join("\n"),
      ),
    ).toEqual([
      "docker-compose.yml:4:15: service 'app' mounts secret 'missing', which the top-level secrets: section does not declare (declared: ext, gone, unset)",
      "docker-compose.yml:6:3: secrets.ext needs a source: one of file, environment",
      "docker-compose.yml:7:5: secrets.ext: 'external' is not supported by Berth: external secrets and configs live in a swarm, which one Docker engine does not have (supported: file, environment)",
      expect.stringMatching(/^docker-compose.yml:9:11: secrets.gone.file: cannot read .\/nope.txt \(.*nope.txt\): /),
      "docker-compose.yml:11:18: secrets.unset.environment names NOT_SET_ANYWHERE, which is not set",
    ]);
  });
});
