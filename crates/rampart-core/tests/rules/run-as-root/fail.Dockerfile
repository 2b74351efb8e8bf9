# expect: 7 instructions[5]
FROM alpine:3.20 AS build
USER 10001
FROM alpine:3.20
USER app
RUN apk add --no-cache curl=8.9.1-r0
USER root
