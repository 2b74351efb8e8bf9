# expect: 2 instructions[0]
FROM alpine:3.20
RUN echo hello
