# syntax=docker/dockerfile:1
# One image for the nightly job and the HTTP service:
#   docker build -t mirt-calibrate .
#   docker run --rm -e DATABASE_URL=postgresql://... mirt-calibrate          # the job (run)
#   docker run --rm -p 8000:8000 -e R_IRT_INTERNAL_TOKEN=... mirt-calibrate serve   # the service
#   docker run --rm -v "$PWD:/work" mirt-calibrate fit --input /work/responses.csv

# The base image of both stages: Node.js 26, the Active LTS line since 2026-10-28 (22 and 24 are
# in maintenance; 20 reached its end of life on 2026-04-30), on Debian 13 (trixie), pinned by the
# digest of its multi-arch index so that a rebuild gets the same bytes. No registry is reachable
# from where this was written: the digest is the one published for this tag in October 2026 (two
# independent public Dockerfiles carry it). To move to a newer patch release, look the digest up
# (`docker buildx imagetools inspect node:26-trixie-slim`) and change it here, or override it:
#   docker build --build-arg NODE_IMAGE=node:26-trixie-slim@sha256:<digest> -t mirt-calibrate .
# CI runs the whole test suite on this Node line too (.ci/run), besides the machine's own.
ARG NODE_IMAGE=node:26-trixie-slim@sha256:930557a230abacbc3f4fd9b8648abf8f4bee1e17cb72195dcdfb2f709bc85b33

# ---- build: all dependencies, TypeScript compiled to dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here; we build below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies and dist/ only, non-root ----
FROM ${NODE_IMAGE} AS runtime
# OCI image labels; set the source (and any other) at build time:
#   docker build --build-arg OCI_SOURCE=https://git.example.org/mirt-calibrate ...
ARG OCI_TITLE=mirt-calibrate
ARG OCI_DESCRIPTION="IRT calibration (Rasch, 1PL, 2PL, 3PL) for learning platforms: nightly job, HTTP service, CSV fit"
ARG OCI_LICENSES=MIT
ARG OCI_SOURCE=unknown
LABEL org.opencontainers.image.title="${OCI_TITLE}" \
      org.opencontainers.image.description="${OCI_DESCRIPTION}" \
      org.opencontainers.image.licenses="${OCI_LICENSES}" \
      org.opencontainers.image.source="${OCI_SOURCE}"
# tini as PID 1: forwards SIGTERM to node (a bare PID 1 ignores it) and reaps children.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=8000 \
    MIRT_DATA_DIR=/var/lib/mirt-calibrate
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY deploy/healthcheck.mjs ./deploy/healthcheck.mjs
# The embedded PGlite database (used only without DATABASE_URL) lives in MIRT_DATA_DIR.
RUN mkdir -p /var/lib/mirt-calibrate && chown node:node /var/lib/mirt-calibrate
# The node image's unprivileged user (uid 1000).
USER node
EXPOSE 8000
# Only the service answers /health; the check passes trivially in a job or fit container.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "/app/deploy/healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/job/cli.js"]
CMD []
