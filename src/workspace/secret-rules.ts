/**
 * Gitleaks-style rules for secrets a commit must never carry. Each rule names what it found; the
 * value itself is never repeated in a message.
 */
export interface SecretRule {
  id: string;
  description: string;
  regex: RegExp;
}

export const secretRules: readonly SecretRule[] = [
  {
    // GitHub's recommended pattern for both installation token formats: the classic 36 characters and
    // the stateless JWT (`ghs_<app id>_<header>.<payload>.<signature>`, ~520 characters, dots and
    // underscores; base64url may also hold `-`).
    id: "github-installation-token",
    description: "a GitHub App installation token (ghs_)",
    regex: /\bghs_[A-Za-z0-9._-]{36,}/,
  },
  {
    id: "github-token",
    description: "a GitHub token (ghp_, gho_, ghu_, ghr_)",
    regex: /\bgh[pour]_[A-Za-z0-9]{36,}/,
  },
  {
    id: "github-fine-grained-pat",
    description: "a GitHub fine-grained personal access token (github_pat_)",
    regex: /\bgithub_pat_[A-Za-z0-9_]{22,}/,
  },
  {
    id: "anthropic-api-key",
    description: "an Anthropic API key (sk-ant-)",
    regex: /\bsk-ant-[A-Za-z0-9]+-[A-Za-z0-9_-]{20,}/,
  },
  {
    id: "aws-access-key-id",
    description: "an AWS access key id",
    regex: /\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/,
  },
  {
    // A secret access key is 40 base64 characters with nothing to tell it apart, so it counts only next
    // to a name that says what it is (aws_secret_access_key = …, "SecretAccessKey": "…").
    id: "aws-secret-access-key",
    description: "an AWS secret access key",
    regex:
      /(?:aws|secret)[\w.-]{0,20}?(?:secret|access)[\w.-]{0,20}?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/i,
  },
  {
    id: "private-key",
    description: "a private key block",
    regex: /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----/,
  },
];

export interface SecretMatch {
  rule: string;
  description: string;
}

/**
 * Every rule one line breaks, plus the app's live secrets (installation tokens, the model key, the
 * webhook secret) by exact value, however they are formatted. Values under 8 characters are skipped:
 * they would match ordinary text.
 */
export function secretsInLine(line: string, liveSecrets: readonly string[] = []): SecretMatch[] {
  const found: SecretMatch[] = [];
  for (const rule of secretRules) {
    if (rule.regex.test(line)) found.push({ rule: rule.id, description: rule.description });
  }
  for (const secret of liveSecrets) {
    if (secret.length >= 8 && line.includes(secret)) {
      found.push({ rule: "live-secret", description: "the value of one of the app's live secrets" });
      break;
    }
  }
  return found;
}

const globalRules = secretRules.map((rule) => new RegExp(rule.regex.source, `${rule.regex.flags}g`));

/**
 * `text` with every match of the rules replaced: for what the app shows (the progress comment's
 * commands and paths), where a token the model typed must not appear. Live secrets are the logger's
 * scrubSecrets' job.
 */
export function redactSecretPatterns(text: string, replacement: string): string {
  let out = text;
  for (const regex of globalRules) out = out.replace(regex, replacement);
  return out;
}
