import { describe, expect, it } from "vitest";
import { buildDesired } from "../../../src/model/desired.js";
import { errorsOf, load } from "./helpers.js";

const model = async (yaml: string) => buildDesired(await load(yaml), { project: "shop", publishAddress: "127.0.0.1", discovery: false }).resources;

describe("volumes: resources named as compose names them", () => {
  it("a declared volume is volume.<key>, named <project>_<key>, and the container mounts that name after it exists", async () => {
    const desired = await model("services:\n  db:\n    image: mysql\n    volumes: [db-data:/var/lib/mysql]\nvolumes:\n  db-data:\n");
    const volume = desired.find((d) => d.address === "volume.db-data")!;
    expect(volume.attributes).toMatchObject({ name: "shop_db-data", project: "shop", driver: "local", external: false });
    const db = desired.find((d) => d.address === "container.db[0]")!;
    expect(db.attributes.volumes).toEqual(["shop_db-data:/var/lib/mysql"]);
    expect(db.dependsOn).toContain("volume.db-data");
  });

  it("name:, driver, driver_opts, labels and external are carried", async () => {
    const desired = await model(
      [
        "services:",
        "  app:",
        "    image: a",
        "    volumes: [cache:/cache, shared:/shared:ro]",
        "volumes:",
        "  cache:",
        "    name: my-cache",
        "    driver: local",
        "    driver_opts: {type: tmpfs, device: tmpfs, o: size=10m}",
        "    labels: {team: web}",
        "  shared:",
        "    external: true",
        "",
      ].join("\n"),
    );
    expect(desired.find((d) => d.address === "volume.cache")!.attributes).toMatchObject({
      name: "my-cache",
      driver_opts: { type: "tmpfs", device: "tmpfs", o: "size=10m" },
      labels: { team: "web" },
    });
    expect(desired.find((d) => d.address === "volume.shared")!.attributes).toMatchObject({ name: "shared", external: true, driver: null });
    expect(desired.find((d) => d.address === "container.app[0]")!.attributes.volumes).toEqual(["my-cache:/cache", "shared:/shared:ro"]);
  });

  it("the v1 flat format mounts names as written (docker-compose did), still as resources", async () => {
    const desired = await model("db:\n  image: mysql\n  volumes: ['dbdata:/var/lib/mysql', '/srv/conf:/etc/mysql']\n");
    expect(desired.find((d) => d.address === "volume.dbdata")!.attributes.name).toBe("dbdata");
    expect(desired.filter((d) => d.type === "volume")).toHaveLength(1);
  });

  it("an undeclared named volume in the services format is an error at the mount, as compose says", async () => {
    expect(await errorsOf("services:\n  db:\n    image: mysql\n    volumes:\n      - dbdata:/var/lib/mysql\nvolumes:\n  other:\n")).toEqual([
      "docker-compose.yml:5:9: service 'db' mounts volume 'dbdata', which the top-level volumes: section does not declare (declared: other)",
    ]);
  });

  it("options Berth cannot carry are refused by name, never dropped", async () => {
    expect(
      await errorsOf(
        [
          "services:",
          "  app:",
          "    image: a",
          "    volumes:",
          "      - type: tmpfs",
          "        target: /tmp",
          "      - type: volume",
          "        source: data",
          "        target: /data",
          "        volume: {subpath: x}",
          "volumes:",
          "  data:",
          "    driver_opts: {a: b}",
          "    external: true",
          "  bad:",
          "    size: 3",
          "",
        ].join("\n"),
      ),
    ).toEqual([
      "docker-compose.yml:5:15: volumes: type 'tmpfs' is not supported by Berth (volume or bind): use the service's tmpfs: key",
      "docker-compose.yml:10:18: volumes: volume.subpath is not supported by Berth (volume.nocopy is)",
      "docker-compose.yml:12:3: volumes.data is external: Berth does not create it, so driver, driver_opts and labels cannot apply",
      "docker-compose.yml:16:5: volumes.bad: 'size' is not supported by Berth (supported: name, external, driver, driver_opts, labels)",
    ]);
  });

  it("long-form options that Docker's mount string carries are kept", async () => {
    const template = await load(
      [
        "services:",
        "  app:",
        "    image: a",
        "    volumes:",
        "      - {type: volume, source: data, target: /data, read_only: true, volume: {nocopy: true}}",
        "      - {type: bind, source: /srv/x, target: /x, bind: {propagation: rshared, create_host_path: true}}",
        "volumes:",
        "  data:",
        "",
      ].join("\n"),
    );
    expect(template.services[0].volumes).toEqual(["data:/data:ro,nocopy", "/srv/x:/x:rshared"]);
  });
});
