ARG BASE=alpine:3.20
ARG RUNTIME
FROM ${BASE} AS build
FROM build AS test
# A base from an ARG without a default is not known here.
FROM registry.example.com/${RUNTIME}
