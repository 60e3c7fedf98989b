# syntax=docker/dockerfile:1
# Build: compile TypeScript and the better-sqlite3 addon, then drop dev dependencies.
# The full image has python3, make and g++ for node-gyp; the runtime image is the slim one of the
# same Node release and Debian (bookworm), so the compiled addon matches its glibc and ABI.
FROM node:20.20.2-bookworm AS build
WORKDIR /app
# better-sqlite3 12 compiles from source here; the official images keep Node's headers in /usr/local.
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json .npmrc ./
# npm 10 can print "Exit handler never called!" and still exit 0: prove the addon loads.
RUN npm ci && node -e "new (require('better-sqlite3'))(':memory:').close()"
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev && node -e "new (require('better-sqlite3'))(':memory:').close()"

# Runtime: production dependencies and the compiled JavaScript only, as the non-root node user (uid 1000).
FROM node:20.20.2-bookworm-slim AS runtime
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
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000 9090
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
