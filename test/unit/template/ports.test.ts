import { describe, expect, it } from "vitest";
import { parsePortShortSyntax } from "../../../src/template/ports.js";
import type { PortMapping } from "../../../src/template/types.js";
import { errorsOf, load } from "./helpers.js";

const tcp = (containerPort: number, hostPort: number | null = null, hostIp: string | null = null): PortMapping => ({
  containerPort,
  protocol: "tcp",
  hostPort,
  hostIp,
});

describe("ports short syntax", () => {
  it.each<[string, PortMapping[]]>([
    ["80", [tcp(80)]],
    ["8080:80", [tcp(80, 8080)]],
    ["127.0.0.1:8080:80", [tcp(80, 8080, "127.0.0.1")]],
    ["127.0.0.1::80", [tcp(80, null, "127.0.0.1")]],
    ["[::1]:8080:80", [tcp(80, 8080, "::1")]],
    ["[::1]::80", [tcp(80, null, "::1")]],
    ["::1:8080:80", [tcp(80, 8080, "::1")]],
    ["80/tcp", [tcp(80)]],
    ["53:53/udp", [{ containerPort: 53, protocol: "udp", hostPort: 53, hostIp: null }]],
    ["53/UDP", [{ containerPort: 53, protocol: "udp", hostPort: null, hostIp: null }]],
    ["8000-8002:9000-9002", [tcp(9000, 8000), tcp(9001, 8001), tcp(9002, 8002)]],
    ["9000-9002", [tcp(9000), tcp(9001), tcp(9002)]],
    ["127.0.0.1:8000-8001:9000-9001/udp", [
      { containerPort: 9000, protocol: "udp", hostPort: 8000, hostIp: "127.0.0.1" },
      { containerPort: 9001, protocol: "udp", hostPort: 8001, hostIp: "127.0.0.1" },
    ]],
  ])("%s", (spec, expected) => {
    expect(parsePortShortSyntax(spec)).toEqual({ mappings: expected });
  });

  it.each<[string, string]>([
    ["", "port '' has container port '': expected a number 1-65535 or a range like 8000-8002"],
    ["0", "port '0' has container port 0, outside 1-65535"],
    ["8080:", "port '8080:' has container port '': expected a number 1-65535 or a range like 8000-8002"],
    ["9002-9000", "port '9002-9000' has container port range '9002-9000' runs backwards"],
    ["80/icmp", "port '80/icmp' has protocol 'icmp': expected tcp or udp"],
    ["8000-8002:80", "port '8000-8002:80' maps 3 host ports to 1 container ports: the ranges must have the same length"],
    ["localhost:80:80", "port 'localhost:80:80' has host IP 'localhost', which is not an IP address"],
    ["[::1:80:80", "port '[::1:80:80' must be [[host_ip:][host_port]:]container_port[/tcp|udp]"],
  ])("rejects %j", (spec, problem) => {
    expect(parsePortShortSyntax(spec)).toEqual({ problem });
  });
});

describe("ports in a template", () => {
  it("takes numbers, every short form and the long form, with a location for each mapping", async () => {
    const template = await load(
      [
        "web:",
        "  image: a",
        "  ports:",
        "    - 80",
        "    - '8081:81'",
        "    - 127.0.0.1::82",
        "    - target: 83",
        "      published: 8083",
        "      host_ip: 127.0.0.1",
        "      protocol: udp",
        "    - target: '84'",
        "      published: '8084'",
        "    - '9000-9001'",
        "",
      ].join("\n"),
    );
    const [web] = template.services;
    expect(web.ports).toEqual([
      tcp(80),
      tcp(81, 8081),
      tcp(82, null, "127.0.0.1"),
      { containerPort: 83, protocol: "udp", hostPort: 8083, hostIp: "127.0.0.1" },
      tcp(84, 8084),
      tcp(9000),
      tcp(9001),
    ]);
    expect(Object.entries(web.keyLocs).filter(([k]) => k.startsWith("ports[")).map(([k, l]) => `${k}@${l.line}:${l.col}`)).toEqual([
      "ports[0]@4:7",
      "ports[1]@5:7",
      "ports[2]@6:7",
      "ports[3]@7:7",
      "ports[4]@11:7",
      "ports[5]@13:7",
      "ports[6]@13:7",
    ]);
  });

  it("long form errors point at the field", async () => {
    const yaml = "web:\n  image: a\n  ports:\n    - target: 80\n      published: lots\n      protocol: sctp\n      host_ip: here\n";
    expect(await errorsOf(yaml)).toEqual([
      "docker-compose.yml:5:18: published must be one host port 1-65535, got 'lots'",
      "docker-compose.yml:6:17: protocol must be tcp or udp, got 'sctp'",
      "docker-compose.yml:7:16: host_ip must be an IP address, got 'here'",
    ]);
  });

  it("a port number out of range and an entry of the wrong type", async () => {
    expect(await errorsOf("web:\n  image: a\n  ports:\n    - 0\n    - [80]\n")).toEqual([
      "docker-compose.yml:4:7: port 0 is outside 1-65535",
      "docker-compose.yml:5:7: ports entries must be strings like '8080:80' or maps with target, got a list",
    ]);
  });

  it("the same host port on different addresses or protocols does not conflict", async () => {
    const template = await load("a:\n  image: a\n  ports: ['8080:80', '8080:80/udp']\nb:\n  image: b\n  ports: ['127.0.0.2:8080:80']\n");
    expect(template.services.map((s) => s.ports.length)).toEqual([2, 1]);
  });

  it("a service publishing the same host port twice conflicts with itself", async () => {
    expect(await errorsOf("a:\n  image: a\n  ports: ['8080:80', '8080:81']\n")).toEqual([
      "docker-compose.yml:3:22: host port 8080/tcp is already published by this service (line 3)",
    ]);
  });

  it("expose keeps container ports as numbers", async () => {
    const template = await load("web:\n  image: a\n  expose: [8080, '8081/tcp', '9000-9001', 8080]\n");
    expect(template.services[0].expose).toEqual([8080, 8081, 9000, 9001]);
  });
});
