# expect: 6 instructions[3]
ARG APP_USER
FROM alpine:3.20
ARG APP_USER
# Without --build-arg APP_USER the default applies: root.
USER ${APP_USER:-root}
