# One image for the four programs; PROGRAM (gateway, users, products or orders) picks which one runs.
#
#   docker build --build-arg PROGRAM=users -t api-gateway-users .
#   docker run --rm -e DATABASE_URL=... api-gateway-users
#   docker run --rm api-gateway-users orders     # an argument overrides PROGRAM
#
# Stages: `manifests` holds only the package files, so the two npm layers below are rebuilt only
# when a dependency changes, not on every source edit. `prod-deps` installs the production
# dependencies; `build` installs everything and compiles; `runtime` takes node_modules from the
# first and dist/ from the second, and nothing else that a program does not read.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
# Every workspace's package.json, test/e2e's included: `npm ci` refuses a lockfile that names a
# workspace it cannot find.
COPY packages/micro/package.json packages/micro/
COPY packages/proto/package.json packages/proto/
COPY packages/database/package.json packages/database/
# begin generated manifests (npm run deploy:generate)
COPY services/orders/package.json services/orders/
COPY services/products/package.json services/products/
COPY services/users/package.json services/users/
# end generated manifests
COPY gateway/package.json gateway/
COPY cli/package.json cli/
COPY test/e2e/package.json test/e2e/
COPY bench/package.json bench/

FROM manifests AS prod-deps
# --omit=dev drops TypeScript, the type packages and pino-pretty; the workspace links
# (node_modules/@gw/* -> ../../packages/...) are relative, so they resolve again once the runtime
# stage puts dist/ beside each package.json. No dependency has an install script, and refusing
# them keeps a compromised package from running code at build time.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM manifests AS build
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json ./
COPY packages packages
COPY services services
COPY gateway gateway
# The four programs and what they reference; test/e2e is not built (nothing in it ships).
# begin generated build (npm run deploy:generate)
RUN node_modules/.bin/tsc -b gateway services/orders services/products services/users
# end generated build

FROM ${NODE_IMAGE} AS runtime
# The safe default: under production the gateway refuses the repository's public development JWT
# secret. docker-compose.yml, a development setup, overrides it for the gateway.
ENV NODE_ENV=production
WORKDIR /app
# Files stay owned by root and read-only to the program: a compromised process cannot rewrite
# its own code.
COPY --from=prod-deps /app ./
COPY --from=build /app/packages/micro/dist packages/micro/dist
COPY --from=build /app/packages/proto/dist packages/proto/dist
COPY --from=build /app/packages/database/dist packages/database/dist
# begin generated dist (npm run deploy:generate)
COPY --from=build /app/services/orders/dist services/orders/dist
COPY --from=build /app/services/products/dist services/products/dist
COPY --from=build /app/services/users/dist services/users/dist
# end generated dist
COPY --from=build /app/gateway/dist gateway/dist
# The dashboard's page, script and style, read at start through new URL("../../assets/dashboard/", import.meta.url).
COPY gateway/assets gateway/assets
# Read at start through new URL("../migrations/", import.meta.url), so beside dist/ as in the repo.
# begin generated assets (npm run deploy:generate)
COPY services/orders/migrations services/orders/migrations
COPY services/products/migrations services/products/migrations
COPY services/products/seeds services/products/seeds
COPY services/users/migrations services/users/migrations
COPY services/users/seeds services/users/seeds
# end generated assets
COPY deploy/entrypoint.mjs deploy/entrypoint.mjs
# PGlite's folder, for running the image without DATABASE_URL (compose and Kubernetes set it).
RUN mkdir /data && chown 1000:1000 /data
ENV DATA_DIR=/data

ARG PROGRAM=gateway
ENV PROGRAM=${PROGRAM}
# gateway HTTP; a service's RPC; a service's admin port (/health, /ready, /metrics).
EXPOSE 8080 9000 9090
# The image's `node` user, by number: Kubernetes can check runAsNonRoot only against a numeric USER.
USER 1000:1000
# Signals: exec form, so node itself is PID 1 and `docker stop` / the kubelet's SIGTERM reaches
# the program directly (a `sh -c` wrapper without `exec`, or `npm start`, would swallow it and be
# killed after the grace period instead of draining). PID 1 gets no default signal actions from
# the kernel, which is harmless here because every program installs its own SIGTERM and SIGINT
# handlers, and no program leaves child processes behind (PGlite's one-off initdb child is
# awaited), so there are no zombies for an init such as tini to reap.
# The entry script imports the selected main.js in the same process rather than spawning it.
ENTRYPOINT ["node", "deploy/entrypoint.mjs"]
