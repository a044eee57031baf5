/**
 * Text from issues, comments, pull requests and repository files is written by anyone who can open an
 * issue or a pull request. It reaches the model only inside a delimited block that the system prompt
 * declares to be data; the text cannot close the block early or hide instructions in what a reviewer
 * does not see on GitHub: HTML comments, invisible, bidi and control characters, Unicode tag characters
 * (ASCII smuggling), image alt text, link titles and hidden HTML attributes. The rules follow
 * anthropics/claude-code-action's `src/github/utils/sanitizer.ts`; this is the app's one sanitizer.
 */
const invisible =
  /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\u00AD\u180E\u061C\u115F\u1160\u17B4\u17B5\u3164\uFFA0\uFFF9-\uFFFB]|\u034F|[\u{E0000}-\u{E007F}]/gu;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const controlCharacters = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const htmlComment = /<!--[\s\S]*?(-->|$)/g;
const imageAltText = /!\[[^\]]*\]\(/g;
const linkTitle = /(\[[^\]]*\]\([^)\s]+)\s+(?:"[^"]*"|'[^']*'|\([^)]*\))\s*\)/g;
const hiddenAttribute =
  /\s(?:alt|title|aria-label|aria-description|placeholder|data-[\w-]+)\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)/gi;
const htmlTag = /<[a-z][^<>]*>/gi;
const numericEntity = /&#(?:(\d+)|[xX]([0-9a-fA-F]+));/g;
const fenceTag = /<\/?\s*untrusted-data/gi;

/** `&#60;` and `&#x3c;` become the printable ASCII they stand for; any other numeric entity is dropped. */
function decodeNumericEntities(text: string): string {
  return text.replace(numericEntity, (_entity, decimal: string | undefined, hex: string | undefined) => {
    const code = decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex ?? "", 16);
    return code >= 32 && code <= 126 ? String.fromCharCode(code) : "";
  });
}

export function sanitizeUntrusted(text: string): string {
  return (
    decodeNumericEntities(text)
      .replace(htmlComment, "")
      .replace(invisible, "")
      .replace(controlCharacters, "")
      .replace(imageAltText, "![](")
      .replace(linkTitle, "$1)")
      // Attributes a browser does not show are stripped inside HTML tags only, never from prose.
      .replace(htmlTag, (tag) => tag.replace(hiddenAttribute, ""))
      .replace(fenceTag, (tag) => tag.replace("<", "&lt;"))
  );
}

export function fenceUntrusted(value: unknown, label: string): string {
  const text =
    value === null || value === undefined
      ? ""
      : typeof value === "string"
        ? value
        : JSON.stringify(value, null, 2);
  const safeLabel = label.replace(/[^\w .:/()-]/g, "");
  return `<untrusted-data source="${safeLabel}">\n${sanitizeUntrusted(text)}\n</untrusted-data>`;
}
