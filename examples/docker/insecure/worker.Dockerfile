FROM alpine:3.20
COPY worker /usr/local/bin/worker
CMD ["worker"]
