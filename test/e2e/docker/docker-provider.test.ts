/**
 * The Docker provider against the real engine (`npm run engines`, `npm run images`).
 * Containers are reached only through ports published on 127.0.0.1, or from inside
 * another container of the test project.
 */
import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actions, ResourceChange } from "../../../src/core/plan.js";
import type { ApplyContext } from "../../../src/core/provider.js";
import type { Attributes, DesiredResource } from "../../../src/core/types.js";
import { isUserError, type UserError } from "../../../src/core/errors.js";
import type { ContainerAttributes, NetworkAttributes, VolumeAttributes } from "../../../providers/docker/attributes.js";
import { assertEngine, connectDocker, ignoreStatus } from "../../../src/clients/docker.js";
import { DockerProvider } from "../../../providers/docker/docker-provider.js";

const project = `t-docker-${randomBytes(4).toString("hex")}`;
const networkName = `${project}_default`;
const logsVolume = `${project}_web_logs_1`;
const docker = connectDocker();
const provider = new DockerProvider({ docker, stopTimeoutSeconds: 1, readyTimeoutSeconds: 20 });
const timings: Record<string, number> = {};

// ------------------------------------------------------------------ fixtures

function webAttrs(index: number, overrides: Partial<ContainerAttributes> = {}): ContainerAttributes {
  return {
    name: `${project}_web_${index + 1}`,
    project,
    service: "web",
    index,
    image: "berth/web:1",
    image_id: null,
    command: null,
    entrypoint: null,
    environment: { GREETING: "hello", A_FIRST: "1" },
    labels: { team: "web" },
    hostname: null,
    working_dir: null,
    user: null,
    restart: "no",
    extra_hosts: ["tomcat1.if:162.242.195.82"],
    ports: [{ container_port: 8080, protocol: "tcp", host_ip: "127.0.0.1", host_port: null }],
    expose: [],
    volumes: index === 0 ? [`${logsVolume}:/var/log/web`] : [],
    network_mode: null,
    networks: { [networkName]: { aliases: ["web", `web_${index + 1}`, "tomcat"], ipv4_address: null, ipv6_address: null, priority: 0 } },
    healthcheck: null,
    running: true,
    rollout: { create_before_destroy: true, parallelism: 1 },
    sensitive_values: {},
    files: {},
    config_contents: {},
    config_hash: "hash-web-v1",
    ...overrides,
  };
}

const networkAttrs: NetworkAttributes = { name: networkName, project };
const logsVolumeAttrs: VolumeAttributes = { name: logsVolume, project, driver: "local", driver_opts: {}, labels: {}, external: false };

function change(address: string, actions: Actions, before: object | null, after: object | null): ResourceChange {
  const index = /\[(\d+)\]$/.exec(address);
  return {
    address,
    type: address.startsWith("network.") ? "network" : address.startsWith("volume.") ? "volume" : "container",
    provider: "docker",
    name: address.startsWith("container.") ? "web" : address.replace(/^[a-z]+\./, ""),
    index: index ? Number(index[1]) : null,
    service: address.startsWith("container.") ? "web" : null,
    actions,
    before: before as Attributes | null,
    after: after as Attributes | null,
    replacePaths: [],
    sensitivePaths: [],
    identifierPaths: [],
    reason: null,
    dependsOn: [],
  };
}

interface FakeContext extends ApplyContext {
  logs: string[];
}

function applyContext(): FakeContext {
  const logs: string[] = [];
  return {
    project,
    logs,
    log: (m) => logs.push(m),
    aborted: false,
    recordedAttributes: () => undefined,
    recorded: () => [],
  };
}

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    timings[label] = Math.round(performance.now() - start);
  }
}

async function refreshed(): Promise<Map<string, Attributes>> {
  const observed = await provider.refresh({ project, recorded: [], desired: [] });
  return new Map(observed.map((o) => [o.address, o.attributes]));
}

async function httpGet(port: number, path = "/x"): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.text() };
}

/** Run a command inside a container (docker exec), return its exit code and output. */
async function exec(containerId: string, cmd: string[]): Promise<{ exitCode: number | null; output: string }> {
  const execution = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await execution.start({ hijack: true, stdin: false });
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on("data", (c: Buffer) => chunks.push(c));
  docker.modem.demuxStream(stream, sink, sink);
  await new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", reject);
  });
  const { ExitCode } = await execution.inspect();
  return { exitCode: ExitCode, output: Buffer.concat(chunks).toString() };
}

