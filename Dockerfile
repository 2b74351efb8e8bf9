# rampart's container image: the static binary alone, run as a non-root user.
#
# The binary is built outside the image and taken from the build context, as release
# pipelines such as goreleaser do (no base image, no compiler in the image):
#
#   RUSTFLAGS="-C target-feature=+crt-static" cargo install --locked --path crates/rampart-cli \
#       --target x86_64-unknown-linux-gnu --root dist/
#   docker build -t rampart .
#
# `+crt-static` links glibc, mimalloc and ring statically: the binary needs no file of the
# image (scripts/ci/container.sh checks it with `file` and `ldd`). .dockerignore sends only
# dist/bin/rampart to the builder. Kubernetes probes the webhook over HTTPS, and the other
# commands are one-shot runs: the image has no HEALTHCHECK (the label below says so to
# rampart's own healthcheck-missing rule).
FROM scratch
COPY dist/bin/rampart /usr/local/bin/rampart
LABEL org.opencontainers.image.title="rampart" \
      org.opencontainers.image.description="Keeps Kubernetes clusters and containers safe: hardening rules, Pod Security Standards, PodSecurityPolicy and NetworkPolicy, exactly as Kubernetes evaluates them" \
      org.opencontainers.image.source="https://github.com/rampart-dev/rampart" \
      org.opencontainers.image.licenses="Apache-2.0" \
      rampart.dev/ignore="healthcheck-missing=one-shot commands; the webhook is probed by Kubernetes (httpGet /healthz and /readyz)"
# nobody:nogroup as distroless numbers them: numeric, so runAsNonRoot can verify it.
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/rampart"]
CMD ["--help"]
