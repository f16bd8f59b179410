import { describe, expect, it } from "vitest";
import { html } from "../../../src/http/console/html.js";

describe("html", () => {
  it("escapes every interpolation, joins arrays, keeps its own markup and drops nothing-values", () => {
    const subject = `CN=<script>alert("x")</script>,O='&'`;
    expect(html`<td title="${subject}">${subject}</td>`.text).toBe(
      "<td title=\"CN=&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;,O=&#39;&amp;&#39;\">CN=&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;,O=&#39;&amp;&#39;</td>",
    );
    expect(html`<ul>${["a<", "b"].map((x) => html`<li>${x}</li>`)}</ul>`.text).toBe("<ul><li>a&lt;</li><li>b</li></ul>");
    expect(html`${undefined}${null}${false}${0}`.text).toBe("0");
  });
});
