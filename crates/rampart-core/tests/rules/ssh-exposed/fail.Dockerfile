# expect: 5 instructions[1]
# expect: 8 instructions[2]
# expect: 10 instructions[4]
FROM debian:12.7
RUN apt-get update && apt-get install -y --no-install-recommends \
    openssh-server=1:9.2p1-2+deb12u3 \
 && rm -rf /var/lib/apt/lists/*
EXPOSE 8080 22/tcp
USER 10001
CMD ["/usr/sbin/sshd", "-D"]
