import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import type { ContainerAttributes } from "../../../providers/docker/attributes.js";
import { containerDifferences, observedContainer } from "../../../providers/docker/import.js";

/** docker inspect of a container docker-compose 1.29 started from `services: web: {image: berth/web:1, ports: ["127.0.0.1::8080"]}`. */
function inspected(over: { env?: string[]; cmd?: string[]; mounts?: unknown[]; networks?: string[]; restart?: string } = {}): Docker.ContainerInspectInfo {
  return {
    Id: "c".repeat(64),
    Name: "/shop_web_1",
    Image: "sha256:" + "a".repeat(64),
    State: { Running: true },
    Config: {
      Image: "berth/web:1",
      Env: over.env ?? ["PATH=/bin", "APP_VERSION=1", "MODE=prod"],
      Cmd: over.cmd ?? ["/bin/web-server"],
      Entrypoint: null,
      Labels: { "com.docker.compose.project": "shop", "aliyun.scale": "2", "berth.demo-digest": "x" },
    },
    HostConfig: {
      NetworkMode: "shop_default",
      RestartPolicy: { Name: over.restart ?? "always", MaximumRetryCount: 0 },
      PortBindings: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] },
      ExtraHosts: null,
    },
    NetworkSettings: { Networks: Object.fromEntries((over.networks ?? ["shop_default"]).map((n) => [n, {}])), Ports: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "32770" }] } },
    Mounts: over.mounts ?? [{ Type: "volume", Name: "f".repeat(64), Destination: "/data", RW: true }],
  } as unknown as Docker.ContainerInspectInfo;
}

const image = { Config: { Env: ["PATH=/bin", "APP_VERSION=1"], Cmd: ["/bin/web-server"], Labels: { "berth.demo-digest": "x" } } } as unknown as Docker.ImageInspectInfo;

const desired = {
  name: "shop_web_1",
  image: "berth/web:1",
  image_id: "sha256:" + "a".repeat(64),
  command: null,
  entrypoint: null,
  environment: { MODE: "prod" },
  labels: {},
  restart: "always",
  extra_hosts: [],
  ports: [{ container_port: 8080, protocol: "tcp", host_ip: "127.0.0.1", host_port: null }],
  network_mode: null,
  networks: { shop_default: { aliases: ["web", "shop_web_1"], ipv4_address: null, ipv6_address: null, priority: 0 } },
  volumes: [],
  running: true,
} as unknown as ContainerAttributes;

describe("comparing a compose container with the template", () => {
  it("finds none where only the image, compose and aliyun supply the difference", () => {
    const observed = observedContainer(inspected(), image, desired);
    expect(observed.environment).toEqual({ MODE: "prod" });
    expect(observed.command).toBeNull();
    expect(observed.labels).toEqual({});
    expect(observed.published).toEqual({ "8080/tcp": 32770 });
    expect(observed.endpoints).toEqual({ "8080/tcp": ["127.0.0.1:32770"] });
    expect(containerDifferences(desired, observed)).toEqual([]);
  });

  it("names each setting that differs", () => {
    const observed = observedContainer(
      inspected({ env: ["PATH=/bin", "MODE=dev"], cmd: ["sleep", "1d"], restart: "no", networks: ["bridge"], mounts: [{ Type: "bind", Source: "/srv", Destination: "/data", RW: false }] }),
      image,
      desired,
    );
    expect(containerDifferences(desired, observed)).toEqual(["command", "environment", "networks", "restart", "volumes"]);
    expect(observed.volumes).toEqual(["/srv:/data:ro"]);
    expect(observed.environment).toEqual({ MODE: "dev" });
  });
});
