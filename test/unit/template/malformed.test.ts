import path from "node:path";
import { describe, expect, it } from "vitest";
import { UserErrors } from "../../../src/core/errors.js";
import { loadTemplate } from "../../../src/template/load.js";
import { errorsOf, writeTemplate } from "./helpers.js";

const F = "docker-compose.yml";

/** [what is wrong, template, every error it must produce as file:line:col: message] */
const MALFORMED: [string, string, string[]][] = [
  ["YAML syntax", "web:\n  image: [nginx\n  ports: []\n", [`${F}:3:3: Flow sequence in block collection must be sufficiently indented and end with a ]`]],
  ["duplicate key in a service", "web:\n  image: a\n  image: b\n", [`${F}:3:3: Map keys must be unique`]],
  ["duplicate service", "web:\n  image: a\nweb:\n  image: b\n", [`${F}:3:1: Map keys must be unique`]],
  ["top level is a list", "- web\n- db\n", [`${F}:1:1: the template must be a map of services, got a list`]],
  ["top level is a string", "hello\n", [`${F}:1:1: the template must be a map of services, got 'hello'`]],
  ["empty template", "# nothing here\n", [`${F}:1:1: the template is empty: expected a map of services`]],
  ["service is a string", "web: nginx\n", [`${F}:1:6: service 'web' must be a map of settings (image, ports, labels, ...), got 'nginx'`]],
  ["service name with a space", "my web:\n  image: a\n", [`${F}:1:1: service name 'my web' may only contain letters, digits, '.', '_' and '-'`]],
  ["neither image nor build", "web:\n  restart: always\n", [`${F}:1:1: service 'web' needs an image or a build to run`]],
  ["empty image", "web:\n  image:\n", [`${F}:2:3: image must name an image like 'nginx:latest', got nothing`]],
  ["image is a list", "web:\n  image: [a, b]\n", [`${F}:2:10: image must be a string, got a list`]],
  [
    "ports is not a list",
    "web:\n  image: a\n  ports: 80\n",
    [`${F}:3:10: ports must be a list of port mappings ([[host_ip:][host_port]:]container_port[/tcp|udp] or {target, published, host_ip, protocol}), got 80`],
  ],
  ["port is a word", "web:\n  image: a\n  ports:\n    - 'eighty'\n", [`${F}:4:7: port 'eighty' has container port 'eighty': expected a number 1-65535 or a range like 8000-8002`]],
  ["port out of range", "web:\n  image: a\n  ports:\n    - '70000:80'\n", [`${F}:4:7: port '70000:80' has host port 70000, outside 1-65535`]],
  ["port protocol", "web:\n  image: a\n  ports:\n    - '53:53/sctp'\n", [`${F}:4:7: port '53:53/sctp' has protocol 'sctp': expected tcp or udp`]],
  [
    "port ranges of different lengths",
    "web:\n  image: a\n  ports:\n    - '8000-8001:9000-9002'\n",
    [`${F}:4:7: port '8000-8001:9000-9002' maps 2 host ports to 3 container ports: the ranges must have the same length`],
  ],
  ["port host IP", "web:\n  image: a\n  ports:\n    - '300.1.1.1:80:80'\n", [`${F}:4:7: port '300.1.1.1:80:80' has host IP '300.1.1.1', which is not an IP address`]],
  ["long-form port without target", "web:\n  image: a\n  ports:\n    - published: 8080\n", [`${F}:4:7: a long-form port needs target: a container port 1-65535, got nothing`]],
  ["environment is a number", "web:\n  image: a\n  environment: 5\n", [`${F}:3:16: environment must be a list or a map, got 5`]],
  ["environment value is a list", "web:\n  image: a\n  environment:\n    A: [1]\n", [`${F}:4:8: environment value for 'A' must be a string, number or boolean, got a list`]],
  ["labels is a string", "web:\n  image: a\n  labels: aliyun.scale=2\n", [`${F}:3:11: labels must be a list or a map, got 'aliyun.scale=2'`]],
  ["aliyun.scale is a word", "web:\n  image: a\n  labels:\n    aliyun.scale: three\n", [`${F}:4:19: aliyun.scale must be a whole number ≥ 0, got 'three'`]],
  ["aliyun.scale negative, list form", "web:\n  image: a\n  labels:\n    - aliyun.scale=-1\n", [`${F}:4:20: aliyun.scale must be a whole number ≥ 0, got '-1'`]],
  [
    "route host with a space",
    "web:\n  image: a\n  labels:\n    aliyun.routing.port_80: 'http://a b'\n",
    [`${F}:4:30: aliyun.routing.port_80: virtual host 'a b' is not a DNS name: labels of letters, digits and '-' separated by '.', like 'web' or 'web.example.com'`],
  ],
  [
    "route label without a port",
    "web:\n  image: a\n  labels:\n    aliyun.routing.port_http: web\n",
    [`${F}:4:5: 'aliyun.routing.port_http' must end in a container port 1-65535, like aliyun.routing.port_8080`],
  ],
  ["route scheme", "web:\n  image: a\n  labels:\n    aliyun.routing.port_80: 'ftp://web'\n", [`${F}:4:30: aliyun.routing.port_80 has scheme 'ftp': expected http, https, ws, wss or tcp`]],
  [
    "session_sticky is not a boolean",
    "web:\n  image: a\n  labels:\n    aliyun.routing.session_sticky: 'yes'\n",
    [`${F}:4:37: aliyun.routing.session_sticky must be true or false, got 'yes'`],
  ],
  [
    "parallelism zero",
    "web:\n  image: a\n  labels:\n    aliyun.rolling_updates.parallelism: '0'\n",
    [`${F}:4:42: aliyun.rolling_updates.parallelism must be a whole number ≥ 1, got '0'`],
  ],
  [
    "probe URL not on the container",
    "web:\n  image: a\n  labels:\n    aliyun.probe.url: 'http://localhost:8080/health'\n",
    [`${F}:4:24: aliyun.probe.url must be http://container:PORT/path or tcp://container:PORT, got 'http://localhost:8080/health'`],
  ],
  [
    "probe timeout zero",
    "web:\n  image: a\n  labels:\n    aliyun.probe.url: 'tcp://container:80'\n    aliyun.probe.timeout_seconds: 0\n",
    [`${F}:5:35: aliyun.probe.timeout_seconds must be a whole number ≥ 1, got '0'`],
  ],
  [
    "relative log path, pointed at inside the list",
    "web:\n  image: a\n  labels:\n    aliyun.logs: '/var/log, logs'\n",
    [`${F}:4:29: aliyun.logs must be a comma-separated list of absolute paths like /var/log/app, got 'logs'`],
  ],
  ["link to an unknown service", "web:\n  image: a\n  links:\n    - 'db:mysql'\n", [`${F}:4:7: links: no service named 'db' (services: web)`]],
  ["link to itself", "web:\n  image: a\n  links:\n    - web\n", [`${F}:4:7: links: service 'web' cannot link to itself`]],
  [
    "depends_on an unknown service",
    "web:\n  image: a\n  depends_on:\n    cache:\n      condition: service_started\n",
    [`${F}:4:5: depends_on: no service named 'cache' (services: web)`],
  ],
  [
    "aliyun.depends an unknown service",
    "web:\n  image: a\n  labels:\n    aliyun.depends: 'db,cache'\ndb:\n  image: b\n",
    [`${F}:4:25: aliyun.depends: no service named 'cache' (services: db, web)`],
  ],
  [
    "two services claim one host port",
    "web:\n  image: a\n  ports: ['8080:80']\napi:\n  image: b\n  ports: ['8080:80']\n",
    [`${F}:6:11: host port 8080/tcp is already published by service 'web' (line 3)`],
  ],
  [
    "a fixed host port and scale 2",
    "web:\n  image: a\n  ports: ['8080:80']\n  labels:\n    aliyun.scale: '2'\n",
    [`${F}:3:11: host port 8080/tcp is fixed but service 'web' has scale 2: its replicas cannot all bind it; leave the host port out to let Docker choose`],
  ],
  ["scale disagrees with aliyun.scale", "web:\n  image: a\n  scale: 3\n  labels:\n    aliyun.scale: '2'\n", [`${F}:3:10: scale is 3 but aliyun.scale is 2 (line 5); they must agree`]],
  ["restart policy", "web:\n  image: a\n  restart: sometimes\n", [`${F}:3:12: restart must be no, always, on-failure[:N] or unless-stopped, got 'sometimes'`]],
  [
    "healthcheck interval without a unit",
    "web:\n  image: a\n  healthcheck:\n    test: curl -f http://localhost\n    interval: 10\n",
    [`${F}:5:15: healthcheck.interval must be a duration like '10s' or '1m30s', got 10`],
  ],
  ["command with an unclosed quote", 'web:\n  image: a\n  command: sh -c "echo hi\n', [`${F}:3:12: command: unclosed " quote in 'sh -c "echo hi'`]],
  ["required variable", "web:\n  image: 'nginx:${TAG:?set TAG to the image tag}'\n", [`${F}:2:17: required variable TAG is missing a value: set TAG to the image tag`]],
  ["empty interpolation", "web:\n  image: a\n  command: echo ${}\n", [`${F}:3:17: invalid interpolation '\${}': expected \${NAME}, \${NAME:-default} or \${NAME:?message}`]],
  ["extra_hosts IP", "web:\n  image: a\n  extra_hosts:\n    - 'db:not-an-ip'\n", [`${F}:4:11: extra_hosts entry for 'db' must map a host name to an IP address, got 'not-an-ip'`]],
  ["services: is a list", "version: '3'\nservices:\n  - web\n", [`${F}:3:3: services must be a map of service name → settings, got a list`]],
  ["expose a word", "web:\n  image: a\n  expose: ['http']\n", [`${F}:3:12: expose entries must be a container port like 8080 or '8080/tcp', got 'http'`]],
  [
    "depends_on condition",
    "web:\n  image: a\n  depends_on:\n    db:\n      condition: ready\ndb:\n  image: b\n",
    [`${F}:5:18: depends_on.db.condition must be service_started, service_healthy or service_completed_successfully, got 'ready'`],
  ],
  [
    "depends_on required/restart not a boolean, and a condition that is a list",
    "web:\n  image: a\n  depends_on:\n    db:\n      condition: [service_healthy]\n      required: maybe\n      restart: 1\ndb:\n  image: b\n",
    [
      `${F}:5:18: depends_on.db.condition must be service_started, service_healthy or service_completed_successfully, got a list`,
      `${F}:6:17: depends_on.db.required must be true or false, got 'maybe'`,
      `${F}:7:16: depends_on.db.restart must be true or false, got 1`,
    ],
  ],
  ["depends_on entry is a string", "web:\n  image: a\n  depends_on:\n    db: healthy\ndb:\n  image: b\n", [`${F}:4:9: depends_on.db must be a map like {condition: service_started}, got 'healthy'`]],
  ["depends_on itself (long form)", "web:\n  image: a\n  depends_on:\n    web:\n      condition: service_healthy\n", [`${F}:4:5: depends_on: service 'web' cannot depend on itself`]],
  [
    "healthcheck test forms",
    "a:\n  image: a\n  healthcheck:\n    test: [CMD]\nb:\n  image: b\n  healthcheck:\n    test: [CMD-SHELL, a, b]\nc:\n  image: c\n  healthcheck:\n    test: [curl, -f, x]\nd:\n  image: d\n  healthcheck:\n    test: ''\n",
    [
      `${F}:4:11: healthcheck.test must be a shell command string, or a list: [CMD, program, args...], [CMD-SHELL, 'command'] or [NONE]; [CMD] needs a program to run`,
      `${F}:8:11: healthcheck.test must be a shell command string, or a list: [CMD, program, args...], [CMD-SHELL, 'command'] or [NONE]; [CMD-SHELL] takes exactly one command string, got 2`,
      `${F}:12:11: healthcheck.test must be a shell command string, or a list: [CMD, program, args...], [CMD-SHELL, 'command'] or [NONE]; the first item must be CMD, CMD-SHELL or NONE, got 'curl'`,
      `${F}:16:11: healthcheck.test must be a shell command string, or a list: [CMD, program, args...], [CMD-SHELL, 'command'] or [NONE]; got ''`,
    ],
  ],
  [
    "healthcheck disable with a test, and a sub-millisecond start_interval",
    "web:\n  image: a\n  healthcheck:\n    test: [CMD, /bin/check]\n    start_interval: 100us\n    disable: true\n",
    [
      `${F}:5:21: healthcheck.start_interval must be 0 (the default) or at least 1ms, got '100us'`,
      `${F}:6:5: healthcheck.disable: true and healthcheck.test cannot both be set: remove one`,
    ],
  ],
  ["alias to no anchor", "web:\n  image: *missing\n", [`${F}:2:10: alias *missing refers to no anchor &missing`]],
  ["project name", "name: My App\nservices:\n  web:\n    image: a\n", [`${F}:1:7: name must be a project name of lowercase letters, digits, '_' and '-', got 'My App'`]],
  ["deploy.replicas is a word", "services:\n  web:\n    image: a\n    deploy:\n      replicas: many\n", [`${F}:5:17: deploy.replicas must be a whole number ≥ 0, got 'many'`]],
];

