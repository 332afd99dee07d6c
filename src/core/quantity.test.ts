import { describe, expect, it } from "vitest";
import { InputError } from "./errors.js";
import { formatBytes, formatCpu, formatStorage, parseBytes, parseCpu, parseQuantity } from "./quantity.js";

const MI = 1024 ** 2;
const GI = 1024 ** 3;

describe("parseBytes", () => {
  it.each([
    ["512Mi", 512 * MI],
    ["1Ki", 1024],
    ["1.5Gi", 1.5 * GI],
    ["2Ti", 2 * 1024 ** 4],
    ["1Pi", 1024 ** 5],
    ["1k", 1000],
    ["128M", 128e6],
    ["1G", 1e9],
    ["1T", 1e12],
    ["1e3", 1000],
    ["1E3", 1000],
    ["12345", 12345],
    [".5Gi", 0.5 * GI],
    ["13080076Ki", 13080076 * 1024],
  ])("%s", (input, expected) => {
    expect(parseBytes(input)).toBe(expected);
  });

  it("treats a bare E as the exa suffix, not an exponent", () => {
    expect(parseQuantity("1E")).toBe(1e18);
  });

  it("accepts numbers", () => {
    expect(parseBytes(1024)).toBe(1024);
  });

  it.each(["", "abc", "512MB", "1.2.3Gi", "Mi", "-1Gi", "1 Gi x"])("rejects %j with InputError", (input) => {
    expect(() => parseBytes(input)).toThrow(InputError);
  });
});

describe("parseCpu", () => {
  it.each([
    ["250m", 0.25],
    ["1", 1],
    ["0.3125", 0.3125],
    ["1500m", 1.5],
    ["2", 2],
    ["3920m", 3.92],
  ])("%s", (input, expected) => {
    expect(parseCpu(input)).toBeCloseTo(expected, 12);
  });

  it("rejects garbage", () => {
    expect(() => parseCpu("two")).toThrow(/invalid cpu quantity "two"/);
  });
});

describe("formatBytes", () => {
  it.each([
    [640 * MI, "640Mi"],
    [700 * MI, "704Mi"],
    [768 * MI, "768Mi"],
    [GI, "1Gi"],
    [GI + 1, "1088Mi"],
    [2 * GI, "2Gi"],
    [2.5 * GI, "2560Mi"],
    [5 * GI + 1, "5376Mi"],
    [20.2 * GI, "21Gi"],
    [40 * MI, "48Mi"],
    [1, "16Mi"],
    [0, "0"],
  ])("%d → %s", (input, expected) => {
    expect(formatBytes(input)).toBe(expected);
  });

  it("never rounds down", () => {
    for (const n of [1.25 * 512 * MI, 1.25 * 1.5 * GI, 3.3 * GI, 9.9 * GI]) {
      expect(parseBytes(formatBytes(n))).toBeGreaterThanOrEqual(n);
    }
  });

  it("rejects negative and non-finite values", () => {
    expect(() => formatBytes(-1)).toThrow(InputError);
    expect(() => formatBytes(Number.NaN)).toThrow(InputError);
  });
});

describe("formatCpu", () => {
  it.each([
    [0.25, "250m"],
    [0.3125, "350m"],
    [0.3, "300m"],
    [0.1 + 0.2, "300m"],
    [1, "1"],
    [1.25, "1300m"],
    [2, "2"],
    [1.999, "2"],
    [0.01, "50m"],
  ])("%d → %s", (input, expected) => {
    expect(formatCpu(input)).toBe(expected);
  });
});

describe("formatStorage", () => {
  it("rounds up to whole Gi", () => {
    expect(formatStorage(50 * GI)).toBe("50Gi");
    expect(formatStorage(62.5 * GI)).toBe("63Gi");
    expect(formatStorage(1)).toBe("1Gi");
  });
});
