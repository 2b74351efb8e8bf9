# syntax=docker/dockerfile:1.7
ARG GO_VERSION=1.23
FROM golang:${GO_VERSION}-alpine AS build
WORKDIR /src
COPY . .
RUN --mount=type=secret,id=netrc,target=/root/.netrc \
    go build -o /out/api ./cmd/api
RUN <<EOF
set -eu
echo "built"
EOF
# A comment after a heredoc is fine.
FROM gcr.io/distroless/static-debian12:nonroot@sha256:8dd8d3ca2cf283383304fd45a5c9c74d5f2cd9da8d3b077d720e264880077c65
COPY --from=build /out/api /api
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/ca.pem /etc/ssl/ca.pem
ENV API_TOKEN_FILE=/run/secrets/token
EXPOSE 8080
HEALTHCHECK CMD ["/api", "health"]
USER 10001:10001
ENTRYPOINT ["/api"]