describe("malformed templates: every error at its file:line:col", () => {
  it.each(MALFORMED)("%s", async (_what, yaml, expected) => {
    expect(await errorsOf(yaml)).toEqual(expected);
  });

  it("has at least 30 cases", () => {
    expect(MALFORMED.length).toBeGreaterThanOrEqual(30);
  });

  it("a missing env_file is reported at its entry, naming the path it looked for", async () => {
    const file = writeTemplate("web:\n  image: a\n  env_file:\n    - ./missing.env\n");
    const error = await loadTemplate(file, { env: {}, domain: "localhost" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserErrors);
    expect((error as UserErrors).diagnostics).toEqual([
      {
        severity: "error",
        code: "E_ENV_FILE",
        message: `cannot read env_file './missing.env' (${path.join(path.dirname(file), "missing.env")}): no such file`,
        where: { file, line: 4, col: 7 },
      },
    ]);
  });

  it("collects every error of a template in one pass, in file order", async () => {
    const yaml = [
      "web:", //                                   1
      "  image: [a]", //                           2
      "  ports: 80", //                            3
      "  environment: 5", //                       4
      "  labels:", //                              5
      "    aliyun.scale: three", //                6
      "    aliyun.routing.port_80: 'a b;x{y}'", // 7
      "  links: [db]", //                          8
      "lonely:", //                                9
      "  restart: always", //                     10
    ].join("\n");
    const errors = await errorsOf(yaml);
    expect(errors.map((e) => e.split(": ")[0])).toEqual([
      `${F}:2:10`,
      `${F}:3:10`,
      `${F}:4:16`,
      `${F}:6:19`,
      `${F}:7:30`,
      `${F}:7:34`,
      `${F}:8:11`,
      `${F}:9:1`,
    ]);
  });

  it("codes are short and stable", async () => {
    const file = writeTemplate("web:\n  image: a\n  ports: 80\n  labels:\n    aliyun.scale: x\n  links: [nope]\n");
    const error = (await loadTemplate(file, { env: {}, domain: "localhost" }).catch((e: unknown) => e)) as UserErrors;
    expect(error.diagnostics.map((d) => d.code)).toEqual(["E_TYPE", "E_SCALE", "E_LINK"]);
    expect(error.code).toBe("E_TYPE");
  });

  it("a template that cannot be read is E_NO_TEMPLATE", async () => {
    await expect(loadTemplate("/nonexistent/dir/docker-compose.yml", { env: {}, domain: "localhost" })).rejects.toMatchObject({
      code: "E_NO_TEMPLATE",
      message: "cannot read template '/nonexistent/dir/docker-compose.yml': no such file",
    });
  });
});
