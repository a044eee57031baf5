import { existsSync, realpathSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { UserFacingError } from "../../src/errors.ts";
import type { DocumentationAdapter } from "../../src/plugins/documentation.ts";
import type { DocsConfig } from "./config.ts";

export { docsConfigSchema } from "./config.ts";

export interface DocsAdapterOptions {
  settings: DocsConfig;
  /** The run's worktree: the page is written there, and the workflow's commit step carries it to the branch. */
  worktree: string;
}

/** A file name from a title: lower case, ASCII letters, digits and dashes. */
export function slugOf(title: string): string {
  const slug = title
    .normalize("NFKD")
    .replaceAll(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replaceAll(/[^a-z0-9]+/g, "-")
    .replaceAll(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/, "");
  return slug || "page";
}

/**
 * The documentation slot for teams without Confluence: update_page writes `<directory>/<slug>.md` in the
 * run's worktree. It never commits by itself; the workflow's commit step after it puts the page on the
 * run's branch, so the page reaches the repository through the pull request like every other change.
 */
export function docsDocumentation(options: DocsAdapterOptions): DocumentationAdapter {
  return {
    async update_page({ title, content, page_id }) {
      const root = realpathSync(options.worktree);
      const directory = path.resolve(root, options.settings.directory);
      if (!isInside(root, directory)) {
        throw new UserFacingError(
          "docs_outside_worktree",
          `write the page "${title}": the docs directory "${options.settings.directory}" leaves the repository; set plugins.documentation config.directory to a path inside it, such as docs`,
        );
      }
      const name = page_id ?? `${slugOf(title)}.md`;
      const file = path.resolve(directory, name);
      if (!isInside(directory, file) || !file.endsWith(".md")) {
        throw new UserFacingError(
          "docs_outside_worktree",
          `write the page "${title}": "${name}" is not a Markdown file inside ${options.settings.directory}`,
        );
      }
      await mkdir(directory, { recursive: true });
      // A symlinked directory could point anywhere: check where it really is before writing.
      if (
        !isInside(root, realpathSync(directory)) ||
        (existsSync(file) && !isInside(root, realpathSync(file)))
      ) {
        throw new UserFacingError(
          "docs_outside_worktree",
          `write the page "${title}": ${options.settings.directory} links outside the repository; the page was not written`,
        );
      }
      const text = /^#\s/.test(content.trimStart()) ? content : `# ${title}\n\n${content}`;
      const body = text.endsWith("\n") ? text : `${text}\n`;
      const created = !existsSync(file);
      if (created || (await readFile(file, "utf8")) !== body) await writeFile(file, body, "utf8");
      const relative = path.relative(root, file).split(path.sep).join("/");
      return { page_id: path.relative(directory, file).split(path.sep).join("/"), url: relative, created };
    },
  };
}

function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}
