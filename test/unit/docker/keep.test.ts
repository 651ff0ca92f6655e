import { describe, expect, it } from "vitest";
import { keepReference, resolvePinned } from "../../../providers/docker/keep.js";

describe("a container pinned for rollback", () => {
  const pinned = { image: "shop/web:latest", image_id: "sha256:old", kept_image: "berth-keep/shop:7-web", pull_policy: "always" };

  it("keeps its own image name while that still names the pinned image: nothing to replace", () => {
    expect(resolvePinned(pinned, () => "sha256:old")).toEqual({ image: "shop/web:latest", image_id: "sha256:old", pull_policy: "always" });
  });

  it("runs the keep-tag once its own tag moved on (or is gone), with the same image ID and nothing to pull", () => {
    expect(resolvePinned(pinned, () => "sha256:new")).toEqual({ image: "berth-keep/shop:7-web", image_id: "sha256:old", pull_policy: "missing" });
    expect(resolvePinned(pinned, () => null).image).toBe("berth-keep/shop:7-web");
  });

  it("is kept under berth-keep/<project>:<serial>-<service>", () => {
    expect(keepReference("shop", 7, "web")).toEqual({ repo: "berth-keep/shop", tag: "7-web", ref: "berth-keep/shop:7-web" });
    expect(keepReference("shop", 7, "x".repeat(200)).tag).toHaveLength(128);
  });
});
