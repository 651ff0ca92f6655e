import { describe, expect, it } from "vitest";
import { parseRouteValue } from "../../../src/template/routes.js";
import { errorsOf, load } from "./helpers.js";

const LABEL = "aliyun.routing.port_80";
const NOT_DNS = "is not a DNS name: labels of letters, digits and '-' separated by '.', like 'web' or 'web.example.com'";
const routesOf = (value: string, domain = "localhost") => parseRouteValue(LABEL, value, domain);
const hostsOf = (value: string) => routesOf(value).routes.map((r) => `${r.scheme}://${r.host}${r.context}`);
const problemOf = (value: string) => routesOf(value).problems.map((p) => p.message);

describe("aliyun.routing.port_<N> values", () => {
  it.each<[string, string[]]>([
    ["tomcat-sample", ["http://tomcat-sample.localhost"]],
    ["http://tomcat-sample", ["http://tomcat-sample.localhost"]],
    ["https://www.example.com", ["https://www.example.com"]],
    ["ws://live.example.com/socket", ["ws://live.example.com/socket"]],
    ["wss://live", ["wss://live.localhost"]],
    ["tcp://db.example.com", ["tcp://db.example.com"]],
    ["HTTP://Web.Example.COM/App", ["http://web.example.com/App"]],
    ["web.example.com/", ["http://web.example.com"]],
    ["web/app/v1/", ["http://web.localhost/app/v1"]],
    ["web/a.b_c~d-e", ["http://web.localhost/a.b_c~d-e"]],
    ["wordpress;http://wp.sample.com/context", ["http://wordpress.localhost", "http://wp.sample.com/context"]],
    ["a.com; b.com ;c", ["http://a.com", "http://b.com", "http://c.localhost"]],
  ])("%s", (value, expected) => {
    expect(routesOf(value).problems).toEqual([]);
    expect(hostsOf(value)).toEqual(expected);
  });

  it("a bare name takes the configured domain", () => {
    expect(routesOf("shop", "Apps.Example.org").routes[0].host).toBe("shop.apps.example.org");
  });

  it("';' only separates hosts: `a.com;evil` is two checked hosts, and no ';' reaches a host name", () => {
    const parsed = routesOf("a.com;evil");
    expect(parsed.routes.map((r) => r.host)).toEqual(["a.com", "evil.localhost"]);
    expect(parsed.routes.every((r) => /^[a-z0-9.-]+$/.test(r.host))).toBe(true);
  });

  it.each<[string, string]>([
    ["a b", `${LABEL}: virtual host 'a b' ${NOT_DNS}`],
    ["x{y}", `${LABEL}: virtual host 'x{y}' ${NOT_DNS}`],
    ["$host", `${LABEL}: virtual host '$host' ${NOT_DNS}`],
    ["a.com;evil{", `${LABEL}: virtual host 'evil{' ${NOT_DNS}`],
    ["a.com; return 301 http://evil", `${LABEL}: virtual host 'return 301 http:' ${NOT_DNS}`],
    ["'quoted'", `${LABEL}: virtual host ''quoted'' ${NOT_DNS}`],
    ['"dq"', `${LABEL}: virtual host '"dq"' ${NOT_DNS}`],
    ["under_score.com", `${LABEL}: virtual host 'under_score.com' ${NOT_DNS}`],
    ["-lead.com", `${LABEL}: virtual host '-lead.com' ${NOT_DNS}`],
    ["trail-.com", `${LABEL}: virtual host 'trail-.com' ${NOT_DNS}`],
    ["a..com", `${LABEL}: virtual host 'a..com' ${NOT_DNS}`],
    ["web.com:8080", `${LABEL}: virtual host 'web.com:8080' ${NOT_DNS}`],
    [`${"a".repeat(64)}.com`, `${LABEL}: virtual host '${"a".repeat(64)}.com' ${NOT_DNS}`],
    [`${"a.".repeat(127)}com`, `${LABEL}: virtual host '${"a.".repeat(127)}com' is longer than 253 characters`],
    ["web/a b", `${LABEL}: context path '/a b' must be '/'-separated segments of letters, digits and . _ ~ -`],
    ["web/$uri", `${LABEL}: context path '/$uri' must be '/'-separated segments of letters, digits and . _ ~ -`],
    ["web/{x}", `${LABEL}: context path '/{x}' must be '/'-separated segments of letters, digits and . _ ~ -`],
    ["web/a//b", `${LABEL}: context path '/a//b' must be '/'-separated segments of letters, digits and . _ ~ -`],
    ["web/../etc", `${LABEL}: context path '/../etc' must be '/'-separated segments of letters, digits and . _ ~ -`],
    ["web/\"x\"", `${LABEL}: context path '/"x"' must be '/'-separated segments of letters, digits and . _ ~ -`],
    ["tcp://db/ctx", `${LABEL}: a tcp route cannot have a context path, got '/ctx'`],
    ["gopher://web", `${LABEL} has scheme 'gopher': expected http, https, ws, wss or tcp`],
    ["a.com;;b.com", `${LABEL} has an empty virtual host: separate hosts with a single ';'`],
    ["", `${LABEL} must name a virtual host like 'web' or 'http://web.example.com/app', got ''`],
  ])("rejects %j", (value, message) => {
    expect(problemOf(value)).toContain(message);
  });

  it("`web/x;rewrite` is a context path and a second host, never a directive", () => {
    expect(hostsOf("web/x;rewrite")).toEqual(["http://web.localhost/x", "http://rewrite.localhost"]);
  });
});

describe("routes in a template", () => {
  it("several hosts with contexts, each located in the label value", async () => {
    const template = await load("web:\n  image: a\n  labels:\n    aliyun.routing.port_8080: 'shop;https://shop.example.com/v2'\n");
    expect(template.services[0].aliyun.routes).toEqual([
      { containerPort: 8080, scheme: "http", host: "shop.localhost", context: "", loc: expect.objectContaining({ line: 4, col: 32 }) },
      { containerPort: 8080, scheme: "https", host: "shop.example.com", context: "/v2", loc: expect.objectContaining({ line: 4, col: 37 }) },
    ]);
    expect(template.services[0].keyLocs["labels.aliyun.routing.port_8080"]).toMatchObject({ line: 4, col: 5 });
  });

  it("routes on several ports, list-form labels too", async () => {
    const template = await load("web:\n  image: a\n  labels:\n    - aliyun.routing.port_80=web\n    - aliyun.routing.port_443=https://secure.example.com\n");
    expect(template.services[0].aliyun.routes.map((r) => `${r.containerPort} ${r.scheme}://${r.host}`)).toEqual([
      "80 http://web.localhost",
      "443 https://secure.example.com",
    ]);
  });

  it("an injection attempt is an error at the bad entry", async () => {
    // `$$` is compose's escape for a literal `$`, so the route parser really sees `$host`.
    expect(await errorsOf("web:\n  image: a\n  labels:\n    aliyun.routing.port_80: 'ok.com;$$host;x{y}'\n")).toEqual([
      `docker-compose.yml:4:37: aliyun.routing.port_80: virtual host '$host' ${NOT_DNS}`,
      `docker-compose.yml:4:44: aliyun.routing.port_80: virtual host 'x{y}' ${NOT_DNS}`,
    ]);
  });

  it("session_sticky reads booleans written either way", async () => {
    const template = await load(
      "a:\n  image: a\n  labels:\n    aliyun.routing.session_sticky: true\nb:\n  image: b\n  labels:\n    aliyun.routing.session_sticky: 'False'\n",
    );
    expect(template.services.map((s) => s.aliyun.sessionSticky)).toEqual([true, false]);
  });
});
