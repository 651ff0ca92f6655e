/**
 * build: on the real engine. A FROM scratch context (Debian's busybox-static copied in, as
 * examples/images does) is built, run, changed, planned and rebuilt; a file .dockerignore leaves
 * out changes nothing.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { berth, editFile, httpGet, projectContainers, removeProject, requireDocker, uniqueProject } from "../helpers.js";

const BUSYBOX = "/bin/busybox";

const DOCKERFILE = `FROM scratch
COPY busybox /bin/busybox
COPY app.sh /app.sh
ENTRYPOINT ["/bin/busybox", "sh", "/app.sh"]
`;

const appScript = (version: string) => `/bin/busybox mkdir -p /www
echo "${version}" > /www/index.html
exec /bin/busybox httpd -f -p 8080 -h /www
`;

const TEMPLATE = `services:
  app:
    build:
      context: ./app
      labels:
        com.example.team: build-e2e
    ports: ['8080']
`;

/** Removes every image a test project built (labelled with it), whatever state the test ended in. */
async function removeProjectImages(docker: Docker, project: string): Promise<void> {
  const images = await docker.listImages({ filters: { label: [`berth.project=${project}`] } });
  for (const image of images) await docker.getImage(image.Id).remove({ force: true }).catch(() => {});
}

describe("build: on the real Docker engine", () => {
  let docker: Docker;
  let dir: string;
  let file: string;
  const project = uniqueProject("bld-");
  const run = (...args: string[]) => berth([...args, "-f", file, "-p", project]);

  /** The body app[0] serves on its published port. */
  const served = async (): Promise<string> => {
    const [app] = await projectContainers(docker, project);
    const port = (await docker.getContainer(app.Id).inspect()).NetworkSettings.Ports["8080/tcp"]![0].HostPort;
    for (let attempt = 0; ; attempt++) {
      try {
        return (await httpGet(`http://127.0.0.1:${port}/`)).body.trim();
      } catch (e) {
        if (attempt > 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  beforeAll(async () => {
    docker = await requireDocker();
    dir = await mkdtemp(path.join(tmpdir(), "berth-build-"));
    file = path.join(dir, "docker-compose.yml");
    await mkdir(path.join(dir, "app"));
    await copyFile(BUSYBOX, path.join(dir, "app/busybox"));
    await writeFile(path.join(dir, "app/Dockerfile"), DOCKERFILE);
    await writeFile(path.join(dir, "app/app.sh"), appScript("version 1"));
    await writeFile(path.join(dir, "app/.dockerignore"), "notes.txt\n");
    await writeFile(path.join(dir, "app/notes.txt"), "not part of the image\n");
    await writeFile(file, TEMPLATE);
  });
  afterAll(async () => {
    if (docker) {
      await removeProject(docker, project);
      await removeProjectImages(docker, project);
      await removeProjectImages(docker, `${project}x`);
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("applies from nothing: builds <project>-app, streams the build, runs it", async () => {
    const apply = await run("apply", "--auto-approve");
    expect(apply.stderr).toBe("");
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("image.app: Step 1/");
    expect(apply.stdout).toContain(`image.app: Successfully tagged ${project}-app:latest`);
    expect(apply.stdout).toContain("Apply complete! Resources: 3 added, 0 changed, 0 destroyed");
    const image = await docker.getImage(`${project}-app`).inspect();
    expect(image.Config.Labels).toMatchObject({ "berth.project": project, "berth.image-service": "app", "com.example.team": "build-e2e" });
    const [app] = await projectContainers(docker, project);
    expect(app.ImageID).toBe(image.Id);
    expect(await served()).toBe("version 1");
  });

  it("a file .dockerignore leaves out plans no change", async () => {
    await writeFile(path.join(dir, "app/notes.txt"), "edited, still ignored\n");
    const plan = await run("plan", "--detailed-exitcode");
    expect(plan.stdout).toContain("No changes.");
    expect(plan.code).toBe(0);
  });

  it("a changed file: the plan names it and replaces the image and the container; apply runs the new image", async () => {
    await editFile(path.join(dir, "app/app.sh"), (text) => text.replace("version 1", "version 2"));
    for (const flags of [[], ["--no-refresh"]]) {
      const plan = await run("plan", "--detailed-exitcode", ...flags);
      expect(plan.code).toBe(2);
      expect(plan.stdout).toContain("# image.app must be replaced (create replacement and then destroy)");
      expect(plan.stdout).toMatch(/~ "app\.sh" = "[0-9a-f]{64}" -> "[0-9a-f]{64}" # forces replacement/);
      expect(plan.stdout).toContain("# container.app[0] must be replaced");
    }
    const json = JSON.parse((await run("plan", "--json")).stdout);
    const image = json.resource_changes.find((c: { address: string }) => c.address === "image.app");
    expect(image.change.actions).toEqual(["create", "delete"]);
    expect(image.change.replace_paths).toEqual([["files", "app.sh"]]);

    const before = (await projectContainers(docker, project))[0].ImageID;
    const apply = await run("apply", "--auto-approve");
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain("Apply complete! Resources: 2 added, 0 changed, 2 destroyed");
    const [app] = await projectContainers(docker, project);
    expect(app.ImageID).not.toBe(before);
    expect(app.ImageID).toBe((await docker.getImage(`${project}-app`).inspect()).Id);
    expect(await served()).toBe("version 2");
    expect((await run("plan", "--detailed-exitcode")).code).toBe(0);
  });

  it("--no-build plans and applies no build; a missing image is an error naming it", async () => {
    await editFile(path.join(dir, "app/app.sh"), (text) => text.replace("version 2", "version 3"));
    const plan = await run("plan", "--no-build", "--detailed-exitcode");
    expect(plan.stdout).not.toContain("must be replaced");
    expect(plan.stdout).toContain('~ policy = "build" -> "never"');
    const apply = await run("apply", "--auto-approve", "--no-build");
    expect(apply.code).toBe(0);
    expect(apply.stdout).not.toContain("Step 1/");
    expect(apply.stdout).toContain("Apply complete! Resources: 0 added, 1 changed, 0 destroyed");
    expect(await served()).toBe("version 2");
    // Another project has no image under its tag yet.
    const other = await berth(["apply", "--auto-approve", "--no-build", "-f", file, "-p", `${project}x`]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`image.app: image '${project}x-app' of service app is not there, and it may not be built (--no-build, or pull_policy: never)`);
    await removeProject(docker, `${project}x`);
  });

  it("a saved plan builds what it planned: a file changed since is refused", async () => {
    const planfile = path.join(dir, "saved.plan");
    expect((await run("plan", "--out", planfile)).code).toBe(0);
    await editFile(path.join(dir, "app/app.sh"), (text) => text.replace("version 3", "version 4"));
    const apply = await berth(["apply", planfile, "-f", file, "-p", project]);
    expect(apply.code).toBe(1);
    // The context's digests no longer match the reviewed plan's: nothing is built.
    expect(apply.stderr).toContain("image.app: the template no longer produces the reviewed plan; run `berth plan` again");
    expect(await served()).toBe("version 2");
  });

  it("pull_policy: always pulls even an image that is there, and says so when no registry answers", async () => {
    const always = path.join(dir, "always.yml");
    await writeFile(always, `services:\n  web:\n    image: ${project}-app\n    pull_policy: always\n`);
    const apply = await berth(["apply", "--auto-approve", "-f", always, "-p", `${project}x`]);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(`service web: pull_policy: always, but image '${project}-app' could not be pulled`);
    await removeProject(docker, `${project}x`);
  });

  it("dockerfile_inline, args, target, network, shm_size, extra_hosts reach the builder", async () => {
    const toolDir = path.join(dir, "tool");
    await mkdir(toolDir);
    await copyFile(BUSYBOX, path.join(toolDir, "busybox"));
    const bb = "/bin/busybox";
    const template = path.join(dir, "tool.yml");
    await writeFile(
      template,
      [
        "services:",
        "  tool:",
        "    build:",
        "      context: ./tool",
        "      dockerfile_inline: |",
        "        FROM scratch AS prod",
        "        COPY busybox /bin/busybox",
        "        ARG GREETING",
        `        RUN ["${bb}", "sh", "-c", "${bb} mkdir -p /www && echo $$GREETING > /www/greeting && ${bb} cat /etc/hosts > /www/hosts && ${bb} df -k /dev/shm > /www/shm && (${bb} ip -o link || true) > /www/links"]`,
        `        ENTRYPOINT ["${bb}", "httpd", "-f", "-p", "8080", "-h", "/www"]`,
        "        FROM prod AS later",
        `        RUN ["${bb}", "false"]`,
        "      args: [GREETING=hello-from-args]",
        "      target: prod",
        "      network: none",
        "      shm_size: 80m",
        "      extra_hosts: ['db.build.test:10.1.2.3', 'cache.build.test=10.1.2.4']",
        "    ports: ['8080']",
        "",
      ].join("\n"),
    );
    const tool = `${project}t`;
    try {
      const apply = await berth(["apply", "--auto-approve", "-f", template, "-p", tool]);
      expect(apply.stderr).toBe("");
      expect(apply.code).toBe(0);
      const [c] = await projectContainers(docker, tool);
      const port = (await docker.getContainer(c.Id).inspect()).NetworkSettings.Ports["8080/tcp"]![0].HostPort;
      const get = async (file: string) => {
        for (let attempt = 0; ; attempt++) {
          try {
            return (await httpGet(`http://127.0.0.1:${port}/${file}`)).body;
          } catch (e) {
            if (attempt > 50) throw e;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      };
      expect((await get("greeting")).trim()).toBe("hello-from-args");
      expect(await get("hosts")).toMatch(/10\.1\.2\.3\s+db\.build\.test/);
      expect(await get("hosts")).toMatch(/10\.1\.2\.4\s+cache\.build\.test/);
      expect(await get("shm")).toMatch(/\s81920\s/);
      // network: none leaves only loopback to RUN steps.
      expect(await get("links")).not.toMatch(/eth0/);
      expect((await berth(["plan", "--detailed-exitcode", "-f", template, "-p", tool])).code).toBe(0);
      expect((await berth(["destroy", "--auto-approve", "-f", template, "-p", tool])).code).toBe(0);
    } finally {
      await removeProject(docker, tool);
      await removeProjectImages(docker, tool);
    }
  });

  it("destroy removes the containers and the images Berth built, even with the context gone", async () => {
    await rm(path.join(dir, "app"), { recursive: true });
    const destroy = await run("destroy", "--auto-approve");
    expect(destroy.stderr).toBe("");
    expect(destroy.code).toBe(0);
    expect(await projectContainers(docker, project)).toEqual([]);
    expect(await docker.listImages({ filters: { label: [`berth.project=${project}`] } })).toEqual([]);
  });
});
