# expect: 3 instructions[0]
# expect: 8 instructions[5]
FROM node:latest AS deps
FROM deps AS build
ARG BASE=alpine
FROM ${BASE}
FROM scratch
FROM ubuntu
USER 10001