async function imageId(ref: string): Promise<string> {
  return (await docker.getImage(ref).inspect()).Id;
}

async function projectContainers(): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`berth.project=${project}`] } });
}

async function expectUserError(work: Promise<unknown>): Promise<UserError> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isUserError(error), `expected a UserError, got ${String(error)}`).toBe(true);
  return error as UserError;
}

/** Everything of the test project, whatever state a failed test left behind. */
async function removeEverything(): Promise<void> {
  for (const c of await projectContainers()) {
    await ignoreStatus([404, 409], () => docker.getContainer(c.Id).remove({ force: true, v: true }));
  }
  const networks = await docker.listNetworks({ filters: { name: [networkName] } });
  for (const n of networks.filter((n) => n.Name === networkName)) {
    await ignoreStatus([404], () => docker.getNetwork(n.Id).remove());
  }
  const { Volumes } = await docker.listVolumes({ filters: { label: [`berth.project=${project}`] } });
  for (const v of Volumes ?? []) await ignoreStatus([404, 409], () => docker.getVolume(v.Name).remove());
}

// ------------------------------------------------------------------ the tests

describe("DockerProvider against the real engine", () => {
  /** What apply recorded, by address: the `before` of the next change. */
  const recorded = new Map<string, Attributes>();

  beforeAll(async () => {
    // No engine is a failure, never a skip: `npm run engines` starts one.
    await assertEngine(docker);
    for (const ref of ["berth/web:1", "berth/web:2"]) {
      await docker
        .getImage(ref)
        .inspect()
        .catch(() => {
          throw new Error(`demo image ${ref} is missing: run \`npm run images\``);
        });
    }
  });

  afterAll(async () => {
    await removeEverything();
    console.log(`docker provider timings (ms), project ${project}:`, timings);
  });

  it("says where it looked when no engine answers", async () => {
    const nowhere = connectDocker({ DOCKER_HOST: "unix:///tmp/berth-no-such-docker.sock" });
    const error = await expectUserError(assertEngine(nowhere));
    expect(error.code).toBe("E_DOCKER_UNREACHABLE");
    expect(error.message).toContain("no Docker engine answers at unix:///tmp/berth-no-such-docker.sock: ");
    expect(error.message).toContain("npm run engines");
  });

  it("resolveDesired fills image_id from one image list and mutates nothing", async () => {
    const desired: DesiredResource[] = [
      { address: "network.default", type: "network", provider: "docker", name: "default", index: null, service: null, attributes: { name: networkName, project }, dependsOn: [] },
      ...[
        ["container.web[0]", "berth/web:1"],
        ["container.tomcat[0]", "docker.io/library/tomcat"],
        ["container.db[0]", "registry.aliyuncs.com/acs-sample/mysql:5.7"],
        ["container.gone[0]", "berth/does-not-exist:1"],
      ].map(([address, image]): DesiredResource => ({
        address,
        type: "container",
        provider: "docker",
        name: "x",
        index: 0,
        service: "x",
        attributes: { image, image_id: null },
        dependsOn: [],
      })),
    ];
    const snapshot = structuredClone(desired);
    const resolved = await timed("resolveDesired", () => provider.resolveDesired(desired));
    expect(desired).toEqual(snapshot);
    const ids = Object.fromEntries(resolved.map((r) => [r.address, r.attributes.image_id]));
    expect(ids).toEqual({
      "network.default": undefined,
      "container.web[0]": await imageId("berth/web:1"),
      "container.tomcat[0]": await imageId("tomcat:latest"),
      "container.db[0]": await imageId("registry.aliyuncs.com/acs-sample/mysql:5.7"),
      "container.gone[0]": null,
    });
  });

  it("creates the network, adopting one that already exists", async () => {
    const created = await timed("create network", () => provider.apply(change("network.default", ["create"], null, networkAttrs), applyContext()));
    expect(created).toMatchObject({ name: networkName, project, network_id: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const adopted = await provider.apply(change("network.default", ["create"], null, networkAttrs), applyContext());
    expect(adopted?.network_id).toBe(created?.network_id);
    recorded.set("network.default", created!);
  });

  it("creates a volume labelled with the project, and takes over one that exists, data included", async () => {
    const created = await provider.apply(change("volume.web_logs_1", ["create"], null, logsVolumeAttrs), applyContext());
    expect(created).toEqual(logsVolumeAttrs);
    const again = await provider.apply(change("volume.web_logs_1", ["create"], null, logsVolumeAttrs), applyContext());
    expect(again).toEqual(logsVolumeAttrs);
    recorded.set("volume.web_logs_1", created!);
  });

  it("creates two replicas that publish on 127.0.0.1 and serve", async () => {
    const ctx = applyContext();
    const [first, second] = await Promise.all(
      [0, 1].map((i) => timed(`create container ${i}`, () => provider.apply(change(`container.web[${i}]`, ["create"], null, webAttrs(i)), ctx))),
    );
    for (const [i, attrs] of [first, second].entries()) {
      expect(attrs).toMatchObject({ ...webAttrs(i), image_id: await imageId("berth/web:1"), container_id: expect.stringMatching(/^[0-9a-f]{64}$/) });
      recorded.set(`container.web[${i}]`, attrs!);
    }
    const published = (attrs: Attributes | null) => (attrs?.published as Record<string, number>)["8080/tcp"];
    expect(published(first)).toBeGreaterThan(0);
    expect(published(second)).not.toBe(published(first));

    for (const attrs of [first, second]) {
      const info = await docker.getContainer(String(attrs!.container_id)).inspect();
      const res = await httpGet(published(attrs));
      expect(res.status).toBe(200);
      expect(res.body).toContain(`hostname=${info.Config.Hostname} version=1 path=/x`);
      expect(info.Config.Env).toEqual(expect.arrayContaining(["A_FIRST=1", "GREETING=hello"]));
      expect(info.Config.Labels).toMatchObject({
        "berth.project": project,
        "berth.service": "web",
        "berth.index": String(attrs!.index),
        "berth.config-hash": "hash-web-v1",
        team: "web",
      });
      expect(info.HostConfig.PortBindings).toEqual({ "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] });
    }
    const volume = await docker.getVolume(logsVolume).inspect();
    expect(volume.Labels).toEqual({ "berth.project": project, "berth.volume": "web_logs_1" });
  });

  it("turns the engine refusing a container (host port taken) into E_DOCKER and leaves nothing behind", async () => {
    const taken = (recorded.get("container.web[0]")!.published as Record<string, number>)["8080/tcp"];
    const after = webAttrs(2, { ports: [{ container_port: 8080, protocol: "tcp", host_ip: "127.0.0.1", host_port: taken }] });
    const error = await expectUserError(provider.apply(change("container.web[2]", ["create"], null, after), applyContext()));
    expect(error.code).toBe("E_DOCKER");
    expect(error.message).toMatch(/already allocated|address already in use/);
    expect(error.where).toEqual({ address: "container.web[2]" });
    expect((await projectContainers()).length).toBe(2);
  });

  it("refresh observes both replicas and the network with one list call each", async () => {
    const observed = await timed("refresh", () => refreshed());
    expect([...observed.keys()].sort()).toEqual(["container.web[0]", "container.web[1]", "network.default", "volume.web_logs_1"]);
    const webImage = await imageId("berth/web:1");
    for (const i of [0, 1]) {
      expect(observed.get(`container.web[${i}]`)).toEqual({
        name: `${project}_web_${i + 1}`,
        container_id: recorded.get(`container.web[${i}]`)!.container_id,
        running: true,
        config_hash: "hash-web-v1",
        image_id: webImage,
      });
    }
    expect(observed.get("network.default")).toEqual({ name: networkName, network_id: recorded.get("network.default")!.network_id });
  });

  it("writes extra_hosts into /etc/hosts", async () => {
    const { exitCode, output } = await exec(String(recorded.get("container.web[0]")!.container_id), ["cat", "/etc/hosts"]);
    expect(exitCode).toBe(0);
    expect(output).toMatch(/^162\.242\.195\.82\s+tomcat1\.if$/m);
  });

  it("resolves aliases on the project network from one replica to the other", async () => {
    const secondId = String(recorded.get("container.web[1]")!.container_id);
    const secondHostname = (await docker.getContainer(secondId).inspect()).Config.Hostname;
    const fromFirst = String(recorded.get("container.web[0]")!.container_id);
    // busybox nc, not wget: the static busybox's wget crashes (SIGSEGV) in these images.
    const { exitCode, output } = await exec(fromFirst, ["sh", "-c", "printf 'GET /alias HTTP/1.0\\r\\n\\r\\n' | nc -w 5 web_2 8080"]);
    expect(exitCode).toBe(0);
    expect(output).toContain(`hostname=${secondHostname} version=1 path=/alias`);
    const lookup = await exec(fromFirst, ["nslookup", "tomcat"]);
    expect(lookup.exitCode).toBe(0);
    expect(lookup.output).toMatch(/Name:\s*tomcat/);
  });

  it("updates the restart policy in place, keeping the container", async () => {
    const before = recorded.get("container.web[1]")!;
    const after = { ...webAttrs(1), restart: "on-failure:3" };
    const updated = await timed("update restart", () => provider.apply(change("container.web[1]", ["update"], before, after), applyContext()));
    expect(updated?.container_id).toBe(before.container_id);
    expect(updated?.published).toEqual(before.published);
    const info = await docker.getContainer(String(before.container_id)).inspect();
    expect(info.HostConfig.RestartPolicy).toEqual({ Name: "on-failure", MaximumRetryCount: 3 });
    recorded.set("container.web[1]", updated!);
  });

  it("observes a container stopped outside Berth, and starts it in place", async () => {
    const before = recorded.get("container.web[1]")!;
    await docker.getContainer(String(before.container_id)).stop({ t: 1 });
    expect((await refreshed()).get("container.web[1]")).toMatchObject({ running: false, container_id: before.container_id });

    const started = await provider.apply(change("container.web[1]", ["update"], { ...before, running: false }, { ...webAttrs(1), restart: "on-failure:3" }), applyContext());
    expect(started?.container_id).toBe(before.container_id);
    expect((await refreshed()).get("container.web[1]")).toMatchObject({ running: true });
    // The engine assigns a published port again on start: apply records the one it has now.
    const port = (started!.published as Record<string, number>)["8080/tcp"];
    expect((await httpGet(port)).status).toBe(200);
    recorded.set("container.web[1]", started!);
  });

  it("replaces a routed replica create-before-destroy without a gap", async () => {
    const before = recorded.get("container.web[0]")!;
    const oldPort = (before.published as Record<string, number>)["8080/tcp"];
    const after = webAttrs(0, { image: "berth/web:2", config_hash: "hash-web-v2" });

    let polling = true;
    const answers: string[] = [];
    const poller = (async () => {
      while (polling) {
        answers.push(await httpGet(oldPort).then((r) => `${r.status} ${r.body.trim()}`, (e: unknown) => `error ${String(e)}`));
        await sleep(20);
      }
    })();

    // The executor's two steps: the new replica beside the old one, then (once the upstream
    // referring to it moved over) the old one goes.
    const ctx = applyContext();
    const replacement = change("container.web[0]", ["create", "delete"], before, after);
    expect(provider.replaceInSteps.appliesTo(replacement)).toBe(true);
    const next = await timed("create-before-destroy: create", () => provider.replaceInSteps.create(replacement, ctx));
    polling = false;
    await poller;
    const nextPort = (next.published as Record<string, number>)["8080/tcp"];
    const atSwitch = {
      next,
      nextAnswer: (await httpGet(nextPort)).body,
      oldAnswer: (await httpGet(oldPort)).body,
      names: (await projectContainers()).map((c) => c.Names[0]).sort(),
    };
    expect(next.endpoints).toEqual({ "8080/tcp": [`127.0.0.1:${nextPort}`] });
    const replaced = await timed("create-before-destroy: destroy the old", () => provider.replaceInSteps.destroyDeposed(replacement, next, ctx));

    expect(answers.length).toBeGreaterThan(0);
    expect(answers.filter((a) => !a.startsWith("200 "))).toEqual([]);
    expect(atSwitch!.nextAnswer).toContain("version=2");
    expect(atSwitch!.oldAnswer).toContain("version=1");
    expect(atSwitch!.names).toEqual([`/${project}_web_1`, `/${project}_web_1_next`, `/${project}_web_2`]);
    expect(atSwitch!.next).toEqual(replaced);
    expect(ctx.logs).toEqual(expect.arrayContaining([`waiting for ${project}_web_1_next to be ready`]));

    const newPort = (replaced!.published as Record<string, number>)["8080/tcp"];
    expect(newPort).not.toBe(oldPort);
    expect(replaced).toMatchObject({ name: `${project}_web_1`, image: "berth/web:2", image_id: await imageId("berth/web:2") });
    expect(replaced!.container_id).not.toBe(before.container_id);
    const info = await docker.getContainer(String(replaced!.container_id)).inspect();
    expect(info.Name).toBe(`/${project}_web_1`);
    expect((await httpGet(newPort)).body).toContain(`hostname=${info.Config.Hostname} version=2`);
    await expect(docker.getContainer(String(before.container_id)).inspect()).rejects.toMatchObject({ statusCode: 404 });

    // Renamed, it keeps its berth.temporary label: refresh must judge by the name and keep it.
    expect(info.Config.Labels["berth.temporary"]).toBe("true");
    expect((await refreshed()).get("container.web[0]")).toMatchObject({ container_id: replaced!.container_id, running: true, config_hash: "hash-web-v2" });
    recorded.set("container.web[0]", replaced!);
  });

  it("leaves the old replica untouched when the replacement never becomes ready", async () => {
    const before = recorded.get("container.web[0]")!;
    const after = webAttrs(0, { image: "berth/web:1", entrypoint: ["/bin/sh", "-c", "exit 3"], config_hash: "hash-broken" });
    const error = await expectUserError(provider.apply(change("container.web[0]", ["create", "delete"], before, after), applyContext()));
    expect(error.code).toBe("E_NOT_READY");
    expect(error.message).toContain("service web");
    expect(error.message).toContain("exit code 3");
    expect(error.where).toEqual({ address: "container.web[0]" });
    expect((await projectContainers()).map((c) => c.Names[0]).sort()).toEqual([`/${project}_web_1`, `/${project}_web_2`]);
    expect((await httpGet((before.published as Record<string, number>)["8080/tcp"])).body).toContain("version=2");
  });

  it("removes the leftover of an interrupted create-before-destroy during refresh", async () => {
    const leftover = await docker.createContainer({
      name: `${project}_web_2_next`,
      Image: "berth/web:1",
      Labels: { "berth.project": project, "berth.service": "web", "berth.index": "1", "berth.temporary": "true" },
    });
    const observed = await refreshed();
    expect(observed.get("container.web[1]")?.container_id).toBe(recorded.get("container.web[1]")!.container_id);
    await expect(leftover.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it("replaces a container delete-then-create when asked", async () => {
    const before = recorded.get("container.web[1]")!;
    const after = webAttrs(1, { environment: { GREETING: "again" }, config_hash: "hash-web-v3" });
    const replaced = await timed("delete-then-create", () => provider.apply(change("container.web[1]", ["delete", "create"], before, after), applyContext()));
    expect(replaced!.container_id).not.toBe(before.container_id);
    const info = await docker.getContainer(String(replaced!.container_id)).inspect();
    expect(info.Name).toBe(`/${project}_web_2`);
    expect(info.Config.Env).toContain("GREETING=again");
    recorded.set("container.web[1]", replaced!);
  });

  it("fails with E_IMAGE naming the service when an image is neither local nor pullable", async () => {
    const after = webAttrs(2, { image: "berth/does-not-exist:1" });
    const ctx = applyContext();
    const error = await timed("failed pull", () => expectUserError(provider.apply(change("container.web[2]", ["create"], null, after), ctx)));
    expect(error.code).toBe("E_IMAGE");
    expect(error.message).toMatch(/^service web: image 'berth\/does-not-exist:1' is not available locally and could not be pulled: \S/);
    expect(error.where).toEqual({ address: "container.web[2]" });
    expect(ctx.logs).toContain("pulling image berth/does-not-exist:1");
    expect((await projectContainers()).length).toBe(2);
  });

  it("deletes every container, then the network; the volume only when its own deletion is planned", async () => {
    const ctx = applyContext();
    await Promise.all(
      [0, 1].map((i) => timed(`delete container ${i}`, () => provider.apply(change(`container.web[${i}]`, ["delete"], recorded.get(`container.web[${i}]`)!, null), ctx))),
    );
    // Deleting what is already gone is fine.
    expect(await provider.apply(change("container.web[0]", ["delete"], recorded.get("container.web[0]")!, null), ctx)).toBeNull();
    expect(await provider.apply(change("network.default", ["delete"], recorded.get("network.default")!, null), ctx)).toBeNull();
    expect(await provider.apply(change("network.default", ["delete"], recorded.get("network.default")!, null), ctx)).toBeNull();
    // Removing the network left the volume and its data alone.
    expect((await docker.getVolume(logsVolume).inspect()).Name).toBe(logsVolume);
    expect(await provider.apply(change("volume.web_logs_1", ["delete"], recorded.get("volume.web_logs_1")!, null), ctx)).toBeNull();

    expect(await projectContainers()).toEqual([]);
    expect((await docker.listNetworks({ filters: { name: [networkName] } })).filter((n) => n.Name === networkName)).toEqual([]);
    expect((await docker.listVolumes({ filters: { label: [`berth.project=${project}`] } })).Volumes ?? []).toEqual([]);
    expect(await refreshed()).toEqual(new Map());
  });
});
