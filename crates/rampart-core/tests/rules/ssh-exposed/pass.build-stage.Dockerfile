# openssh-client... and even openssh-server in a build stage do not reach the image that runs.
FROM debian:12.7 AS fetch
RUN apt-get install -y --no-install-recommends openssh-server=1:9.2p1-2 git=1:2.39.5-0
EXPOSE 22
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=fetch /src /src
USER 10001
