import { writeFileSync } from "node:fs";
import path from "node:path";
import { jsonSchemas } from "./json-schemas.ts";

// `npm run schema`: rewrites schemas/*.json; a test fails when they fall behind the zod schemas.
const dir = path.join(import.meta.dirname, "..", "schemas");
for (const [file, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(path.join(dir, file), `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote schemas/${file}\n`);
}
