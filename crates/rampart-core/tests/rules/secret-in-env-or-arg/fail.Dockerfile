# expect: 5 instructions[1]
# expect: 7 instructions[3]
# expect: 8 instructions[4]
FROM alpine:3.20
ARG NPM_TOKEN
ARG VERSION=1.0
ENV DB_PASSWORD=hunter2 APP_MODE=prod
ENV AWS_KEY AKIAIOSFODNN7EXAMPLE
ENV PASSWORD_FILE=/run/secrets/db
ENV API_TOKEN=${API_TOKEN}
USER 10001
