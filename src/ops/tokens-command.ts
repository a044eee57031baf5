import { z } from "zod";
import { databaseTargetFromEnv } from "../db/connect.ts";
import { UserFacingError } from "../errors.ts";
import { createdTokenSchema } from "./api/tokens-routes.ts";
import {
  type ApiToken,
  apiTokenSchema,
  createApiToken,
  listApiTokens,
  revokeApiToken,
  type tokenScopes,
} from "./api-tokens.ts";
import { requestApp } from "./app-runs-client.ts";
import { withDatabaseOrApp } from "./database-or-app.ts";

export type TokensCommand =
  | { kind: "create"; name: string; scope: (typeof tokenScopes)[number] }
  | { kind: "list"; json: boolean }
  | { kind: "revoke"; id: string };

/** `ai-dev tokens create|list|revoke`: the API's tokens, in the database or through the running app. */
export async function tokensCommand(
  command: TokensCommand,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const target = databaseTargetFromEnv(env);
  switch (command.kind) {
    case "create": {
      const scopes = [command.scope];
      const created = await withDatabaseOrApp(target, {
        readOnly: false,
        direct: (db) => createApiToken(db, { name: command.name, scopes }),
        viaApp: async (lock) => {
          const reply = await requestApp(lock, {
            method: "POST",
            path: "/tokens",
            body: { name: command.name, scopes },
          });
          return answered(reply, 201, createdTokenSchema);
        },
      });
      process.stdout.write(
        `${created.token}\n\nThe token "${created.record.name}" (${created.record.scopes.join(", ")}) is shown this once; it is stored as a digest. Send it as \`Authorization: Bearer <token>\`.\n`,
      );
      return;
    }
    case "list": {
      const tokens = await withDatabaseOrApp(target, {
        readOnly: true,
        direct: (db) => listApiTokens(db),
        viaApp: async (lock) => {
          const reply = await answered(await requestApp(lock, { path: "/tokens" }), 200, tokenListSchema);
          return reply.ok ? { ok: true, value: reply.value.tokens } : reply;
        },
      });
      process.stdout.write(command.json ? `${JSON.stringify({ tokens }, null, 2)}\n` : renderTokens(tokens));
      return;
    }
    case "revoke": {
      const revoked = await withDatabaseOrApp(target, {
        readOnly: false,
        direct: (db) => revokeApiToken(db, command.id),
        viaApp: async (lock) => {
          const reply = await requestApp(lock, {
            method: "DELETE",
            path: `/tokens/${encodeURIComponent(command.id)}`,
          });
          if (reply.ok && (reply.status === 204 || reply.status === 404))
            return { ok: true, value: reply.status === 204 };
          return reply.ok ? { ok: false, reason: `it answered HTTP ${reply.status}` } : reply;
        },
      });
      if (!revoked) {
        throw new UserFacingError(
          "token_not_found",
          `there is no live token ${command.id}; \`npx ai-dev tokens list\` shows them`,
        );
      }
      process.stdout.write(`Revoked ${command.id}: requests with it are refused from now on.\n`);
      return;
    }
  }
}

const tokenListSchema = z.object({ tokens: z.array(apiTokenSchema) });

function answered<T>(
  reply: Awaited<ReturnType<typeof requestApp>>,
  status: number,
  schema: z.ZodType<T>,
): { ok: true; value: T } | { ok: false; reason: string } {
  if (!reply.ok) return reply;
  if (reply.status !== status) return { ok: false, reason: `it answered HTTP ${reply.status}` };
  const parsed = schema.safeParse(reply.body);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, reason: "its answer is not the API's shape" };
}

function renderTokens(tokens: ApiToken[]): string {
  if (tokens.length === 0) return "No API tokens yet: `npx ai-dev tokens create --name NAME --scope read`.\n";
  const rows = tokens.map(
    (t) =>
      `${t.prefix}…  ${t.name.padEnd(20)}  ${t.scopes.join(",").padEnd(10)}  ${t.revokedAt ? `revoked ${t.revokedAt}` : `last used ${t.lastUsedAt ?? "never"}`}  ${t.id}`,
  );
  return `${["prefix        name                  scopes      state  id", ...rows].join("\n")}\n`;
}
