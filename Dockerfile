# syntax=docker/dockerfile:1
# Build: compile TypeScript, then drop dev dependencies. better-sqlite3 13 ships prebuilt addons
# for Node 24 inside its package; the full image still has python3, make and g++ should it need to
# compile. The runtime image is the slim one of the same Node release and Debian (bookworm), so the
# addon matches its glibc and ABI.
FROM node:24.21.0-bookworm AS build
WORKDIR /app
# The official images keep Node's headers in /usr/local, for a compile from source.
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json .npmrc ./
# Prove the addon loads before going on (an install can print an error and still exit 0).
RUN npm ci && node -e "new (require('better-sqlite3'))(':memory:').close()"
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev && node -e "new (require('better-sqlite3'))(':memory:').close()"

# Runtime: production dependencies and the compiled JavaScript only, as the non-root node user (uid 1000).
FROM node:24.21.0-bookworm-slim AS runtime
# A smaller young generation (8 MiB semi-spaces, V8's default is 16): a webhook's garbage dies
# young, and resident memory under load stays ~20 MB lower (BENCHMARKS.md). Same flag as `npm start`.
ENV NODE_ENV=production \
    PORT=3000 \
    ADMIN_PORT=9090 \
    DATA_DIR=/data \
    NODE_OPTIONS=--max-semi-space-size=8
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The console's stylesheet and icon, served by the service itself.
COPY public ./public
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
USER node
VOLUME ["/data"]
EXPOSE 3000 9090
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
