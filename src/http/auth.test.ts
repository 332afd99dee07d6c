import { describe, expect, it } from "vitest";
import { authRequired, challenges, isAuthorized, safeEqual } from "./auth.js";

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

describe("safeEqual", () => {
  it("compares strings of any lengths", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abd")).toBe(false);
    expect(safeEqual("abc", "abcd")).toBe(false);
    expect(safeEqual("", "x")).toBe(false);
    expect(safeEqual("ä", "ä")).toBe(true);
  });
});

describe("isAuthorized", () => {
  const both = { bearerToken: "tok", basic: { username: "user", password: "pa:ss" } };
  it.each([
    [undefined, false],
    ["", false],
    ["Bearer", false],
    ["Bearer tok", true],
    ["BEARER tok", true],
    ["Bearer  tok ", true],
    ["Bearer tok2", false],
    ["Token tok", false],
    [basic("user", "pa:ss"), true],
    [basic("user", "pa"), false],
    [basic("usr", "pa:ss"), false],
    [`Basic ${Buffer.from("userpa:ss").toString("base64")}`, false],
    ["Basic %%%", false],
  ])("%s → %s", (header, expected) => {
    expect(isAuthorized(header, both)).toBe(expected);
  });

  it("does not accept a scheme that is not configured", () => {
    expect(isAuthorized("Bearer tok", { basic: { username: "u", password: "tok" } })).toBe(false);
    expect(isAuthorized(basic("u", "tok"), { bearerToken: "tok" })).toBe(false);
  });

  it("an empty configured token never matches", () => {
    expect(isAuthorized("Bearer ", { bearerToken: "" })).toBe(false);
  });
});

describe("authRequired and challenges", () => {
  it("requires auth only when a credential is configured", () => {
    expect(authRequired(undefined)).toBe(false);
    expect(authRequired({})).toBe(false);
    expect(authRequired({ bearerToken: "" })).toBe(false);
    expect(authRequired({ bearerToken: "t" })).toBe(true);
    expect(authRequired({ basic: { username: "u", password: "p" } })).toBe(true);
  });
  it("offers one challenge per scheme", () => {
    expect(challenges({ bearerToken: "t", basic: { username: "u", password: "p" } })).toEqual([
      'Bearer realm="aiops"',
      'Basic realm="aiops", charset="UTF-8"',
    ]);
  });
});
