import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../core/errors.js";
import { branchFor, checkNamespace, checkObjectName, checkRefName } from "./names.js";
import { insideRoot } from "./paths.js";

const MALICIOUS = [
  "../etc",
  "--upload-pack=touch /tmp/x",
  "a\nb",
  "has space",
  "",
  "UPPER",
  "a/b",
  "-x",
  "x;rm -rf",
];

describe("names from alerts", () => {
  it.each(MALICIOUS)("refuses %j as namespace, object name and incident id", (bad) => {
    expect(() => checkNamespace(bad)).toThrow(InputError);
    expect(() => checkObjectName(bad)).toThrow(InputError);
    if (bad !== "UPPER") expect(() => branchFor(bad)).toThrow(/refusing incident id/);
  });

  it("accepts what Kubernetes and the collector produce", () => {
    expect(checkNamespace("shop")).toBe("shop");
    expect(checkObjectName("orders-db.v2")).toBe("orders-db.v2");
    expect(branchFor("inc-mwwvrla9-3b5a0b92")).toBe("aiops/inc-mwwvrla9-3b5a0b92");
  });

  it.each(["-main", "a..b", "a@{1}", "x.lock", "a b", "a:b", ".hidden/x", "x/"])(
    "refuses ref name %j",
    (ref) => {
      expect(() => checkRefName(ref)).toThrow(/refusing branch name/);
    },
  );
});

describe("paths inside the workspace", () => {
  it("resolves inside, refuses ../ and symlinks that lead out", () => {
    const root = mkdtempSync(join(tmpdir(), "aiops-root-"));
    const outside = mkdtempSync(join(tmpdir(), "aiops-out-"));
    mkdirSync(join(root, "apps"));
    writeFileSync(join(outside, "secret.yaml"), "x: 1\n");
    symlinkSync(outside, join(root, "apps", "escape"));
    symlinkSync(join(outside, "secret.yaml"), join(root, "apps", "link.yaml"));
    expect(insideRoot(root, "apps/new.yaml")).toMatch(/apps\/new\.yaml$/);
    expect(() => insideRoot(root, "../x.yaml")).toThrow(/outside the repository/);
    expect(() => insideRoot(root, "apps/escape/secret.yaml")).toThrow(/symlink/);
    expect(() => insideRoot(root, "apps/escape/new.yaml")).toThrow(/symlink/);
    expect(() => insideRoot(root, "apps/link.yaml")).toThrow(/symlink/);
    // A dangling symlink: writing through it would create its target outside.
    symlinkSync(join(outside, "absent.yaml"), join(root, "apps", "dangling.yaml"));
    expect(() => insideRoot(root, "apps/dangling.yaml")).toThrow(/symlink/);
  });
});
