/** How many runs a listing shows: by default, and at most (the CLI, the API and the query share them). */
export const defaultRunsListed = 20;
export const maxRunsListed = 200;
