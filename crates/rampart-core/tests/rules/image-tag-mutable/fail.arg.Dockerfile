# expect: 5 instructions[1]
# expect: 6 instructions[2]
# The global ARG default is what a build without --build-arg uses.
ARG BASE=alpine:latest
FROM ${BASE} AS build
FROM registry.example.com/${RUNTIME:-distroless}
