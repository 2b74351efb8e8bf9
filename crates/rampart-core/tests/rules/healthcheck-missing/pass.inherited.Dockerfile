# The final stage builds on `base`, whose HEALTHCHECK it inherits.
FROM alpine:3.20 AS base
HEALTHCHECK CMD wget -q --spider http://127.0.0.1:8080/health || exit 1
FROM base AS production
COPY app /app
USER 10001
