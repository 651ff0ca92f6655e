import { describe, expect, it } from "vitest";
import { parseDotenv } from "../../../src/template/dotenv.js";
import { SourceText } from "../../../src/template/source-text.js";
import { errorsOf, load } from "./helpers.js";

describe("environment", () => {
  it("list form: K=V, K= and K (taken from the shell, else left unset, as compose does)", async () => {
    const template = await load("web:\n  image: a\n  environment:\n    - A=1\n    - B=x=y\n    - C=\n    - FROM_SHELL\n    - NOT_IN_SHELL\n", {
      env: { FROM_SHELL: "shell" },
    });
    expect(template.services[0].environment).toEqual({ A: "1", B: "x=y", C: "", FROM_SHELL: "shell" });
  });

  it("map form: values coerced to strings, null → from the shell, else unset", async () => {
    const template = await load("web:\n  image: a\n  environment:\n    NUM: 5\n    FLOAT: 1.5\n    BOOL: true\n    STR: 'text'\n    NULL:\n    TILDE: ~\n");
    expect(template.services[0].environment).toEqual({ BOOL: "true", FLOAT: "1.5", NUM: "5", STR: "text" });
  });

  it("the article's quoted list entries", async () => {
    const template = await load("web:\n  image: a\n  environment:\n    - 'TOMCAT_TGZ_URL=https://example.com/a.tar.gz'\n    - CATALINA_HOME=/usr/local/tomcat\n");
    expect(template.services[0].environment).toEqual({ CATALINA_HOME: "/usr/local/tomcat", TOMCAT_TGZ_URL: "https://example.com/a.tar.gz" });
  });

  it("a list entry with no name is an error", async () => {
    expect(await errorsOf("web:\n  image: a\n  environment:\n    - =oops\n")).toEqual([
      "docker-compose.yml:4:7: environment entry '=oops' has no name before the value",
    ]);
  });
});

describe("env_file", () => {
  it("reads files relative to the template, environment: wins, later files win", async () => {
    const template = await load("web:\n  image: a\n  env_file:\n    - common.env\n    - conf/local.env\n  environment:\n    WINNER: environment\n", {
      files: {
        "common.env": "# shared\nSHARED=common\nWINNER=file\nexport EXPORTED=yes\n",
        "conf/local.env": "SHARED=local\nQUOTED=\"a \\\"b\\\" c\"\nSINGLE='no $expansion # here'\nINLINE=value # comment\n\n",
      },
    });
    expect(template.services[0].environment).toEqual({
      EXPORTED: "yes",
      INLINE: "value",
      QUOTED: 'a "b" c',
      SHARED: "local",
      SINGLE: "no $expansion # here",
      WINNER: "environment",
    });
  });

  it("a single path and the {path, required} form", async () => {
    const template = await load("a:\n  image: a\n  env_file: a.env\nb:\n  image: b\n  env_file:\n    - path: absent.env\n      required: false\n", {
      files: { "a.env": "X=1\n" },
    });
    expect(template.services.map((s) => s.environment)).toEqual([{ X: "1" }, {}]);
  });

  it("its contents are part of the hash", async () => {
    const yaml = "web:\n  image: a\n  env_file: a.env\n";
    const one = await load(yaml, { files: { "a.env": "X=1\n" } });
    const two = await load(yaml, { files: { "a.env": "X=2\n" } });
    const again = await load(yaml, { files: { "a.env": "X=1\n" } });
    expect(one.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(one.hash).not.toBe(two.hash);
    expect(one.hash).toBe(again.hash);
  });

  it("a bad line is an error at its line in the env file", async () => {
    expect(await errorsOf("web:\n  image: a\n  env_file: app.env\n", { files: { "app.env": "OK=1\n  1BAD=2\nQ='open\n" } })).toEqual([
      "app.env:2:3: expected KEY=VALUE, got '1BAD=2'",
      "app.env:3:3: unclosed ' quote in the value of Q",
    ]);
  });

  it("a wrong type is an error at the entry", async () => {
    expect(await errorsOf("web:\n  image: a\n  env_file:\n    - [a.env]\n")).toEqual([
      "docker-compose.yml:4:7: env_file entries must be a path or {path, required}, got a list",
    ]);
  });
});

describe("parseDotenv", () => {
  it("KEY alone takes the lookup's value, or is skipped", () => {
    const parsed = parseDotenv(new SourceText(".env", "A\nB\r\nC=3\r\n"), "E_DOTENV", (k) => (k === "A" ? "from-shell" : undefined));
    expect(parsed).toEqual({ values: { A: "from-shell", C: "3" }, problems: [] });
  });

  it("double quotes understand \\n, single quotes do not", () => {
    expect(parseDotenv(new SourceText(".env", "D=\"a\\nb\"\nS='a\\nb'\n"), "E_DOTENV").values).toEqual({ D: "a\nb", S: "a\\nb" });
  });

  it("text after a closing quote is an error", () => {
    expect(parseDotenv(new SourceText(".env", "A='x' y\n"), "E_DOTENV").problems).toEqual([
      { severity: "error", code: "E_DOTENV", message: "unexpected 'y' after the closing quote in the value of A", where: { file: ".env", line: 1, col: 3 } },
    ]);
  });
});
