import { describe, expect, it } from "vitest";
import { resolveBindSource } from "../../../src/model/bind-paths.js";

describe("relative bind mounts resolve against the template's folder, as compose does", () => {
  it("./ and ../ sources become absolute; named, anonymous, absolute and ~ are kept", () => {
    const dir = "/srv/app";
    expect(
      ["./data:/data", "../conf:/etc/app:ro", ".:/src", "./a/../b:/b", "named:/var/lib", "/data", "/abs:/abs", "~/x:/x"].map((v) => resolveBindSource(v, dir)),
    ).toEqual(["/srv/app/data:/data", "/srv/conf:/etc/app:ro", "/srv/app:/src", "/srv/app/b:/b", "named:/var/lib", "/data", "/abs:/abs", "~/x:/x"]);
  });
});
