import { markdownBlocks } from "../markdown/blocks.ts";

/**
 * Jira wiki markup (Data Center / Server's v2 rich text) as Markdown, for what the agent reads: headings,
 * lists, code and noformat blocks, bold, italics, monospace and links. The rest is kept as written.
 */
export function wikiToMarkdown(wiki: string): string {
  const out: string[] = [];
  const lines = wiki.replaceAll("\r\n", "\n").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const block = /^\s*\{(code|noformat)(?::([^}|]*))?[^}]*\}(.*)$/.exec(line);
    if (block) {
      const close = block[1] === "code" ? "{code}" : "{noformat}";
      const language = block[1] === "code" && block[2] && !block[2].includes("=") ? block[2] : "";
      const body: string[] = [];
      let rest = block[3] ?? "";
      while (!rest.includes(close)) {
        if (rest) body.push(rest);
        i++;
        if (i >= lines.length) break;
        rest = lines[i] ?? "";
      }
      const last = rest.slice(0, Math.max(0, rest.indexOf(close)));
      if (last) body.push(last);
      out.push(`\`\`\`${language}`, ...body, "```");
      continue;
    }
    const heading = /^h([1-6])\.\s+(.*)$/.exec(line);
    if (heading) {
      out.push(`${"#".repeat(Number(heading[1]))} ${inline(heading[2] ?? "")}`);
      continue;
    }
    const item = /^([*#-]+)\s+(.*)$/.exec(line);
    if (item) {
      const markers = item[1] ?? "*";
      const indent = "  ".repeat(markers.length - 1);
      out.push(`${indent}${markers.endsWith("#") ? "1." : "-"} ${inline(item[2] ?? "")}`);
      continue;
    }
    out.push(inline(line));
  }
  return out.join("\n").trim();
}

function inline(text: string): string {
  return text
    .replaceAll(/\{\{([^}]+)\}\}/g, "`$1`")
    .replaceAll(/\[([^|\]]+)\|([^\]]+)\]/g, "[$1]($2)")
    .replaceAll(/(^|[\s(])\*([^*\s][^*]*)\*(?=$|[\s.,;:!?)])/g, "$1**$2**")
    .replaceAll(/(^|[\s(])_([^_\s][^_]*)_(?=$|[\s.,;:!?)])/g, "$1*$2*");
}

/** Markdown as wiki markup, what Data Center's v2 API renders for a description or a comment. */
export function markdownToWiki(markdown: string): string {
  return markdownBlocks(markdown)
    .map((b) => {
      switch (b.kind) {
        case "heading":
          return `h${b.level}. ${wikiInline(b.text)}`;
        case "paragraph":
          return wikiInline(b.text);
        case "list":
          return b.items.map((item) => `${b.ordered ? "#" : "*"} ${wikiInline(item)}`).join("\n");
        default:
          return `{code${b.language ? `:${b.language}` : ""}}\n${b.text}\n{code}`;
      }
    })
    .join("\n\n");
}

function wikiInline(text: string): string {
  return text
    .replaceAll(/`([^`]+)`/g, "{{$1}}")
    .replaceAll(/\[([^\]]+)\]\(([^)\s]+)\)/g, "[$1|$2]")
    .replaceAll(/\*\*([^*]+)\*\*/g, "*$1*");
}
