import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { escapeSlackText } from "../../adapters/slack/messages.ts";
import { listActiveRuns } from "../../src/ops/list-runs.ts";
import { acceptTriggerEvent } from "../../src/runs/intake.ts";
import { readCappedBody } from "../../src/server/read-capped-body.ts";
import { activeRunsText, runsShown, unmappedText, usageText } from "./answers.ts";
import { parseCommandText, type SlashCommandPayload, slashCommandSchema } from "./command.ts";
import type { SlackHandlerDeps } from "./deps.ts";
import { verifySlackSignature } from "./signature.ts";

export const slackCommandsPath = "/api/slack/commands";

/** A slash command's form is a few hundred bytes; anything much larger is not Slack's. */
const maxBodyBytes = 64 * 1024;

/**
 * POST /api/slack/commands: `/ai-dev status` and `/ai-dev implement owner/repo#12`. The signature is
 * checked on the raw body first, and a request that fails it is refused (401) and recorded nowhere.
 * Slack waits 3 s for an answer, so the answer is immediate and ephemeral: status reads the database;
 * implement commits the delivery with its request for the intake worker (which asks GitHub whether
 * the person may, and answers at the command's response_url) and only then says it was received.
 */
export function slackCommandsEndpoint(deps: SlackHandlerDeps) {
  const now = deps.now ?? (() => new Date());
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") !== slackCommandsPath)
      return false;
    if (req.method !== "POST") return answer(res, 405, { error: "only POST is allowed" });
    if (!/^\s*application\/x-www-form-urlencoded\s*(;|$)/i.test(req.headers["content-type"] ?? "")) {
      return answer(res, 415, { error: 'the Content-Type must be "application/x-www-form-urlencoded"' });
    }
    const read = await readCappedBody(req, maxBodyBytes);
    if (read.kind === "too_large") {
      res.once("finish", () => req.socket.destroy());
      return answer(res, 413, { error: `the body is larger than ${maxBodyBytes} bytes` });
    }
    const check = verifySlackSignature({
      signingSecret: deps.signingSecret,
      timestamp: header(req, "x-slack-request-timestamp"),
      signature: header(req, "x-slack-signature"),
      body: read.body,
      now: now(),
    });
    if (!check.ok) {
      deps.log.warn({ reason: check.reason }, "Slack command refused: not signed by Slack");
      return answer(res, 401, { error: check.reason });
    }
    const form = Object.fromEntries(new URLSearchParams(read.body.toString("utf8")));
    const parsed = slashCommandSchema.safeParse(form);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      deps.log.warn({ problems }, "signed Slack command of an unexpected shape refused");
      return answer(res, 400, { error: `not a slash command: ${problems}` });
    }
    const command = parsed.data;
    const login = Object.hasOwn(deps.users, command.user_id) ? deps.users[command.user_id] : undefined;
    if (!login) {
      deps.log.info({ slackUser: command.user_id }, "Slack command from an unmapped user refused");
      return ephemeral(res, unmappedText(deps.appName, command.user_id));
    }
    const request = parseCommandText(command.text);
    try {
      switch (request.kind) {
        case "help":
          return ephemeral(res, usageText(command.command, request.problem));
        case "status":
          return ephemeral(res, activeRunsText(await listActiveRuns(deps.db, runsShown + 1)));
        case "implement":
          return ephemeral(res, await acceptImplement(deps, read.body, command, login, request, req));
      }
    } catch (error) {
      deps.log.error({ err: error, slackUser: command.user_id }, "Slack command failed");
      return ephemeral(
        res,
        `${escapeSlackText(deps.appName)} could not take the command just now; try again.`,
      );
    }
  };
}

async function acceptImplement(
  deps: SlackHandlerDeps,
  body: Buffer,
  command: SlashCommandPayload,
  login: string,
  request: { owner: string; name: string; number: number },
  req: IncomingMessage,
): Promise<string> {
  const asked = `${request.owner}/${request.name}#${request.number}`;
  // trigger_id is unique per invocation: a request Slack sends again (X-Slack-Retry-Num) is the same delivery.
  const deliveryId = `slack:${command.trigger_id}`;
  const outcome = await acceptTriggerEvent(
    deps,
    {
      id: deliveryId,
      source: "slack",
      event: "slash_command.implement",
      installationId: null,
      repository: `${request.owner}/${request.name}`,
      digest: createHash("sha256").update(body).digest("hex"),
    },
    {
      kind: "chat_implement",
      event: "slack.slash_command",
      repository: { owner: request.owner, name: request.name },
      number: request.number,
      login,
      requester: `slack:${command.user_id}`,
      replyTo: command.response_url,
    },
  );
  deps.log.info(
    { deliveryId, slackUser: command.user_id, login, retry: header(req, "x-slack-retry-num"), outcome },
    "Slack implement command accepted for intake",
  );
  if (outcome !== "accepted") return `Already received: ${asked} is being looked at; the answer comes here.`;
  return `Received: ${asked} for @${login}. GitHub is asked whether you may start work there; the answer comes here in a moment.`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Seen only by the person who typed the command. */
function ephemeral(res: ServerResponse, text: string): boolean {
  return answer(res, 200, { response_type: "ephemeral", text });
}

function answer(res: ServerResponse, status: number, body: object): boolean {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
  return true;
}
