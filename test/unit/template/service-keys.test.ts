import { describe, expect, it } from "vitest";
import { serviceDependencies } from "../../../src/template/load.js";
import { splitShellWords } from "../../../src/template/shell-words.js";
import { parseDuration } from "../../../src/template/duration.js";
import path from "node:path";
import { errorsOf, load } from "./helpers.js";

const noBuildOptions = { dockerfile: null, dockerfileInline: null, args: {}, target: null, labels: {}, network: null, shmSize: null, extraHosts: [] };

describe("service keys", () => {
  it("build: a string or {context, dockerfile, args}", async () => {
    const template = await load("a:\n  build: ./app\nb:\n  build:\n    context: ./b\n    dockerfile: Dockerfile.dev\n    args:\n      - VERSION=2\n      - FROM_SHELL\n", {
      env: { FROM_SHELL: "yes" },
    });
    const dir = template.dir;
    expect(template.services.map((s) => s.build)).toEqual([
      { ...noBuildOptions, context: "./app", contextDir: path.join(dir, "app") },
      { ...noBuildOptions, context: "./b", contextDir: path.join(dir, "b"), dockerfile: "Dockerfile.dev", args: { VERSION: "2", FROM_SHELL: "yes" } },
    ]);
    expect(template.services.map((s) => s.image)).toEqual([null, null]);
  });

  it("build: every key the classic builder knows; pull_policy", async () => {
    const yaml = [
      "app:",
      "  image: me/app:2",
      "  pull_policy: if_not_present",
      "  build:",
      "    context: /srv/app",
      "    dockerfile_inline: |",
      "      FROM scratch",
      "    target: prod",
      "    labels: [team=web]",
      "    network: host",
      "    shm_size: 64m",
      "    extra_hosts: ['db.local:10.0.0.2', 'a=10.0.0.1']",
      "",
    ].join("\n");
    const [app] = (await load(yaml)).services;
    expect(app.build).toEqual({
      ...noBuildOptions,
      context: "/srv/app",
      contextDir: "/srv/app",
      dockerfileInline: "FROM scratch\n",
      target: "prod",
      labels: { team: "web" },
      network: "host",
      shmSize: 64 * 1024 * 1024,
      extraHosts: ["a:10.0.0.1", "db.local:10.0.0.2"],
    });
    expect(app.pullPolicy).toBe("missing");
  });

  it("build: keys the classic builder cannot carry out are refused where written, never ignored", async () => {
    const yaml = [
      "app:",
      "  build:",
      "    context: .",
      "    cache_from: [a]",
      "    ssh: [default]",
      "    secrets: [s]",
      "    platforms: [linux/arm64]",
      "    dockerfile: Dockerfile",
      "    dockerfile_inline: FROM scratch",
      "    shm_size: lots",
      "web:",
      "  build: https://github.com/me/web.git",
      "  pull_policy: always",
      "db:",
      "  image: db",
      "  pull_policy: build",
      "cache:",
      "  image: cache",
      "  pull_policy: daily",
      "",
    ].join("\n");
    const refused = (key: string) => `build.${key} is not supported by Berth (it builds with the engine's classic builder, which knows context, dockerfile, dockerfile_inline, args, target, labels, network, shm_size, extra_hosts); remove it`;
    expect(await errorsOf(yaml)).toEqual([
      `docker-compose.yml:4:5: ${refused("cache_from")}`,
      `docker-compose.yml:5:5: ${refused("ssh")}`,
      `docker-compose.yml:6:5: ${refused("secrets")}`,
      `docker-compose.yml:7:5: ${refused("platforms")}`,
      "docker-compose.yml:8:5: build.dockerfile and build.dockerfile_inline cannot both be set",
      "docker-compose.yml:10:15: build.shm_size must be a size like 67108864, '64m' or '1gb', got 'lots'",
      "docker-compose.yml:12:10: build context 'https://github.com/me/web.git' is a URL: Berth builds from a local folder only (it digests the files to plan rebuilds)",
      "docker-compose.yml:13:3: pull_policy: always with build: is not supported: Berth builds the image of service 'web'; use build or missing",
      "docker-compose.yml:16:3: pull_policy: build needs a build: section in service 'db'",
      "docker-compose.yml:19:16: pull_policy must be always, missing, if_not_present, never or build, got 'daily'",
    ]);
  });

  it("pull_policy: always beside build: is refused (Berth builds that image)", async () => {
    expect(await errorsOf("app:\n  build: .\n  pull_policy: always\n")).toEqual([
      "docker-compose.yml:3:3: pull_policy: always with build: is not supported: Berth builds the image of service 'app'; use build or missing",
    ]);
  });

  it("command and entrypoint: strings split like a shell, lists kept", async () => {
    const template = await load(
      "web:\n  image: a\n  command: sh -c \"echo 'xxxx' >/etc/nginx/conf.d/default.conf\"\n  entrypoint: ['/bin/tini', '--', 5]\n",
    );
    expect(template.services[0].command).toEqual(["sh", "-c", "echo 'xxxx' >/etc/nginx/conf.d/default.conf"]);
    expect(template.services[0].entrypoint).toEqual(["/bin/tini", "--", "5"]);
  });

  it("links, depends_on (list and map), extra_hosts (list and map), volumes, restart, strings", async () => {
    const template = await load(
      [
        "web:",
        "  image: a",
        "  links: [db, 'cache:redis']",
        "  depends_on:",
        "    db:",
        "      condition: service_healthy",
        "    cache:",
        "  extra_hosts:",
        "    - 'host.a:10.0.0.1'",
        "    - 'v6:::1'",
        "  volumes:",
        "    - /data",
        "    - 'named:/var/lib:ro'",
        "    - type: bind",
        "      source: ./src",
        "      target: /src",
        "      read_only: true",
        "  restart: on-failure:3",
        "  hostname: web-host",
        "  working_dir: /srv",
        "  user: 1000",
        "db:",
        "  image: b",
        "  depends_on: [cache]",
        "  extra_hosts:",
        "    gw: 192.168.0.1",
        "cache:",
        "  image: c",
        "",
      ].join("\n"),
    );
    const [cache, db, web] = template.services;
    expect(template.services.map((s) => s.name)).toEqual(["cache", "db", "web"]);
    expect(web.links).toEqual([
      { service: "db", alias: "db" },
      { service: "cache", alias: "redis" },
    ]);
    const brief = (deps: typeof web.dependsOn) => deps.map((d) => `${d.service} ${d.condition} required=${d.required} restart=${d.restart}`);
    expect(brief(web.dependsOn)).toEqual(["db service_healthy required=true restart=false", "cache service_started required=true restart=false"]);
    expect(web.extraHosts).toEqual([
      { host: "host.a", ip: "10.0.0.1" },
      { host: "v6", ip: "::1" },
    ]);
    expect(web.volumes).toEqual(["/data", "named:/var/lib:ro", "./src:/src:ro"]);
    expect([web.restart, web.hostname, web.workingDir, web.user]).toEqual(["on-failure:3", "web-host", "/srv", "1000"]);
    expect(brief(db.dependsOn)).toEqual(["cache service_started required=true restart=false"]);
    expect(db.extraHosts).toEqual([{ host: "gw", ip: "192.168.0.1" }]);
    expect(cache.dependsOn).toEqual([]);
    expect(serviceDependencies(web)).toEqual(["cache", "db"]);
  });

  it("depends_on long form: condition, required, restart; the short form is service_started", async () => {
    const template = await load(
      [
        "web:",
        "  image: a",
        "  depends_on:",
        "    migrate:",
        "      condition: service_completed_successfully",
        "    db:",
        "      condition: service_healthy",
        "      restart: true",
        "    cache:",
        "      required: false",
        "db:",
        "  image: b",
        "migrate:",
        "  image: c",
        "cache:",
        "  image: d",
        "",
      ].join("\n"),
    );
    const web = template.services.find((s) => s.name === "web")!;
    expect(web.dependsOn.map(({ loc, ...d }) => ({ ...d, at: `${loc.line}:${loc.col}` }))).toEqual([
      { service: "migrate", condition: "service_completed_successfully", required: true, restart: false, at: "4:5" },
      { service: "db", condition: "service_healthy", required: true, restart: true, at: "6:5" },
      { service: "cache", condition: "service_started", required: false, restart: false, at: "9:5" },
    ]);
  });

  it("healthcheck: string test → CMD-SHELL, list forms, durations in seconds, disable → NONE", async () => {
    const template = await load(
      [
        "a:",
        "  image: a",
        "  healthcheck:",
        "    test: wget -q -O- http://localhost:8080/",
        "    interval: 1m30s",
        "    timeout: 500ms",
        "    start_period: 10s",
        "    start_interval: 1s",
        "    retries: 3",
        "b:",
        "  image: b",
        "  healthcheck:",
        "    test: [CMD, /bin/check, --quick]",
        "c:",
        "  image: c",
        "  healthcheck:",
        "    disable: true",
        "d:",
        "  image: d",
        "  healthcheck:",
        "    test: [CMD-SHELL, 'test -f /ready']",
        "e:",
        "  image: e",
        "  healthcheck:",
        "    test: [NONE]",
        "f:",
        "  image: f",
        "  healthcheck:",
        "    interval: 2s",
        "",
      ].join("\n"),
    );
    const none = { intervalSeconds: null, timeoutSeconds: null, retries: null, startPeriodSeconds: null, startIntervalSeconds: null };
    expect(template.services.map((s) => s.healthcheck)).toEqual([
      { test: ["CMD-SHELL", "wget -q -O- http://localhost:8080/"], intervalSeconds: 90, timeoutSeconds: 0.5, retries: 3, startPeriodSeconds: 10, startIntervalSeconds: 1 },
      { ...none, test: ["CMD", "/bin/check", "--quick"] },
      { ...none, test: ["NONE"] },
      { ...none, test: ["CMD-SHELL", "test -f /ready"] },
      { ...none, test: ["NONE"] },
      // No test: the image's HEALTHCHECK test runs with these timings.
      { ...none, test: [], intervalSeconds: 2 },
    ]);
  });

  it("scale, deploy.replicas and aliyun.scale: any one, or several that agree", async () => {
    const template = await load(
      "a:\n  image: a\n  scale: 2\nb:\n  image: b\n  deploy:\n    replicas: 0\nc:\n  image: c\n  scale: '4'\n  labels: {aliyun.scale: 4}\nd:\n  image: d\n",
    );
    expect(template.services.map((s) => s.aliyun.scale)).toEqual([2, 0, 4, 1]);
  });

  it("deploy.replicas disagreeing with scale", async () => {
    expect(await errorsOf("web:\n  image: a\n  scale: 2\n  deploy:\n    replicas: 3\n")).toEqual([
      "docker-compose.yml:5:15: deploy.replicas is 3 but scale is 2 (line 3); they must agree",
    ]);
  });

  it("every aliyun label Berth implements", async () => {
    const template = await load(
      [
        "web:",
        "  image: a",
        "  labels:",
        "    aliyun.scale: '2'",
        "    aliyun.routing.port_8080: web",
        "    aliyun.routing.session_sticky: true",
        "    aliyun.rolling_updates: 'true'",
        "    aliyun.rolling_updates.parallelism: 2",
        "    aliyun.probe.url: http://container:8080/healthz",
        "    aliyun.probe.timeout_seconds: '3'",
        "    aliyun.probe.initial_delay_seconds: 5",
        "    aliyun.depends: 'db, cache'",
        "    aliyun.addon: 'nginx,logtail'",
        "    aliyun.logs: /var/log/app/, /tmp/x",
        "    aliyun.global: false",
        "db:",
        "  image: b",
        "  labels:",
        "    aliyun.probe.cmd: mysqladmin ping",
        "cache:",
        "  image: c",
        "",
      ].join("\n"),
    );
    const web = template.services[2];
    expect(web.aliyun).toEqual({
      scale: 2,
      routes: [{ containerPort: 8080, scheme: "http", host: "web.localhost", context: "", loc: expect.objectContaining({ line: 5, col: 31 }) }],
      sessionSticky: true,
      rollingUpdates: true,
      parallelism: 2,
      probe: { url: "http://container:8080/healthz", cmd: null, timeoutSeconds: 3, initialDelaySeconds: 5 },
      depends: ["db", "cache"],
      addon: ["nginx", "logtail"],
      logs: ["/var/log/app", "/tmp/x"],
      global: false,
    });
    expect(template.services[1].aliyun.probe).toEqual({ url: null, cmd: "mysqladmin ping", timeoutSeconds: 10, initialDelaySeconds: 0 });
    expect(template.services[0].aliyun.probe).toBeNull();
    expect(serviceDependencies(web)).toEqual(["cache", "db"]);
  });

  it("probe url and cmd together", async () => {
    expect(await errorsOf("web:\n  image: a\n  labels:\n    aliyun.probe.url: tcp://container:80\n    aliyun.probe.cmd: 'true'\n")).toEqual([
      "docker-compose.yml:5:5: set aliyun.probe.url or aliyun.probe.cmd, not both",
    ]);
  });

  it("keyLocs hold every key and label of a service", async () => {
    const template = await load("web:\n  image: a\n  ports: ['80']\n  links: [db]\n  labels:\n    - aliyun.scale=2\n    - team=web\ndb:\n  image: b\n");
    const web = template.services[1];
    const locs = Object.fromEntries(Object.entries(web.keyLocs).map(([k, l]) => [k, `${l.line}:${l.col}`]));
    expect(locs).toEqual({
      image: "2:3",
      ports: "3:3",
      "ports[0]": "3:11",
      links: "4:3",
      labels: "5:3",
      "labels.aliyun.scale": "6:7",
      "labels.team": "7:7",
    });
    expect(web.loc).toMatchObject({ line: 1, col: 1 });
  });

  it("the services format with name, and anchors merged with <<", async () => {
    const template = await load(
      "version: '2'\nname: shop\nx-base: &base\n  image: berth/web:1\n  restart: always\n  labels:\n    aliyun.scale: '2'\nservices:\n  front:\n    <<: *base\n    restart: 'no'\n  back: *base\n",
    );
    expect(template.name).toBe("shop");
    expect(template.services.map((s) => [s.name, s.image, s.restart, s.aliyun.scale])).toEqual([
      ["back", "berth/web:1", "always", 2],
      ["front", "berth/web:1", "no", 2],
    ]);
  });

  it("an error inside an anchor shared by two services is reported once", async () => {
    expect(await errorsOf("x-base: &base\n  image: a\n  ports: 80\none: *base\ntwo: *base\n")).toHaveLength(1);
  });

  it("a merge of a map into itself is an error, not a hang", async () => {
    const errors = await errorsOf("web: &w\n  image: a\n  <<: *w\n");
    expect(errors).toEqual(["docker-compose.yml:3:3: '<<' merges a map into itself"]);
  });
});

describe("small parsers", () => {
  it.each<[string, string[]]>([
    ["nginx -g 'daemon off;'", ["nginx", "-g", "daemon off;"]],
    ['echo "a \\"b\\" $c"', ["echo", 'a "b" $c']],
    ["a\\ b  c", ["a b", "c"]],
    ["''", [""]],
    ["", []],
  ])("splitShellWords(%j)", (text, words) => {
    expect(splitShellWords(text)).toEqual({ words });
  });

  it.each<[string, number | null]>([
    ["10s", 10],
    ["1m30s", 90],
    ["1h", 3600],
    ["250ms", 0.25],
    ["1.5s", 1.5],
    ["10", null],
    ["s", null],
    ["1x", null],
    ["", null],
  ])("parseDuration(%j)", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });
});
