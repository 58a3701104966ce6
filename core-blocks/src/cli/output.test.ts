import { describe, expect, it } from "vitest";
import { formatTable, shouldColor } from "./output.js";
import { formatUsageProblem, oneLine } from "./report-error.js";

describe("command line output", () => {
  it("aligns table columns by visible width, ignoring colour codes", () => {
    const lines = formatTable(
      ["SLUG", "REVISION"],
      [
        ["\u001b[36ma/b\u001b[39m", "1"],
        ["long-type/name", "12"],
      ],
    );
    expect(lines).toEqual([
      "SLUG            REVISION",
      "\u001b[36ma/b\u001b[39m             1",
      "long-type/name  12",
    ]);
  });

  it("colours only terminals, unless NO_COLOR or FORCE_COLOR say otherwise", () => {
    expect(shouldColor({ isTTY: true }, {})).toBe(true);
    expect(shouldColor({ isTTY: false }, {})).toBe(false);
    expect(shouldColor({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(shouldColor({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(shouldColor({ isTTY: true }, { FORCE_COLOR: "0" })).toBe(false);
  });

  it("folds parse errors and multi-line messages into one line", () => {
    expect(
      formatUsageProblem({
        commanderCode: "commander.unknownOption",
        message: "error: unknown option '--tpye'\n(Did you mean --type?)",
        commandPath: "tessera block ls",
      }),
    ).toBe(
      "error UNKNOWN_OPTION: unknown option '--tpye'. Did you mean --type? Run `tessera block ls --help` to see what it takes.",
    );
    expect(oneLine('Invalid fields for "x":\n  - a: required\n  - b: too long\nFix them.')).toBe(
      'Invalid fields for "x": a: required; b: too long. Fix them.',
    );
    expect(oneLine("Cannot read it.\nTry again")).toBe("Cannot read it. Try again");
    expect(oneLine("one,\ntwo")).toBe("one, two");
    expect(oneLine("a: must be one of x, y\nFix the field listed.")).toBe(
      "a: must be one of x, y. Fix the field listed.",
    );
  });
});
