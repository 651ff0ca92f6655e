import { describe, expect, it } from "vitest";
import { buildDesired } from "../../../src/model/desired.js";
import { errorsOf, load } from "./helpers.js";

const model = async (yaml: string) => buildDesired(await load(yaml), { project: "shop", publishAddress: "127.0.0.1", discovery: false }).resources;
const attrs = (resources: Awaited<ReturnType<typeof model>>, address: string) => resources.find((d) => d.address === address)!.attributes;

const TWO_NETWORKS = [
  "services:",
  "  proxy:",
  "    image: nginx",
  "    networks: [front]",
  "  api:",
  "    image: api",
  "    networks:",
  "      front:",
  "        aliases: [backend]",
  "      back:",
  "        ipv4_address: 172.28.5.10",
  "        priority: 10",
  "  db:",
  "    image: mysql",
  "    networks: [back]",
  "networks:",
  "  front: {}",
  "  back:",
  "    driver: bridge",
  "    internal: true",
  "    ipam:",
  "      config:",
  "        - subnet: 172.28.0.0/16",
  "          gateway: 172.28.0.1",
  "",
].join("\n");

describe("networks: resources named as compose names them, joined as the template says", () => {
  it("each network a service joins is network.<key>; no default network when nobody uses it", async () => {
    const desired = await model(TWO_NETWORKS);
    expect(desired.filter((d) => d.type === "network").map((d) => d.address)).toEqual(["network.back", "network.front"]);
    expect(attrs(desired, "network.front")).toEqual({ name: "shop_front", project: "shop" });
    expect(attrs(desired, "network.back")).toEqual({
      name: "shop_back",
      project: "shop",
      driver: "bridge",
      internal: true,
      ipam: { driver: null, config: [{ subnet: "172.28.0.0/16", ip_range: null, gateway: "172.28.0.1", aux_addresses: {} }], options: {} },
    });
  });

  it("a container joins its networks with aliases and fixed addresses, and depends on them", async () => {
    const desired = await model(TWO_NETWORKS);
    expect(attrs(desired, "container.api[0]").networks).toEqual({
      shop_back: { aliases: ["api", "api_1"], ipv4_address: "172.28.5.10", ipv6_address: null, priority: 10 },
      shop_front: { aliases: ["api", "api_1", "backend"], ipv4_address: null, ipv6_address: null, priority: 0 },
    });
    expect(desired.find((d) => d.address === "container.api[0]")!.dependsOn).toEqual(["network.front", "network.back"]);
  });

  it("changing a network's options changes the config hash of the containers on it, and only those", async () => {
    const before = await model(TWO_NETWORKS);
    const after = await model(TWO_NETWORKS.replace("internal: true", "internal: false"));
    const hash = (r: typeof before, a: string) => attrs(r, a).config_hash;
    expect(hash(after, "container.db[0]")).not.toBe(hash(before, "container.db[0]"));
    expect(hash(after, "container.proxy[0]")).toBe(hash(before, "container.proxy[0]"));
  });

  it("network_mode: service:x shares x's stack and depends on it; host and none join nothing", async () => {
    const desired = await model("services:\n  app:\n    image: a\n  sidecar:\n    image: b\n    network_mode: service:app\n  tool:\n    image: c\n    network_mode: host\n");
    expect(attrs(desired, "container.sidecar[0]")).toMatchObject({ network_mode: "container:shop_app_1", networks: {} });
    expect(desired.find((d) => d.address === "container.sidecar[0]")!.dependsOn).toContain("container.app[0]");
    expect(attrs(desired, "container.tool[0]")).toMatchObject({ network_mode: "host", networks: {} });
  });

  it("external networks keep their name and are never the project's", async () => {
    const desired = await model("services:\n  app:\n    image: a\n    networks: [shared]\nnetworks:\n  shared:\n    external: true\n");
    expect(attrs(desired, "network.shared")).toEqual({ name: "shared", project: "shop", external: true });
  });

  it("refuses what Docker would refuse or silently drop, at its line and column", async () => {
    expect(
      await errorsOf(
        [
          "services:",
          "  app:",
          "    image: a",
          "    networks:",
          "      front:",
          "        ipv4_address: 10.0.0.5",
          "        link_local_ips: [x]",
          "      missing: {}",
          "  tool:",
          "    image: b",
          "    network_mode: host",
          "    ports: ['80:80']",
          "    networks: [front]",
          "networks:",
          "  front:",
          "    ipam: {config: [{subnet: 10.0.0.0/33}]}",
          "    encrypted: true",
          "",
        ].join("\n"),
      ),
    ).toEqual([
      "docker-compose.yml:5:7: service 'app': a fixed address on network 'front' needs networks.front.ipam.config with a subnet (Docker refuses it otherwise)",
      "docker-compose.yml:7:9: networks.front: 'link_local_ips' is not supported by Berth (supported: aliases, ipv4_address, ipv6_address, priority)",
      "docker-compose.yml:8:7: service 'app' joins network 'missing', which the top-level networks: section does not declare (declared: front)",
      "docker-compose.yml:12:5: ports cannot be used with network_mode: host: with the host's network every port the container listens on is already the host's; Docker discards published ports",
      "docker-compose.yml:13:5: networks cannot be used with network_mode: host: the container joins no network of its own",
      "docker-compose.yml:16:30: networks.front.ipam.config.subnet must be a CIDR like 172.28.0.0/16, got '10.0.0.0/33'",
      "docker-compose.yml:17:5: networks.front: 'encrypted' is not supported by Berth (supported: name, external, driver, driver_opts, ipam, internal, attachable, enable_ipv6, labels)",
    ]);
  });
});
