// A small markdown renderer for idea notes: headings, paragraphs, lists, block quotes, fenced and inline code,
// emphasis, links and rules. Every piece of the input is HTML-escaped before any tag is added, and the only tags
// ever produced are the fixed ones below, so the result is safe to put into the page. Links keep only web,
// mail, in-page and relative addresses (no javascript:, data: or other schemes).

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** The address when a link may point at it; undefined for any other scheme or a malformed address. */
export function safeUrl(raw: string): string | undefined {
  const url = raw.trim();
  // Control characters and spaces inside a scheme ("java\tscript:") are how filters get fooled: refuse them.
  // eslint-disable-next-line no-control-regex
  if (url === "" || /[\u0000-\u0020\u007f-\u009f]/.test(url)) {
    return undefined;
  }
  if (/^(https?:\/\/|mailto:)/i.test(url)) {
    return url;
  }
  // Relative and in-page addresses: no scheme before the first '/', '?' or '#'.
  const beforePath = url.split(/[/?#]/, 1)[0] ?? "";
  return beforePath.includes(":") ? undefined : url;
}

// Every repeated part has an upper bound: the preview re-renders on each keystroke, and an unbounded lazy match
// would make text full of unclosed "**" or "[" quadratic (seconds for a 64 KiB note).
function emphasis(escaped: string): string {
  return escaped
    .replace(/\*\*([^\s*](?:[\s\S]{0,400}?[^\s*])?)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^\w])__([^\s_](?:[\s\S]{0,400}?[^\s_])?)__(?!\w)/g, "$1<strong>$2</strong>")
    .replace(/\*([^\s*](?:[^*]{0,400}?[^\s*])?)\*/g, "<em>$1</em>")
    .replace(/(^|[^\w])_([^\s_](?:[^_]{0,400}?[^\s_])?)_(?!\w)/g, "$1<em>$2</em>");
}

/**
 * Finds the next occurrence of `needle` at or after `from`, remembering the last answer: scanning for a closer
 * from every opener would be quadratic on text full of unclosed "[" or "`"; with the memory it is linear.
 */
function finder(text: string, needle: string): (from: number) => number {
  let searchedFrom = Number.POSITIVE_INFINITY;
  let found = -1;
  return (from) => {
    // The earlier answer holds while `from` lies between where that search started and what it found.
    if (from >= searchedFrom && (found === -1 || from <= found)) {
      return found;
    }
    searchedFrom = from;
    found = text.indexOf(needle, from);
    return found;
  };
}

function link(label: string, target: string): string | undefined {
  // [label](url) or [label](url "title"); anything else is not a link.
  const m = /^\s*(\S*)(?:\s+"[^"]*")?\s*$/.exec(target);
  if (m === null || label.includes("]") || label.includes("\n")) {
    return undefined;
  }
  const text = emphasis(escapeHtml(label));
  const url = safeUrl(m[1] ?? "");
  if (url === undefined) {
    return text;
  }
  return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${text === "" ? escapeHtml(url) : text}</a>`;
}

/** One line (or a joined paragraph) of inline markdown. */
export function renderInline(text: string): string {
  const nextTick = finder(text, "`");
  const nextClose = finder(text, "](");
  const nextParen = finder(text, ")");
  let out = "";
  let plain = 0;
  let i = 0;
  const flush = (end: number) => {
    out += emphasis(escapeHtml(text.slice(plain, end)));
  };
  while (i < text.length) {
    const c = text[i];
    if (c === "`") {
      const end = nextTick(i + 1);
      if (end > i + 1) {
        flush(i);
        out += `<code>${escapeHtml(text.slice(i + 1, end))}</code>`;
        i = end + 1;
        plain = i;
        continue;
      }
    } else if (c === "[") {
      const close = nextClose(i + 1);
      const paren = close === -1 ? -1 : nextParen(close + 2);
      if (close !== -1 && paren !== -1) {
        const html = link(text.slice(i + 1, close), text.slice(close + 2, paren));
        if (html !== undefined) {
          flush(i);
          out += html;
          i = paren + 1;
          plain = i;
          continue;
        }
      }
    }
    i++;
  }
  flush(text.length);
  return out;
}

const FENCE = /^\s{0,3}(```|~~~)/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const RULE = /^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/;
const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}\d{1,9}[.)]\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;

function isBlockStart(line: string): boolean {
  return FENCE.test(line) || HEADING.test(line) || RULE.test(line) || BULLET.test(line) || NUMBERED.test(line) || QUOTE.test(line);
}

export function markdownToHtml(source: string): string {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (line.trim() === "") {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence !== null) {
      const marker = fence[1] ?? "```";
      const code: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] ?? "").trimStart().startsWith(marker)) {
        code.push(lines[i] ?? "");
        i++;
      }
      i++; // the closing fence (or the end of the text)
      out.push(`<pre><code>${escapeHtml(code.join("\n"))}</code></pre>`);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading !== null) {
      const level = (heading[1] ?? "#").length;
      out.push(`<h${level}>${renderInline(heading[2] ?? "")}</h${level}>`);
      i++;
      continue;
    }
    if (RULE.test(line)) {
      out.push("<hr>");
      i++;
      continue;
    }
    const listKind = BULLET.test(line) ? BULLET : NUMBERED.test(line) ? NUMBERED : null;
    if (listKind !== null) {
      const items: string[] = [];
      while (i < lines.length) {
        const current = lines[i] ?? "";
        const item = listKind.exec(current);
        if (item !== null) {
          items.push(item[1] ?? "");
        } else if (current.trim() !== "" && /^\s+/.test(current) && items.length > 0 && !isBlockStart(current)) {
          // An indented line continues the item above it.
          items[items.length - 1] += ` ${current.trim()}`;
        } else {
          break;
        }
        i++;
      }
      const tag = listKind === BULLET ? "ul" : "ol";
      out.push(`<${tag}>${items.map((t) => `<li>${renderInline(t)}</li>`).join("")}</${tag}>`);
      continue;
    }
    if (QUOTE.test(line)) {
      const inner: string[] = [];
      let q: RegExpExecArray | null;
      while (i < lines.length && (q = QUOTE.exec(lines[i] ?? "")) !== null) {
        inner.push(q[1] ?? "");
        i++;
      }
      out.push(`<blockquote>${markdownToHtml(inner.join("\n"))}</blockquote>`);
      continue;
    }
    const paragraph: string[] = [];
    while (i < lines.length && (lines[i] ?? "").trim() !== "" && (paragraph.length === 0 || !isBlockStart(lines[i] ?? ""))) {
      paragraph.push((lines[i] ?? "").trim());
      i++;
    }
    out.push(`<p>${renderInline(paragraph.join(" "))}</p>`);
  }
  return out.join("\n");
}
