import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import path from "node:path";

/** Linear's answers as the adapter's own tests give them (test/fixtures/linear: see its README). */
const fixtures = path.join(import.meta.dirname, "..", "..", "test", "fixtures", "linear");
const fixture = (name: string) =>
  JSON.parse(readFileSync(path.join(fixtures, name), "utf8")) as {
    data: Record<string, Record<string, unknown>>;
  };

export interface LinearOperation {
  /** The operation's name (AiDevIssue, AiDevComment…). */
  name: string;
  variables: Record<string, unknown>;
}

/**
 * Linear's GraphQL API for one issue, as far as a run reaches it: read, moved between its team's
 * workflow states, commented on (comments keep the id the client chose) and given attachments. A local
 * HTTP server rather than nock, so an app in another process reaches it as it would api.linear.app.
 */
export class FakeLinear {
  readonly operations: LinearOperation[] = [];
  readonly comments: { id: string; issueId: string; body: string }[] = [];
  readonly attachments: { issueId: string; url: string; title?: string }[] = [];
  readonly stateHistory: string[] = [];
  #server: Server | undefined;
  port = 0;

  constructor(
    /** The issue's workflow states, by name: the team's states answer lists them. */
    readonly states: readonly string[],
    public state: string,
    /** The issue as `query AiDevIssue` answers it (test/fixtures/linear/issue.json by default). */
    readonly issue: Record<string, unknown> = fixture("issue.json").data.issue ?? {},
  ) {}

  /** The GraphQL endpoint, for the Linear plugin's connection.api_url. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/graphql`;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      void readBody(req).then((text) => {
        const body = JSON.parse(text || "{}") as { query?: string; variables?: Record<string, unknown> };
        const name = /(?:query|mutation)\s+(\w+)/.exec(body.query ?? "")?.[1] ?? "unknown";
        const variables = body.variables ?? {};
        this.operations.push({ name, variables });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(this.#answer(name, variables)));
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    const address = this.#server.address();
    this.port = typeof address === "object" && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => (this.#server ? this.#server.close(resolve) : resolve(undefined)));
  }

  #stateId(name: string): string {
    return `00000000-0000-4000-8000-${String(this.states.indexOf(name)).padStart(12, "0")}`;
  }

  #answer(name: string, variables: Record<string, unknown>): unknown {
    const input = (variables.input ?? {}) as Record<string, string>;
    switch (name) {
      case "AiDevIssue":
        return { data: { issue: { ...this.issue, state: { name: this.state } } } };
      case "AiDevIssueStates": {
        const answer = fixture("issue-states.json");
        const nodes = this.states.map((state) => ({ id: this.#stateId(state), name: state }));
        return {
          data: {
            issue: { ...answer.data.issue, state: { name: this.state }, team: { states: { nodes } } },
          },
        };
      }
      case "AiDevMoveIssue": {
        const target = this.states.find((s) => this.#stateId(s) === variables.stateId);
        if (!target) return fixture("error.not-found.json");
        this.state = target;
        this.stateHistory.push(target);
        const answer = fixture("issue-update.json");
        const issueUpdate = answer.data.issueUpdate ?? {};
        return {
          data: {
            issueUpdate: {
              ...issueUpdate,
              issue: { ...(issueUpdate.issue as object), state: { name: target } },
            },
          },
        };
      }
      case "AiDevCommentById": {
        const found = this.comments.find((c) => c.id === variables.id);
        return found
          ? { data: { comment: { id: found.id, url: `${this.issue.url}#comment-${found.id}` } } }
          : fixture("error.not-found.json");
      }
      case "AiDevComment": {
        const id = input.id ?? `comment-${this.comments.length + 1}`;
        this.comments.push({ id, issueId: input.issueId ?? "", body: input.body ?? "" });
        const answer = fixture("comment-create.json");
        return {
          data: {
            commentCreate: {
              ...answer.data.commentCreate,
              comment: { id, url: `${this.issue.url}#comment-${id}` },
            },
          },
        };
      }
      case "AiDevAttachment": {
        this.attachments.push({
          issueId: input.issueId ?? "",
          url: input.url ?? "",
          ...(input.title ? { title: input.title } : {}),
        });
        const answer = fixture("attachment-create.json");
        const created = answer.data.attachmentCreate ?? {};
        return {
          data: {
            attachmentCreate: {
              ...created,
              attachment: { ...(created.attachment as object), url: input.url },
            },
          },
        };
      }
      default:
        return fixture("error.not-found.json");
    }
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
