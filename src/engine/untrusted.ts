/**
 * Text from issues, comments and pull requests is written by anyone who can open an issue. It reaches
 * the model only inside a delimited block that the system prompt declares to be data; the text cannot
 * close the block early or hide instructions in characters a reviewer cannot see.
 */
const invisible = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD]/g;
const htmlComment = /<!--[\s\S]*?(-->|$)/g;
const fenceTag = /<\/?\s*untrusted-data/gi;

export function sanitizeUntrusted(text: string): string {
  return text
    .replace(htmlComment, "")
    .replace(invisible, "")
    .replace(fenceTag, (tag) => tag.replace("<", "&lt;"));
}

export function fenceUntrusted(value: unknown, label: string): string {
  const text =
    value === null || value === undefined
      ? ""
      : typeof value === "string"
        ? value
        : JSON.stringify(value, null, 2);
  const safeLabel = label.replace(/[^\w .:-]/g, "");
  return `<untrusted-data source="${safeLabel}">\n${sanitizeUntrusted(text)}\n</untrusted-data>`;
}
