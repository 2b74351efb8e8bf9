# expect: 3 instructions[1]
FROM alpine:3.20
HEALTHCHECK NONE
USER 10001
