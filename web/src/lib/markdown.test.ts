import { describe, expect, it } from "vitest";
import { escapeHtml, markdownToHtml, renderInline, safeUrl } from "./markdown";

describe("markdownToHtml", () => {
  it("renders headings, paragraphs, lists, quotes, rules and code", () => {
    const md = [
      "# Title",
      "### Small ##",
      "",
      "First line",
      "second line.",
      "",
      "- one",
      "* two",
      "  continued",
      "",
      "1. first",
      "2) second",
      "",
      "> quoted *text*",
      "",
      "---",
      "```ts",
      "const a = 1 < 2 && b;",
      "# not a heading",
      "```",
    ].join("\n");
    expect(markdownToHtml(md)).toBe(
      [
        "<h1>Title</h1>",
        "<h3>Small</h3>",
        "<p>First line second line.</p>",
        "<ul><li>one</li><li>two continued</li></ul>",
        "<ol><li>first</li><li>second</li></ol>",
        "<blockquote><p>quoted <em>text</em></p></blockquote>",
        "<hr>",
        "<pre><code>const a = 1 &lt; 2 &amp;&amp; b;\n# not a heading</code></pre>",
      ].join("\n"),
    );
  });

  it("renders emphasis, inline code and links", () => {
    expect(renderInline("**bold**, *em*, _em_, __strong__ and `a*b*c` [site](https://example.com/a_b_c)")).toBe(
      '<strong>bold</strong>, <em>em</em>, <em>em</em>, <strong>strong</strong> and <code>a*b*c</code> <a href="https://example.com/a_b_c" target="_blank" rel="noopener noreferrer">site</a>',
    );
    expect(renderInline("snake_case_name stays")).toBe("snake_case_name stays");
    expect(renderInline("2 * 3 * 4")).toBe("2 * 3 * 4");
  });

  it("stays fast on 64 KiB of unclosed openers (the preview renders on every keystroke)", () => {
    // Scanning for a closer from every opener took seconds here; the memoised scan takes milliseconds.
    for (const unit of ["[](", "[", "**a ", "__a ", "`a "]) {
      const text = unit.repeat(Math.floor(65536 / unit.length));
      const started = performance.now();
      markdownToHtml(text);
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });

  it("renders links with titles, and leaves broken link syntax as text", () => {
    expect(renderInline('[a](/x "the title")')).toBe('<a href="/x" target="_blank" rel="noopener noreferrer">a</a>');
    expect(renderInline("[a] b](/x)")).toBe("[a] b](/x)");
    expect(renderInline("[a](/x y z)")).toBe("[a](/x y z)");
    expect(renderInline("[](https://x.test)")).toBe('<a href="https://x.test" target="_blank" rel="noopener noreferrer">https://x.test</a>');
    expect(renderInline("`a` and `b` and `c")).toBe("<code>a</code> and <code>b</code> and `c");
  });

  it("closes an unterminated code fence at the end", () => {
    expect(markdownToHtml("```\n<b>x</b>")).toBe("<pre><code>&lt;b&gt;x&lt;/b&gt;</code></pre>");
  });
});

const ALLOWED_TAG = /^(<\/?(h[1-6]|p|ul|ol|li|blockquote|pre|code|strong|em|a)>|<hr>|<a href="[^"<>]*" target="_blank" rel="noopener noreferrer">)$/;

describe("markdown escaping (XSS)", () => {
  const attacks = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "# <svg onload=alert(1)>",
    "- <iframe src=javascript:alert(1)>",
    "> <a href='javascript:alert(1)'>x</a>",
    "**<b onmouseover=alert(1)>x</b>**",
    "`</code><script>alert(1)</script>`",
    "```\n</code></pre><script>alert(1)</script>\n```",
    '[x](https://ok.example/"onmouseover="alert(1))',
    "[<img src=x onerror=alert(1)>](https://ok.example)",
  ];

  it.each(attacks)("never lets markup through: %s", (input) => {
    const html = markdownToHtml(input);
    // Every '<' of the input is escaped, so each tag in the output is one of the renderer's own, whole and
    // with no attribute other than a link's quoted (escaped) address.
    const tags = html.match(/<[^>]*>?/g) ?? [];
    expect(tags.length).toBeGreaterThan(0);
    for (const tag of tags) {
      expect(tag).toMatch(ALLOWED_TAG);
    }
    expect(html).not.toMatch(/<(script|img|svg|iframe|b )/i);
  });

  it("drops links to javascript:, data: and vbscript: (also disguised)", () => {
    for (const url of ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "data:text/html,<script>", "vbscript:x"]) {
      expect(safeUrl(url)).toBeUndefined();
    }
    expect(renderInline("[click](javascript:alert(1))")).toBe("click)");
    expect(renderInline("[click](data:text/html;base64,PHNjcmlwdD4=)")).toBe("click");
  });

  it("keeps web, mail, in-page and relative links", () => {
    for (const url of ["https://example.com", "http://x.test/a?b=c#d", "mailto:a@b.c", "#/tasks/4", "/docs", "./a.md", "notes/today.md"]) {
      expect(safeUrl(url)).toBe(url);
    }
    expect(renderInline("[a](https://x.test/?a=1&b=2)")).toBe('<a href="https://x.test/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">a</a>');
  });

  it("has a tag check that does catch foreign markup", () => {
    for (const tag of ["<img src=x>", '<a href="x" onclick="y">', "<p onclick=x>", "<script>"]) {
      expect(tag).not.toMatch(ALLOWED_TAG);
    }
  });

  it("escapes the five HTML-significant characters", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});
