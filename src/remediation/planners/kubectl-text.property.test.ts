import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nastyString } from "../../../test/helpers/webhook-mutations.js";
import { kubectlPatch, kubectlRef, nsFlag } from "./common.js";

/**
 * A plan's `kubectl` text is for a person to paste into a shell. Whatever the names in
 * it hold, the shell must read exactly the intended words: no command substitution,
 * no second command, no redirection.
 */

/** POSIX shell words of `text`, for the subset the planners write: plain words, '...' and \\x. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === " ") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated quote in ${text}`);
      word = (word ?? "") + text.slice(i + 1, end);
      i = end;
    } else if (c === "\\") {
      word = (word ?? "") + (text[i + 1] ?? "");
      i++;
    } else if (/[A-Za-z0-9._/:=,-]/.test(c)) {
      word = (word ?? "") + c;
    } else {
      throw new Error(`unquoted ${JSON.stringify(c)} in ${text}`);
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

const name = fc.oneof(
  fc.string({ minLength: 1 }),
  nastyString.filter((s) => s.length > 0),
);
const kind = fc.constantFrom("Deployment", "StatefulSet", "HorizontalPodAutoscaler", "PersistentVolumeClaim");

describe("kubectl text in plans", () => {
  it("names with shell metacharacters stay single words", () => {
    fc.assert(
      fc.property(kind, name, fc.option(name, { nil: undefined }), (k, n, ns) => {
        const target = { kind: k, name: n, ...(ns === undefined ? {} : { namespace: ns }) };
        const words = shellWords(`kubectl rollout restart ${kubectlRef(target)}${nsFlag(target)}`);
        expect(words.slice(0, 3)).toEqual(["kubectl", "rollout", "restart"]);
        expect(words[3]?.endsWith(`/${n}`)).toBe(true);
        expect(words.slice(4)).toEqual(ns === undefined ? [] : ["-n", ns]);
      }),
      { numRuns: 500 },
    );
  });

  it("a patch body with any values is one quoted word", () => {
    fc.assert(
      fc.property(name, fc.dictionary(fc.string(), fc.oneof(fc.string(), nastyString)), (n, body) => {
        const target = { kind: "Deployment", name: n, namespace: "shop" };
        const words = shellWords(kubectlPatch(target, body));
        expect(words).toHaveLength(9);
        expect(words.slice(-2)).toEqual(["-p", JSON.stringify(body)]);
      }),
      { numRuns: 300 },
    );
  });

  it("ordinary Kubernetes names are written unquoted", () => {
    expect(
      `${kubectlRef({ kind: "Deployment", name: "cart-1.v2" })}${nsFlag({ kind: "Deployment", name: "cart-1.v2", namespace: "shop" })}`,
    ).toBe("deployment/cart-1.v2 -n shop");
  });
});
