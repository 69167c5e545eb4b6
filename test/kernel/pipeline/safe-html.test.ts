import { describe, expect, it } from "vitest";
import { safeHtmlRenderer } from "../../../kernel/pipeline/safe-html.js";

describe("safe HTML for model text", () => {
  it("renders markdown and code fences", async () => {
    const html = await safeHtmlRenderer();
    expect(html("**bold** step")).toContain("<strong>bold</strong>");
    expect(html("```python\nx = 1 < 2\n```")).toMatch(/<code class="language-python">x = 1 &lt; 2/);
  });

  it("escapes raw HTML and script instead of passing it through", async () => {
    const html = await safeHtmlRenderer();
    const out = html("<script>alert(1)</script><img src=x onerror=alert(1)> <b onclick='x()'>hi</b>");
    expect(out).not.toMatch(/<script|<img|<b /);
    expect(out).toContain("&lt;script");
  });

  it("keeps only http(s) and mailto links, and drops images", async () => {
    const html = await safeHtmlRenderer();
    expect(html("[a](javascript:alert(1))")).not.toContain("href");
    expect(html("[a](data:text/html,x)")).not.toContain("href");
    expect(html("[docs](https://example.org/x)")).toContain('href="https://example.org/x"');
    expect(html("![alt text](https://example.org/i.png)")).not.toContain("<img");
  });
});
