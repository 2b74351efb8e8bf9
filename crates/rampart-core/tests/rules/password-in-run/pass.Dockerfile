# syntax=docker/dockerfile:1.7
FROM ubuntu:24.04
RUN useradd -m -s /usr/sbin/nologin app && passwd -l app
RUN --mount=type=secret,id=app_password \
    printf 'app:%s\n' "$(cat /run/secrets/app_password)" | chpasswd
USER 10001
