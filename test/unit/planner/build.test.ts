import { maskPlan } from "../../../src/core/mask.js";
/**
 * A service built from `build:`: image.<service> carries its context's digests, its containers
 * depend on it and refer to its image_id. A changed file replaces the image, names the file,
 * and replaces the containers, whose image_id is known only after apply.
 */
import { describe, expect, it } from "vitest";
import type { Attributes, DesiredResource } from "../../../src/core/types.js";
import { prerequisites } from "../../../src/apply/schedule.js";
import { renderPlanText } from "../../../src/render/text-plan.js";
import { expectGolden } from "../golden.js";
import { container, network, observation, observedAs, planOf, recorded, summarize } from "./fixtures.js";

const OLD_ID = "sha256:0ld";

function image(files: Record<string, string>, extra: Attributes = {}): DesiredResource {
  return {
    address: "image.app",
    type: "image",
    provider: "docker",
    name: "app",
    index: null,
    service: "app",
    attributes: {
      tag: "p-app",
      project: "p",
      service: "app",
      context: "/srv/p/app",
      dockerfile: "Dockerfile",
      dockerfile_inline: null,
      args: {},
      target: null,
      labels: {},
      network: null,
      shm_size: null,
      extra_hosts: [],
      policy: "build",
      context_digest: `digest-of-${Object.values(files).join("-")}`,
      files,
      ...extra,
    },
    dependsOn: [],
  };
}

/** A replica of app as the model makes it: after its image, referring to the image's ID. */
function app(imageId: string | null): DesiredResource {
  const c = container("app", 0, { image: "p-app" });
  return {
    ...c,
    attributes: { ...c.attributes, image_id: imageId },
    dependsOn: ["network.default", "image.app"],
    references: { image_id: { address: "image.app", attribute: "image_id" } },
  };
}

const FILES = { Dockerfile: "d1", "app.sh": "a1", "lib/util.sh": "u1" };

/** What the last apply recorded: the image with its ID, the container running it. */
function appliedWorld() {
  const { network_id: _notAnImageAttribute, ...attributes } = recorded(image(FILES)).attributes;
  const built = { ...recorded(image(FILES)), attributes: { ...attributes, image_id: OLD_ID } };
  const running = recorded(app(OLD_ID), { image_id: OLD_ID });
  const net = recorded(network);
  return { rec: [net, built, running], observed: observation([observedAs(net), observedAs(running), { address: "image.app", type: "image", provider: "docker", attributes: { image_id: OLD_ID } }]) };
}

describe("planner: images built from build:", () => {
  it("a changed file replaces the image (naming the file) and the containers running it", () => {
    const { rec, observed } = appliedWorld();
    // resolveDesired still sees the old image under the tag: the reference says it will change.
    const desired = [network, image({ ...FILES, "app.sh": "a2" }), app(OLD_ID)];
    const p = planOf({ desired, recorded: rec, observation: observed });
    expect(summarize(p)).toEqual(["container.app[0]: delete,create (attributes-changed)", "image.app: create,delete (attributes-changed)"]);
    const imageChange = p.changes.find((c) => c.address === "image.app")!;
    expect(imageChange.replacePaths).toEqual([["files", "app.sh"]]);
    const containerChange = p.changes.find((c) => c.address === "container.app[0]")!;
    expect(containerChange.replacePaths).toEqual([["image_id"]]);
    expect(containerChange.after).not.toHaveProperty("image_id");
    expectGolden(new URL("./golden/build-file-changed.txt", import.meta.url), renderPlanText(maskPlan(p), { color: false }));
    // The container is replaced once the new image is built.
    expect(prerequisites(p.changes).get("container.app[0]")).toEqual(["image.app"]);
  });

  it("an unchanged context plans nothing", () => {
    const { rec, observed } = appliedWorld();
    const p = planOf({ desired: [network, image(FILES), app(OLD_ID)], recorded: rec, observation: observed });
    expect(summarize(p)).toEqual([]);
  });

  it("with --no-refresh (context digested, image IDs unknown) a changed file still plans the rebuild", () => {
    const { rec } = appliedWorld();
    const p = planOf({ desired: [network, image({ ...FILES, "lib/util.sh": "u2" }), app(null)], recorded: rec });
    expect(summarize(p)).toEqual(["container.app[0]: delete,create (attributes-changed)", "image.app: create,delete (attributes-changed)"]);
    expect(p.changes.find((c) => c.address === "image.app")!.replacePaths).toEqual([["files", "lib/util.sh"]]);
  });

  it("an image removed outside Berth is built again, and its containers replaced", () => {
    const { rec, observed } = appliedWorld();
    const gone = { ...observed, resources: observed.resources.filter((o) => o.type !== "image") };
    const p = planOf({ desired: [network, image(FILES), app(null)], recorded: rec, observation: gone });
    expect(summarize(p)).toEqual(["container.app[0]: delete,create (attributes-changed)", "image.app: create (drift-missing)"]);
  });

  it("a new service: image and container created; the container's image_id is not guessed", () => {
    const p = planOf({ desired: [network, image(FILES), app(OLD_ID)], recorded: [] });
    expect(summarize(p)).toEqual(["container.app[0]: create (new)", "image.app: create (new)", "network.default: create (new)"]);
    expect(p.changes.find((c) => c.address === "container.app[0]")!.after).not.toHaveProperty("image_id");
  });

  it("moving the context folder updates the record in place: the files decide a rebuild, not where they live", () => {
    const { rec, observed } = appliedWorld();
    const p = planOf({ desired: [network, image(FILES, { context: "/home/me/p/app" }), app(OLD_ID)], recorded: rec, observation: observed });
    expect(summarize(p)).toEqual(["image.app: update (attributes-changed)"]);
  });

  it("--no-build: the files are not digested, nothing is rebuilt; only the policy is recorded", () => {
    const { rec, observed } = appliedWorld();
    const noBuild = image(FILES, { policy: "never", context_digest: null, files: null });
    const p = planOf({ desired: [network, noBuild, app(OLD_ID)], recorded: rec, observation: observed });
    expect(summarize(p)).toEqual(["image.app: update (attributes-changed)"]);
    const change = p.changes.find((c) => c.address === "image.app")!;
    // What was digested last stays on record, for the next plan that may build.
    expect(change.after).toMatchObject({ policy: "never", files: FILES, image_id: OLD_ID });
  });

  it("--target container.app[0] takes its image along", () => {
    const { rec, observed } = appliedWorld();
    const p = planOf({ desired: [network, image({ ...FILES, "app.sh": "a2" }), app(OLD_ID)], recorded: rec, observation: observed, targets: ["container.app[0]"] });
    expect(summarize(p)).toEqual(["container.app[0]: delete,create (attributes-changed)", "image.app: create,delete (attributes-changed)"]);
  });
});
