import { mkdirSync, mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nastyString } from "../../test/helpers/webhook-mutations.js";
import { InputError } from "../core/errors.js";
import { branchFor, checkContainerName, checkNamespace, checkObjectName } from "./names.js";
import { insideRoot } from "./paths.js";

/**
 * Label values reach the GitOps side as namespaces, object names and incident ids that
 * become branch names, file paths and git arguments. Whatever they hold, they are either
 * refused (InputError) or plain names.
 */

const anyText = fc.oneof(
  fc.string(),
  nastyString,
  fc.constantFrom("..", ".", "-rf", "--upload-pack=x", "a..b"),
);

function refusedOr<T>(run: () => T, check: (value: T) => void): void {
  let value: T;
  try {
    value = run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return;
  }
  check(value);
}

describe("names from alerts on the GitOps side", () => {
  it.each([
    ["namespace", checkNamespace],
    ["object name", checkObjectName],
    ["container name", checkContainerName],
  ])("a %s is refused or a plain DNS name", (_what, check) => {
    fc.assert(
      fc.property(anyText, (value) => {
        refusedOr(
          () => check(value),
          (name) => {
            expect(name).toMatch(/^[a-z0-9][-a-z0-9.]*$/);
            expect(name).not.toContain("..");
          },
        );
      }),
      { numRuns: 500 },
    );
  });

  it("a branch is refused or aiops/<id> with no option, traversal or control character", () => {
    fc.assert(
      fc.property(anyText, (id) => {
        refusedOr(
          () => branchFor(id),
          (branch) => {
            expect(branch).toBe(`aiops/${id}`);
            expect(branch).toMatch(/^aiops\/[A-Za-z0-9][A-Za-z0-9-]*$/);
          },
        );
      }),
      { numRuns: 500 },
    );
  });

  it("a path built from a label is refused or stays inside the workspace", () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), "aiops-ws-")));
    mkdirSync(join(root, "apps"));
    fc.assert(
      fc.property(anyText, anyText, (namespace, name) => {
        refusedOr(
          () => insideRoot(root, `apps/${namespace}/${name}.yaml`),
          (path) => {
            expect(path.startsWith(root + sep)).toBe(true);
          },
        );
      }),
      { numRuns: 500 },
    );
    expect(() => insideRoot(root, "apps/../../etc/passwd")).toThrow(InputError);
  });
});
