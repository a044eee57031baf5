import type { ProviderConfigSchemas } from "../src/config/load.ts";
import { confluenceConfigSchema } from "./confluence/config.ts";
import { docsConfigSchema } from "./docs/config.ts";
import { githubConfigSchema } from "./github/config.ts";
import { jiraConfigSchema } from "./jira/config.ts";
import { linearConfigSchema } from "./linear/config.ts";
import { slackConfigSchema } from "./slack/config.ts";

/** Each provider's own settings schema, by the name used in `plugins.<slot>.provider`. */
export const providerConfigSchemas: ProviderConfigSchemas = {
  jira: jiraConfigSchema,
  linear: linearConfigSchema,
  github: githubConfigSchema,
  confluence: confluenceConfigSchema,
  docs: docsConfigSchema,
  slack: slackConfigSchema,
};
