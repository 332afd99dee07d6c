import { describe, expect, it } from "vitest";
import { forbiddenKeyPath } from "./strict-json.js";

describe("forbiddenKeyPath", () => {
  it("names where a prototype-changing key sits", () => {
    expect(forbiddenKeyPath(`{"receiver":{"__proto__":""}}`)).toBe("receiver.__proto__");
    expect(forbiddenKeyPath(`{"__proto__":{"polluted":1}}`)).toBe("__proto__");
    expect(forbiddenKeyPath(`{"alerts":[{"labels":{}},{"labels":{"constructor":{"prototype":{}}}}]}`)).toBe(
      "alerts[1].labels.constructor",
    );
  });

  it("gives nothing for a harmless body or one that is not JSON", () => {
    expect(forbiddenKeyPath(`{"labels":{"constructor":"x","proto":1}}`)).toBeUndefined();
    expect(forbiddenKeyPath(`{"a":`)).toBeUndefined();
    expect(forbiddenKeyPath(`[1,2,3]`)).toBeUndefined();
  });
});
