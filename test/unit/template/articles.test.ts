import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadTemplate } from "../../../src/template/load.js";
import type { ServiceSpec, Template } from "../../../src/template/types.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const example = (name: string) => path.join(ROOT, "examples", name, "docker-compose.yml");
const loadExample = (name: string) => loadTemplate(example(name), { env: {}, domain: "localhost" });

/** One line per service: name, scale, routes, links — what a reviewer checks against the article. */
function summary(template: Template): string[] {
  return template.services.map((s: ServiceSpec) =>
    [
      s.name,
      `scale=${s.aliyun.scale}`,
      `routes=${s.aliyun.routes.map((r) => `${r.scheme}://${r.host}${r.context}→${r.containerPort}`).join(",")}`,
      `links=${s.links.map((l) => `${l.service}:${l.alias}`).join(",")}`,
    ].join(" "),
  );
}

describe("the article's four templates", () => {
  it("01 tomcat + mysql", async () => {
    const template = await loadExample("01-tomcat-mysql");
    expect(template.warnings).toEqual([]);
    expect(summary(template)).toEqual([
      "db scale=1 routes= links=",
      "tomcat-default scale=3 routes=http://tomcat-sample.localhost→8080 links=db:mysql",
    ]);
    const [db, tomcat] = template.services;
    expect(db.image).toBe("registry.aliyuncs.com/acs-sample/mysql:5.7");
    expect(db.environment).toEqual({ MYSQL_ROOT_PASSWORD: "password" });
    expect(db.aliyun.logs).toEqual(["/var/log/mysql"]);
    expect(db.restart).toBe("always");
    expect(tomcat.expose).toEqual([8080]);
    expect(tomcat.environment.CATALINA_HOME).toBe("/usr/local/tomcat");
    expect(tomcat.keyLocs["labels.aliyun.scale"]).toMatchObject({ line: 10, col: 5 });
    expect(tomcat.aliyun.routes[0].loc).toMatchObject({ line: 9, col: 32 });
  });

  it("02 independent links (three tomcats, all routed as the article wrote: http://tomcat1)", async () => {
    const template = await loadExample("02-independent-links");
    expect(template.warnings).toEqual([]);
    expect(summary(template)).toEqual([
      "nginx scale=2 routes=http://ngtomcat.localhost→80 links=tomcat1:tomcat1,tomcat2:tomcat2,tomcat3:tomcat3",
      "tomcat1 scale=1 routes=http://tomcat1.localhost→8080 links=",
      "tomcat2 scale=1 routes=http://tomcat1.localhost→8080 links=",
      "tomcat3 scale=1 routes=http://tomcat1.localhost→8080 links=",
    ]);
    const nginx = template.services[0];
    expect(nginx.ports).toEqual([{ containerPort: 80, protocol: "tcp", hostPort: null, hostIp: null }]);
    expect(nginx.extraHosts).toEqual([{ host: "tomcat1.if", ip: "162.242.195.82" }]);
    expect(nginx.command?.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(nginx.command?.[2]).toContain("server tomcat3:8080;");
    expect(nginx.command?.[2]).toContain(">/etc/nginx/conf.d/default.conf && nginx -g 'daemon off;'");
  });

  it("03 route to node (two services share the virtual host tomcat.ir)", async () => {
    const template = await loadExample("03-route-to-node");
    expect(template.warnings).toEqual([]);
    expect(summary(template)).toEqual([
      "nginx scale=2 routes=http://ngtomcat.localhost→80 links=tomcat1:tomcat1,tomcat2:tomcat2",
      "tomcat1 scale=2 routes=http://tomcat.ir→8080 links=",
      "tomcat2 scale=2 routes=http://tomcat.ir→8080 links=",
    ]);
    expect(template.services[0].extraHosts).toEqual([
      { host: "tomcat1.ir", ip: "123.56.80.151" },
      { host: "tomcat2.ir", ip: "182.92.204.43" },
    ]);
  });

  it("04 discovery API (aliyun.addon)", async () => {
    const template = await loadExample("04-discovery-api");
    expect(template.warnings).toEqual([]);
    expect(summary(template)).toEqual([
      "nginx scale=2 routes=http://ngservice.localhost→80 links=tomcat:tomcat",
      "tomcat scale=3 routes=http://tomcat.localhost→8080 links=",
    ]);
    expect(template.services[0].aliyun.addon).toEqual(["nginx"]);
    expect(template.services[0].image).toBe("registry.aliyuncs.com/acs-sample/nginx-service-discovery");
  });

  it("hello: the smallest template", async () => {
    const template = await loadExample("hello");
    expect(template.warnings).toEqual([]);
    expect(summary(template)).toEqual(["web scale=2 routes=http://hello.localhost→8080 links="]);
    expect(template.services[0].image).toBe("berth/web:1");
  });

  it("the examples are the article's text (spot check of lines the article has verbatim)", () => {
    const text = readFileSync(example("01-tomcat-mysql"), "utf8");
    expect(text).toContain("    - 'TOMCAT_TGZ_URL=https://www.apache.org/dist/tomcat/tomcat-8/v8.0.30/bin/apache-tomcat-8.0.30.tar.gz'\n");
    expect(text).toContain("    aliyun.routing.port_8080: 'http://tomcat-sample'\n    aliyun.scale: '3'\n");
    expect(readFileSync(example("04-discovery-api"), "utf8")).toContain('    aliyun.addon: "nginx"\n');
  });

  it("file stays as given, dir is absolute, hash is stable", async () => {
    const relative = path.relative(process.cwd(), example("hello"));
    const template = await loadTemplate(relative, { env: {}, domain: "localhost" });
    expect(template.file).toBe(relative);
    expect(template.dir).toBe(path.dirname(example("hello")));
    expect(template.hash).toBe((await loadExample("hello")).hash);
    expect(template.name).toBeNull();
  });

  it("another domain for bare names", async () => {
    const template = await loadTemplate(example("01-tomcat-mysql"), { env: {}, domain: "apps.example.org" });
    expect(template.services[1].aliyun.routes[0].host).toBe("tomcat-sample.apps.example.org");
  });
});
