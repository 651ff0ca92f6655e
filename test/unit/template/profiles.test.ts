import { describe, expect, it } from "vitest";
import { loadTemplate } from "../../../src/template/load.js";
import { UserErrors } from "../../../src/core/errors.js";
import { resolveSettings, targetedServices } from "../../../src/cli/settings.js";
import { buildDesired } from "../../../src/model/desired.js";
import { shown, writeTemplate } from "./helpers.js";
import path from "node:path";

const YAML = [
  "services:",
  "  web:",
  "    image: a",
  "  debug:",
  "    image: b",
  "    profiles: [debug, tools]",
  "    links: [web]",
  "  admin:",
  "    image: c",
  "    profiles: [admin]",
  "    depends_on: [db]",
  "  db:",
  "    image: d",
  "    profiles: [db]",
  "    ports: ['5432:5432']",
  "  db-copy:",
  "    image: d",
  "    profiles: [copy]",
  "    ports: ['5432:5432']",
  "",
].join("\n");

async function active(profiles: string[], services: string[] = []): Promise<{ services: string[]; inactive: string[] }> {
  const template = await loadTemplate(writeTemplate(YAML), { env: {}, domain: "localhost", profiles, services });
  return { services: template.services.map((s) => s.name), inactive: template.inactiveServices };
}

describe("profiles: services run only when one of their profiles is enabled", () => {
  it("no profile: only services without profiles", async () => {
    expect(await active([])).toEqual({ services: ["web"], inactive: ["admin", "db", "db-copy", "debug"] });
  });

  it("an enabled profile adds its services; '*' enables every one", async () => {
    expect((await active(["tools"])).services).toEqual(["debug", "web"]);
    expect((await active(["db", "admin"])).services).toEqual(["admin", "db", "web"]);
    expect((await active(["copy"])).services).toEqual(["db-copy", "web"]);
  });

  it("a service targeted by name runs whatever its profiles (compose's rule)", async () => {
    expect((await active([], ["debug"])).services).toEqual(["debug", "web"]);
  });

  it("an active service needing an inactive one is an error naming both, at the reference", async () => {
    const file = writeTemplate(YAML);
    const err = await loadTemplate(file, { env: {}, domain: "localhost", profiles: ["admin"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserErrors);
    expect((err as UserErrors).diagnostics.map((d) => shown(d, path.dirname(file)))).toEqual([
      "docker-compose.yml:11:18: service 'admin' needs 'db' (depends_on), which is not active: enable its profile 'db' (--profile db or COMPOSE_PROFILES)",
    ]);
  });

  it("'*' enables everything, so the two copies' fixed host port clash", async () => {
    const file = writeTemplate(YAML);
    const err = await loadTemplate(file, { env: {}, domain: "localhost", profiles: ["*"] }).catch((e: unknown) => e);
    expect((err as UserErrors).diagnostics.map((d) => d.code)).toEqual(["E_PORT_CONFLICT"]);
  });

  it("inactive services are not modelled", async () => {
    const template = await loadTemplate(writeTemplate(YAML), { env: {}, domain: "localhost", profiles: [] });
    const addresses = buildDesired(template, { project: "p", publishAddress: "127.0.0.1", discovery: false }).resources.map((r) => r.address);
    expect(addresses).toEqual(["container.web[0]", "network.default"]);
  });

  it("--profile wins over COMPOSE_PROFILES; --target container.NAME names a service", () => {
    expect(resolveSettings({}, { COMPOSE_PROFILES: "a, b" }).profiles).toEqual(["a", "b"]);
    expect(resolveSettings({ profile: ["c"] }, { COMPOSE_PROFILES: "a,b" }).profiles).toEqual(["c"]);
    expect(resolveSettings({}, {}).profiles).toEqual([]);
    expect(targetedServices(["container.debug", "container.web[1]", "route.x.localhost"])).toEqual(["debug", "web"]);
  });

  it("profile names are checked", async () => {
    const file = writeTemplate("services:\n  a:\n    image: a\n    profiles: ['-x']\n");
    const err = await loadTemplate(file, { env: {}, domain: "localhost" }).catch((e: unknown) => e);
    expect((err as UserErrors).diagnostics.map((d) => shown(d, path.dirname(file)))).toEqual([
      "docker-compose.yml:4:16: profiles entries must be names of letters, digits, '_', '.' and '-', got '-x'",
    ]);
  });
});
