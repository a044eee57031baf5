# syntax=docker/dockerfile:1
# ai-dev: the GitHub App server and its workers, one image. `docker compose up` runs it with PostgreSQL
# (compose.yaml); the README's "Deployment" section says how to scale workers and what to back up.

# The production dependencies only: the devDependency `node` (Node 22 for Node 20 hosts) and the test
# tools stay out, the base image brings Node 22.
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:22-bookworm-slim
# git for the workspaces, bubblewrap for the agents' sandbox (commands are refused without it), tini so
# SIGTERM reaches the app and its shutdown grace is honoured.
RUN apt-get update \
  && apt-get install -y --no-install-recommends git bubblewrap ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json app.yml ./
COPY bin ./bin
COPY src ./src
COPY handlers ./handlers
COPY adapters ./adapters
COPY workflows ./workflows
COPY prompts ./prompts
COPY plugins ./plugins
COPY schemas ./schemas
# The app runs as the unprivileged `node` user; it writes only the embedded database (when there is no
# DATABASE_URL) and the workspaces, both under /data (a volume).
RUN mkdir -p /data/workspaces && chown -R node:node /data
USER node
ENV NODE_ENV=production \
  DATA_DIR=/data/db \
  AI_DEV_WORKSPACE_DIR=/data/workspaces \
  HOST=0.0.0.0 \
  PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "bin/ai-dev.js", "start"]
