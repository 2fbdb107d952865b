# Arca server image (used by docker-compose.cluster.yml). Two stages: compile TypeScript with the
# dev dependencies, then ship only dist/src, dist/ui and the production dependencies, running as `node`.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
COPY ui ./ui
COPY scripts/build-ui.mjs ./scripts/build-ui.mjs
RUN npx tsc -p tsconfig.json && node scripts/build-ui.mjs && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/src ./dist/src
# The web UI's files, served at /ui/ when the config says `ui = true`.
COPY --from=build /src/dist/ui ./dist/ui
RUN mkdir -p /arca/data /arca/config && chown -R node:node /arca
USER node
VOLUME ["/arca/data"]
# 8200: HTTP API; 8201: cluster (Noise) traffic between nodes.
EXPOSE 8200 8201
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["server", "-config=/arca/config/arca.hcl"]
