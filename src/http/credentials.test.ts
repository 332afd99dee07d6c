import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/errors.js";
import { defaultTokenFile, readOrCreateToken, resolveApiCredentials } from "./credentials.js";

const dir = () => mkdtempSync(join(tmpdir(), "aiops-cred-"));

describe("resolveApiCredentials", () => {
  it("is off only when explicitly disabled, even with credentials set", () => {
    expect(resolveApiCredentials({ disabled: true, bearerToken: "secret-token" }, "x/aiops.db")).toEqual({
      kind: "disabled",
    });
  });

  it("uses configured bearer and basic credentials without touching the disk", () => {
    const store = join(dir(), "aiops.db");
    const credentials = resolveApiCredentials(
      { disabled: false, bearerToken: "t0ken-abcdef", basicUsername: "sre", basicPassword: "pass-word" },
      store,
    );
    expect(credentials).toEqual({
      kind: "configured",
      auth: { bearerToken: "t0ken-abcdef", basic: { username: "sre", password: "pass-word" } },
    });
    expect(() => statSync(defaultTokenFile(store))).toThrow();
  });

  it("generates a token beside the store when nothing is configured, owner-readable only, and keeps it", () => {
    const store = join(dir(), "nested", "aiops.db");
    const first = resolveApiCredentials({ disabled: false }, store);
    expect(first.kind).toBe("generated");
    if (first.kind !== "generated") return;
    expect(first.file).toBe(join(store, "..", "api-token"));
    expect(first.auth.bearerToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(first.file).mode & 0o077).toBe(0);
    expect(readFileSync(first.file, "utf8").trim()).toBe(first.auth.bearerToken);
    const again = resolveApiCredentials({ disabled: false }, store);
    expect(again.kind === "generated" && again.auth.bearerToken).toBe(first.auth.bearerToken);
  });

  it("honours auth.tokenFile", () => {
    const file = join(dir(), "token");
    const credentials = resolveApiCredentials({ disabled: false, tokenFile: file }, "elsewhere/aiops.db");
    expect(credentials.kind === "generated" && credentials.file).toBe(file);
  });
});

describe("readOrCreateToken", () => {
  it("refuses a truncated token file rather than accept a weak secret", () => {
    const file = join(dir(), "token");
    writeFileSync(file, "short\n");
    expect(() => readOrCreateToken(file)).toThrow(ConfigError);
    expect(() => readOrCreateToken(file)).toThrow(/at least 16/);
  });

  it("reads a token someone put there", () => {
    const file = join(dir(), "token");
    writeFileSync(file, "  a-token-from-a-secret-mount \n");
    expect(readOrCreateToken(file)).toBe("a-token-from-a-secret-mount");
  });
});
