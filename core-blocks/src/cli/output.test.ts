import { describe, expect, it } from "vitest";
import { createOutput, formatTable, shouldColor } from "./output.js";
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

describe("inert terminal output", () => {
  /** An output over one collecting stream, as a terminal or not. */
  function collect(isTTY = false) {
    let written = "";
    const sink = {
      isTTY,
      write(chunk: string) {
        written += chunk;
        return true;
      },
    } as unknown as NodeJS.WritableStream & { isTTY?: boolean };
    return { output: createOutput(sink, sink), text: () => written };
  }

  // biome-ignore lint/suspicious/noControlCharactersInRegex: what must never reach a terminal.
  const activeCharacters = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
  const hostile = "ok\u001b[31mRED\u001b]0;title\u0007\rOVER\u202eDESREVER\u009b2J\u2066x\u0008y";

  it("shows control characters, escape sequences and bidi overrides as escapes in lines, notes, tables and fields", () => {
    const { output, text } = collect();
    output.line(`value: ${hostile}`);
    output.note(`note: ${hostile}`);
    output.table(["FIELD", "VALUE"], [[`key${hostile}`, hostile]]);
    output.fields([[`label${hostile}`, hostile]]);
    expect(text()).not.toMatch(activeCharacters);
    expect(text()).toContain(
      "ok\\u001b[31mRED\\u001b]0;title\\u0007\\rOVER\\u202eDESREVER\\u009b2J",
    );
    expect(text().split("\n")).toHaveLength(6);
  });

  it("keeps a line break of a value on one line, as \\n", () => {
    const { output, text } = collect();
    output.line("first\nforged second line");
    output.table(["A"], [["x\ny"]]);
    expect(text()).toBe("first\\nforged second line\nA\nx\\ny\n");
  });

  it("keeps its own colours while escaping the escape sequences inside a coloured value", () => {
    const previous = { force: process.env.FORCE_COLOR, no: process.env.NO_COLOR };
    process.env.FORCE_COLOR = "1";
    delete process.env.NO_COLOR;
    try {
      const { output, text } = collect(true);
      output.line(output.colors.red(`x\u001b[32my ${output.colors.bold("z")}`));
      output.table(["A", "B"], [[output.colors.cyan("a"), "b\u001b[2J"]]);
      expect(text()).toContain("\u001b[31mx\\u001b[32my \u001b[1mz\u001b[22m");
      expect(text()).toContain("\u001b[36ma\u001b[39m  b\\u001b[2J");
      expect(text()).not.toContain("\u001b[32m");
      expect(text()).not.toContain("\u001b[2J");
    } finally {
      if (previous.force === undefined) delete process.env.FORCE_COLOR;
      else process.env.FORCE_COLOR = previous.force;
      if (previous.no !== undefined) process.env.NO_COLOR = previous.no;
    }
  });

  it("writes JSON whose strings hold no character a terminal acts on, and that parses to the same value", () => {
    const { output, text } = collect();
    output.json({ value: hostile });
    expect(text()).not.toMatch(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(JSON.parse(text())).toEqual({ value: hostile });
  });
});
