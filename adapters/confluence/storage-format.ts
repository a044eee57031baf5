import { isSafeHref, markdownBlocks, markdownInlines } from "../markdown/blocks.ts";

/**
 * Markdown as Confluence storage format (XHTML): headings, paragraphs, lists, code blocks (the code macro)
 * and links; every other character is escaped, so text from an issue can never become markup.
 */
export function markdownToStorage(markdown: string): string {
  return markdownBlocks(markdown)
    .map((b) => {
      switch (b.kind) {
        case "heading":
          return `<h${b.level}>${inline(b.text)}</h${b.level}>`;
        case "paragraph":
          return `<p>${b.text.split("\n").map(inline).join("<br />")}</p>`;
        case "list": {
          const tag = b.ordered ? "ol" : "ul";
          return `<${tag}>${b.items.map((item) => `<li>${inline(item)}</li>`).join("")}</${tag}>`;
        }
        default: {
          const language = b.language
            ? `<ac:parameter ac:name="language">${escapeXml(b.language)}</ac:parameter>`
            : "";
          // CDATA cannot hold "]]>": split it across two sections.
          const body = b.text.replaceAll("]]>", "]]]]><![CDATA[>");
          return `<ac:structured-macro ac:name="code">${language}<ac:plain-text-body><![CDATA[${body}]]></ac:plain-text-body></ac:structured-macro>`;
        }
      }
    })
    .join("");
}

function inline(text: string): string {
  return markdownInlines(text)
    .map((part) => {
      switch (part.kind) {
        case "code":
          return `<code>${escapeXml(part.text)}</code>`;
        case "strong":
          return `<strong>${escapeXml(part.text)}</strong>`;
        case "em":
          return `<em>${escapeXml(part.text)}</em>`;
        case "link":
          return isSafeHref(part.href)
            ? `<a href="${escapeXml(part.href)}">${escapeXml(part.text)}</a>`
            : escapeXml(`${part.text} (${part.href})`);
        default:
          return escapeXml(part.text);
      }
    })
    .join("");
}

export function escapeXml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
