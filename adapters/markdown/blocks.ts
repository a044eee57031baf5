/**
 * A small Markdown reader for what the agents write (headings, paragraphs, lists, fenced code, links,
 * inline code, bold and italics): the shared first half of every "Markdown to the vendor's format"
 * conversion. Anything else stays text, which each renderer escapes.
 */
export type Block =
  | { kind: "heading"; level: number; text: string }
  | { kind: "paragraph"; text: string }
  | { kind: "list"; ordered: boolean; items: string[] }
  | { kind: "code"; language: string; text: string };

export type Inline =
  | { kind: "text"; text: string }
  | { kind: "code"; text: string }
  | { kind: "strong"; text: string }
  | { kind: "em"; text: string }
  | { kind: "link"; text: string; href: string };

const bullet = /^\s*[-*+]\s+(.*)$/;
const numbered = /^\s*\d+[.)]\s+(.*)$/;
const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const fence = /^\s*(```|~~~)\s*([\w+-]*)\s*$/;

/**
 * Without the inline HTML GitHub renders as small print (`<sub>`, `<sup>`), which the app's comments use
 * for their footer: Jira, Confluence and Linear would show the tags as text. Their text stays.
 */
export function withoutSmallPrintTags(markdown: string): string {
  return markdown.replaceAll(/<\/?(?:sub|sup)>/gi, "");
}

export function markdownBlocks(markdown: string): Block[] {
  const lines = withoutSmallPrintTags(markdown).replaceAll("\r\n", "\n").split("\n");
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) blocks.push({ kind: "paragraph", text: paragraph.join("\n") });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const open = fence.exec(line);
    if (open) {
      flush();
      const body: string[] = [];
      for (i++; i < lines.length && !(lines[i] ?? "").trim().startsWith(open[1] ?? "```"); i++) {
        body.push(lines[i] ?? "");
      }
      blocks.push({ kind: "code", language: open[2] ?? "", text: body.join("\n") });
      continue;
    }
    const title = heading.exec(line);
    if (title) {
      flush();
      blocks.push({ kind: "heading", level: (title[1] ?? "#").length, text: title[2] ?? "" });
      continue;
    }
    const item = bullet.exec(line) ?? numbered.exec(line);
    if (item) {
      flush();
      const ordered = numbered.test(line);
      const last = blocks.at(-1);
      if (last?.kind === "list" && last.ordered === ordered) last.items.push(item[1] ?? "");
      else blocks.push({ kind: "list", ordered, items: [item[1] ?? ""] });
      continue;
    }
    if (line.trim() === "") {
      flush();
      continue;
    }
    paragraph.push(line.trim());
  }
  flush();
  return blocks;
}

const inlinePattern =
  /`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)|\*\*([^*]+)\*\*|__([^_]+)__|\*([^*\s][^*]*)\*|_([^_\s][^_]*)_/g;

export function markdownInlines(text: string): Inline[] {
  const out: Inline[] = [];
  let at = 0;
  for (const match of text.matchAll(inlinePattern)) {
    const index = match.index ?? 0;
    if (index > at) out.push({ kind: "text", text: text.slice(at, index) });
    const [whole, code, linkText, href, strong, strong2, em, em2] = match;
    if (code !== undefined) out.push({ kind: "code", text: code });
    else if (linkText !== undefined && href !== undefined) out.push({ kind: "link", text: linkText, href });
    else if ((strong ?? strong2) !== undefined) out.push({ kind: "strong", text: strong ?? strong2 ?? "" });
    else out.push({ kind: "em", text: em ?? em2 ?? "" });
    at = index + whole.length;
  }
  if (at < text.length) out.push({ kind: "text", text: text.slice(at) });
  return out;
}

/** Only http(s) and mailto links become links: a `javascript:` URL stays visible text. */
export function isSafeHref(href: string): boolean {
  return /^(https?:|mailto:)/i.test(href);
}
