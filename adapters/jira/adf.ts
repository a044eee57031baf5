import { type Inline, isSafeHref, markdownBlocks, markdownInlines } from "../markdown/blocks.ts";

/** An Atlassian Document Format node, as Jira Cloud's v3 API reads and writes rich text. */
export interface AdfNode {
  type: string;
  text?: string;
  content?: AdfNode[];
  attrs?: Record<string, unknown>;
  marks?: { type: string; attrs?: Record<string, unknown> }[];
}

/** ADF as Markdown text: what the agent reads of a Cloud issue's description and comments. */
export function adfToMarkdown(node: unknown): string {
  if (typeof node === "string") return node;
  if (!isNode(node)) return "";
  return block(node)
    .replaceAll(/\n{3,}/g, "\n\n")
    .trim();
}

function block(node: AdfNode, depth = 0): string {
  const children = node.content ?? [];
  switch (node.type) {
    case "doc":
      return children.map((c) => block(c, depth)).join("\n\n");
    case "paragraph":
      return inlines(children);
    case "heading":
      return `${"#".repeat(Number(node.attrs?.level ?? 1))} ${inlines(children)}`;
    case "bulletList":
    case "orderedList":
      return children
        .map((item, i) => {
          const marker = node.type === "orderedList" ? `${i + 1}.` : "-";
          const body = (item.content ?? []).map((c) => block(c, depth + 1)).join("\n");
          return `${"  ".repeat(depth)}${marker} ${body}`;
        })
        .join("\n");
    case "codeBlock": {
      const language = typeof node.attrs?.language === "string" ? node.attrs.language : "";
      return `\`\`\`${language}\n${children.map((c) => c.text ?? "").join("")}\n\`\`\``;
    }
    case "blockquote":
      return children.map((c) => `> ${block(c, depth)}`).join("\n");
    case "rule":
      return "---";
    default:
      // Panels, tables, expands, media: their text is what the reader needs.
      return node.text !== undefined ? inline(node) : children.map((c) => block(c, depth)).join("\n");
  }
}

function inlines(nodes: AdfNode[]): string {
  return nodes.map(inline).join("");
}

function inline(node: AdfNode): string {
  if (node.type === "hardBreak") return "\n";
  if (node.type === "mention") return String(node.attrs?.text ?? "@someone");
  if (node.type === "emoji") return String(node.attrs?.text ?? node.attrs?.shortName ?? "");
  if (node.type === "inlineCard") return String(node.attrs?.url ?? "");
  if (node.type !== "text") return inlines(node.content ?? []);
  let text = node.text ?? "";
  for (const mark of node.marks ?? []) {
    if (mark.type === "code") text = `\`${text}\``;
    else if (mark.type === "strong") text = `**${text}**`;
    else if (mark.type === "em") text = `*${text}*`;
    else if (mark.type === "link" && typeof mark.attrs?.href === "string")
      text = `[${text}](${mark.attrs.href})`;
  }
  return text;
}

/** Markdown as an ADF document: what Cloud's v3 API takes for a description or a comment. */
export function markdownToAdf(markdown: string): AdfNode {
  const content: AdfNode[] = markdownBlocks(markdown).map((b) => {
    switch (b.kind) {
      case "heading":
        return { type: "heading", attrs: { level: b.level }, content: adfInlines(b.text) };
      case "paragraph":
        return { type: "paragraph", content: adfInlines(b.text) };
      case "list":
        return {
          type: b.ordered ? "orderedList" : "bulletList",
          content: b.items.map((item) => ({
            type: "listItem",
            content: [{ type: "paragraph", content: adfInlines(item) }],
          })),
        };
      default:
        return {
          type: "codeBlock",
          ...(b.language ? { attrs: { language: b.language } } : {}),
          content: b.text ? [{ type: "text", text: b.text }] : [],
        };
    }
  });
  return { type: "doc", version: 1, content } as AdfNode;
}

function adfInlines(text: string): AdfNode[] {
  const out: AdfNode[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (i > 0) out.push({ type: "hardBreak" });
    for (const part of markdownInlines(line)) {
      if (part.text !== "") out.push(adfText(part));
    }
  });
  return out;
}

function adfText(part: Inline): AdfNode {
  switch (part.kind) {
    case "code":
      return { type: "text", text: part.text, marks: [{ type: "code" }] };
    case "strong":
      return { type: "text", text: part.text, marks: [{ type: "strong" }] };
    case "em":
      return { type: "text", text: part.text, marks: [{ type: "em" }] };
    case "link":
      return isSafeHref(part.href)
        ? { type: "text", text: part.text, marks: [{ type: "link", attrs: { href: part.href } }] }
        : { type: "text", text: `${part.text} (${part.href})` };
    case "text":
      return { type: "text", text: part.text };
  }
}

function isNode(value: unknown): value is AdfNode {
  return (
    typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string"
  );
}
