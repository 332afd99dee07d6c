import { describe, expect, it } from "vitest";
import { basicHeader, bearerHeader, parseChallenges, sessionCredentials, takeTokenFromHash } from "./auth.js";

describe("parseChallenges", () => {
  it("reads the schemes of one or several challenges", () => {
    expect(parseChallenges('Bearer realm="aiops"')).toEqual({ bearer: true, basic: false });
    expect(parseChallenges('Basic realm="aiops", charset="UTF-8"')).toEqual({ bearer: false, basic: true });
    expect(parseChallenges('Bearer realm="aiops", Basic realm="aiops", charset="UTF-8"')).toEqual({
      bearer: true,
      basic: true,
    });
  });

  it("does not take a parameter value for a scheme", () => {
    expect(parseChallenges('Bearer realm="Basic stuff", error="x"')).toEqual({ bearer: true, basic: false });
  });

  it("offers both when the header is missing or unreadable", () => {
    expect(parseChallenges(null)).toEqual({ bearer: true, basic: true });
    expect(parseChallenges('Negotiate, Digest realm="x"')).toEqual({ bearer: true, basic: true });
  });
});

describe("Authorization headers", () => {
  it("encodes basic credentials as UTF-8 base64", () => {
    expect(basicHeader("admin", "s3cret")).toBe(`Basic ${Buffer.from("admin:s3cret").toString("base64")}`);
    expect(basicHeader("zoë", "pässword")).toBe(
      `Basic ${Buffer.from("zoë:pässword", "utf8").toString("base64")}`,
    );
  });

  it("trims a pasted token", () => {
    expect(bearerHeader("  abc\n")).toBe("Bearer abc");
  });
});

describe("takeTokenFromHash", () => {
  it("takes a token and leaves the list route", () => {
    expect(takeTokenFromHash("#token=abc%2Bdef")).toEqual({ token: "abc+def", hash: "#/" });
  });

  it("keeps the route and other parameters", () => {
    expect(takeTokenFromHash("#/incidents/inc-1?token=t1")).toEqual({
      token: "t1",
      hash: "#/incidents/inc-1",
    });
    expect(takeTokenFromHash("#/?state=open&token=t1")).toEqual({ token: "t1", hash: "#/?state=open" });
  });

  it("leaves a fragment without a token alone", () => {
    expect(takeTokenFromHash("#/?q=token")).toEqual({ hash: "#/?q=token" });
    expect(takeTokenFromHash("#token=")).toEqual({ hash: "#token=" });
  });
});

describe("sessionCredentials", () => {
  it("stores, reads and clears the header", () => {
    const data = new Map<string, string>();
    const storage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
      removeItem: (k: string) => void data.delete(k),
    } as Storage;
    const store = sessionCredentials(storage);
    expect(store.get()).toBeUndefined();
    store.set("Bearer x");
    expect(sessionCredentials(storage).get()).toBe("Bearer x");
    store.clear();
    expect(store.get()).toBeUndefined();
  });

  it("falls back to memory when storage refuses", () => {
    const refusing = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
      removeItem: () => undefined,
    } as unknown as Storage;
    const store = sessionCredentials(refusing);
    store.set("Bearer y");
    expect(store.get()).toBe("Bearer y");
  });
});
