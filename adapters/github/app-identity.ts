import { z } from "zod";
import type { GithubAccess } from "../../src/plugins/github-access.ts";

const appSchema = z.object({ slug: z.string().min(1) });
const userSchema = z.object({ id: z.number().int().positive() });

export interface AppIdentity {
  /** The app's slug: how GraphQL names its comments' author (REST says `slug[bot]`). */
  slug: string;
  /**
   * The identity its commits are authored with, as GitHub documents for apps: `slug[bot]` and the bot
   * user's `id+slug[bot]@users.noreply.github.com`, so GitHub shows them as the app's.
   */
  commitAuthor: { name: string; email: string };
}

const known = new WeakMap<GithubAccess, Promise<AppIdentity>>();

/**
 * The app's identity, asked of GitHub once per process: `GET /app` with the app's token, then its bot
 * user through an installation (a JWT reaches only the /app endpoints).
 */
export function appIdentity(github: GithubAccess, installationId: number): Promise<AppIdentity> {
  let identity = known.get(github);
  if (!identity) {
    identity = readIdentity(github, installationId);
    // A failed read is asked again next time rather than remembered.
    identity.catch(() => known.delete(github));
    known.set(github, identity);
  }
  return identity;
}

async function readIdentity(github: GithubAccess, installationId: number): Promise<AppIdentity> {
  const app = await github.appClient();
  const { slug } = appSchema.parse((await app.request("GET /app")).data);
  const login = `${slug}[bot]`;
  const installation = await github.client(installationId);
  const user = userSchema.parse(
    (await installation.request("GET /users/{username}", { username: login })).data,
  );
  return {
    slug,
    commitAuthor: { name: login, email: `${user.id}+${login}@users.noreply.github.com` },
  };
}
