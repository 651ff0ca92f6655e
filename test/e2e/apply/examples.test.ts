import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type Docker from "dockerode";
import { berth, httpGet, privateRouter, projectContainers, removeProject, requireDocker, uniqueProject } from "../helpers.js";

/** The examples' fixed virtual hosts go through a router of this test's own. */
let router: Awaited<ReturnType<typeof privateRouter>>;

/** Through the router on loopback, as a user would curl it. */
async function viaRouter(host: string, path = "/"): Promise<{ status: number; body: string }> {
  return httpGet(`http://${router.listen}${path}`, { Host: host });
}

interface Example {
  name: string;
  containers: number;
  /** A virtual host to curl through the router, and what its answer contains. */
  route: [string, RegExp];
}

const EXAMPLES: Example[] = [
  { name: "01-tomcat-mysql", containers: 4, route: ["tomcat-sample.localhost", /hostname=\w+ version=1/] },
  { name: "02-independent-links", containers: 5, route: ["ngtomcat.localhost", /hostname=\w+ version=1/] },
  { name: "03-route-to-node", containers: 6, route: ["tomcat.ir", /hostname=\w+ version=1/] },
  { name: "04-discovery-api", containers: 5, route: ["tomcat.localhost", /hostname=\w+ version=1/] },
  { name: "hello", containers: 2, route: ["hello.localhost", /hostname=\w+ version=1/] },
];

/** Every example of the article applies unchanged on the real engine, answers, and destroys cleanly. */
describe("examples apply and destroy on the real engines", () => {
  let docker: Docker;
  beforeAll(async () => {
    docker = await requireDocker();
    router = await privateRouter("examples");
  });
  afterAll(async () => {
    await router.stop();
  });

  for (const example of EXAMPLES) {
    describe(example.name, () => {
      const project = uniqueProject("ex");
      const file = `examples/${example.name}/docker-compose.yml`;
      const run = (...args: string[]) =>
        berth([...args, "-f", file, "-p", project, "--state", `/tmp/berth-e2e-${project}.json`], {
          env: router.env,
        });
      afterAll(async () => {
        await run("destroy", "--auto-approve");
        if (docker) await removeProject(docker, project);
      });

      it("applies, answers through the router, plans no changes, destroys", async () => {
        const apply = await run("apply", "--auto-approve");
        expect(apply.stderr.replace(/^Warning: .*\n/gm, "")).toBe("");
        expect(apply.code).toBe(0);
        expect(await projectContainers(docker, project)).toHaveLength(example.containers);

        const [host, answer] = example.route;
        let last = { status: 0, body: "" };
        for (let i = 0; i < 50 && !answer.test(last.body); i++) {
          last = await viaRouter(host, "/probe").catch(() => last);
          if (!answer.test(last.body)) await new Promise((r) => setTimeout(r, 200));
        }
        expect(last.body).toMatch(answer);

        const again = await run("plan", "--detailed-exitcode");
        expect(again.stdout).toContain("No changes.");
        expect(again.code).toBe(0);

        const destroy = await run("destroy", "--auto-approve");
        expect(destroy.code).toBe(0);
        expect(await projectContainers(docker, project)).toEqual([]);
        expect((await viaRouter(host)).status).toBe(404);
      });
    });
  }
});
