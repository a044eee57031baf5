import { getPrivateKey } from "@probot/get-private-key";
import { z } from "zod";

/** Process settings that belong to the deployment, not to the product's behaviour: Probot's own names. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().optional(),
  APP_ID: z.string().regex(/^\d+$/, "must be the numeric GitHub App id").optional(),
  WEBHOOK_SECRET: z.string().min(1).optional(),
  WEBHOOK_PATH: z.string().startsWith("/").default("/api/github/webhooks"),
  GHE_HOST: z.string().optional(),
  GHE_PROTOCOL: z.enum(["http", "https"]).default("https"),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  LOG_FORMAT: z.enum(["json", "pretty"]).optional(),
  NODE_ENV: z.string().optional(),
  DRY_RUN: z
    .enum(["true", "false", "1", "0", ""])
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  AI_DEV_SHUTDOWN_GRACE_SECONDS: z.coerce.number().positive().max(3600).default(30),
  AI_DEV_RUN_HEARTBEAT_SECONDS: z.coerce.number().int().min(10).max(3600).default(30),
});

export interface ServerSettings {
  port: number;
  host: string | undefined;
  appId: number | undefined;
  privateKey: string | undefined;
  webhookSecret: string | undefined;
  webhookPath: string;
  /** The GitHub REST base URL: github.com, or GitHub Enterprise Server (and the tests' local fake). */
  githubBaseUrl: string;
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  logFormat: "json" | "pretty";
  production: boolean;
  dryRun: boolean;
  /** On SIGTERM, how long running steps get to stop and be persisted before the process exits. */
  shutdownGraceSeconds: number;
  /** How long a worker may go silent before its runs are resumed by another worker. */
  runHeartbeatSeconds: number;
}

export function serverSettingsFromEnv(env: NodeJS.ProcessEnv): ServerSettings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `environment ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === "production";
  return {
    port: e.PORT,
    host: e.HOST,
    appId: e.APP_ID ? Number(e.APP_ID) : undefined,
    privateKey: getPrivateKey({ env }) ?? undefined,
    webhookSecret: e.WEBHOOK_SECRET,
    webhookPath: e.WEBHOOK_PATH,
    githubBaseUrl: e.GHE_HOST ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}/api/v3` : "https://api.github.com",
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (production ? "json" : "pretty"),
    production,
    dryRun: e.DRY_RUN,
    shutdownGraceSeconds: e.AI_DEV_SHUTDOWN_GRACE_SECONDS,
    runHeartbeatSeconds: e.AI_DEV_RUN_HEARTBEAT_SECONDS,
  };
}

/** Environment values that are secrets wherever they appear, whatever key they travel under. */
export function secretsFromEnv(env: NodeJS.ProcessEnv): string[] {
  const names = ["WEBHOOK_SECRET", "PRIVATE_KEY", "ANTHROPIC_API_KEY", "GITHUB_TOKEN", "AI_DEV_API_TOKEN"];
  const values = names.map((n) => env[n]).filter((v): v is string => Boolean(v && v.length >= 4));
  const password = env.DATABASE_URL ? passwordOf(env.DATABASE_URL) : undefined;
  if (password) values.push(password);
  return values;
}

function passwordOf(url: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password.length >= 4 ? password : undefined;
  } catch {
    return undefined;
  }
}
