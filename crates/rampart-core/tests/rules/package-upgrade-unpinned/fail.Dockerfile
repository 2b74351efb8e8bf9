# expect: 4 instructions[1]
# expect: 7 instructions[4]
FROM debian:12.7
RUN apt-get update && apt-get -y upgrade
RUN apt-get install -y --only-upgrade openssl=3.0.15-1~deb12u1
FROM alpine:3.20
RUN apk update && apk upgrade --no-cache
RUN apk upgrade --no-cache openssl
USER 10001
