import { describe, expect, it } from "vitest";
import { nginxMessage } from "../../../providers/routing/nginx.js";

describe("nginx's messages as Berth shows them", () => {
  it("keeps nginx's words, drops prefixes, times, pids, repeats and the test trailer", () => {
    const output = [
      "nginx: [emerg] unknown directive \"no_such_directive\" in /r/generations/000013/projects/shop.conf:26",
      "nginx: configuration file /r/generations/000013/nginx.conf test failed",
      "2026/11/29 05:55:39 [emerg] 7022#7022: bind() to 127.0.0.1:8481 failed (98: Address already in use)",
      "2026/11/29 05:55:40 [emerg] 7022#7022: bind() to 127.0.0.1:8481 failed (98: Address already in use)",
      "2026/11/29 05:55:41 [emerg] 7022#7022: still could not bind()",
      "",
    ].join("\n");
    expect(nginxMessage(output)).toBe(
      [
        '[emerg] unknown directive "no_such_directive" in /r/generations/000013/projects/shop.conf:26',
        "[emerg] bind() to 127.0.0.1:8481 failed (98: Address already in use)",
        "[emerg] still could not bind()",
      ].join("\n"),
    );
  });
});
