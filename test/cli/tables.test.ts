import { describe, expect, it } from "vitest";
import { formatRecord, formatTable, printable } from "../../src/cli/tables.js";

describe("formatTable", () => {
  it("aligns columns two spaces apart under the header, without trailing blanks", () => {
    const text = formatTable(
      ["NAME", "STATUS", "SUBJECT"],
      [
        ["user1", "new", "CN=user1"],
        ["a-much-longer-name", "issued", ""],
      ],
    );
    expect(text).toBe(
      "NAME                STATUS  SUBJECT\n" +
        "user1               new     CN=user1\n" +
        "a-much-longer-name  issued\n",
    );
  });

  it("counts code points, so non-ASCII cells stay in line", () => {
    const lines = formatTable(["SUBJECT", "X"], [["CN=Åsa Ödmark", "1"], ["CN=ab", "2"]]).split("\n");
    expect([...lines[1]!].indexOf("1")).toBe([...lines[0]!].indexOf("X"));
    expect([...lines[2]!].indexOf("2")).toBe([...lines[0]!].indexOf("X"));
  });

  it("prints only the header when there are no rows", () => {
    expect(formatTable(["A", "B"], [])).toBe("A  B\n");
  });
});

describe("formatRecord", () => {
  it("aligns labels, leaves out absent values, puts list items one per line", () => {
    const text = formatRecord([
      ["username", "user1"],
      ["subjectAltNames", ["DNS:a.example", "IP:192.0.2.7"]],
      ["revoked", undefined],
      ["certificates", []],
      ["count", 2],
    ]);
    expect(text).toBe(
      "username         user1\n" +
        "subjectAltNames  DNS:a.example\n" +
        "                 IP:192.0.2.7\n" +
        "certificates     -\n" +
        "count            2\n",
    );
  });

  it("is empty for no fields", () => {
    expect(formatRecord([["x", undefined]])).toBe("");
  });
});

describe("printable", () => {
  it("shows control characters from the server as escapes, not as terminal commands", () => {
    expect(printable("CN=evil\u001b[2J\r\nO=x\u0007\u009b")).toBe("CN=evil\\x1b[2J\\x0d\\x0aO=x\\x07\\x9b");
    expect(printable("CN=Åsa,O=Ünï")).toBe("CN=Åsa,O=Ünï");
  });

  it("applies to table cells and record values", () => {
    expect(formatTable(["A"], [["x\u001by"]])).toBe("A\nx\\x1by\n");
    expect(formatRecord([["a", "x\ny"]])).toBe("a  x\\x0ay\n");
  });
});
