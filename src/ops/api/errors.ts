import { z } from "@hono/zod-openapi";

/** Every error the API answers: what is wrong, and for a bad request each field's problem. */
export const apiErrorSchema = z
  .object({
    error: z.string(),
    fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Error");

const errorAnswer = (description: string) => ({
  description,
  content: { "application/json": { schema: apiErrorSchema } },
});

/** The answers every authenticated route may give besides its own. */
export const errorResponses = {
  400: errorAnswer("Bad input: the fields and what is wrong with each"),
  401: errorAnswer("Missing or unknown bearer token"),
  403: errorAnswer("The token lacks the scope"),
  429: errorAnswer("Over the token's rate limit (Retry-After says when to come back)"),
};

export const notFoundResponse = { 404: errorAnswer("No such thing") };
export const conflictResponse = (description: string) => ({ 409: errorAnswer(description) });
