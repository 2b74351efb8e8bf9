# expect: 4 instructions[1]
# The final stage builds on `base`: its SSH server is in the image.
FROM debian:12.7 AS base
RUN apt-get install -y --no-install-recommends openssh-server=1:9.2p1-2
FROM base
USER 10001
