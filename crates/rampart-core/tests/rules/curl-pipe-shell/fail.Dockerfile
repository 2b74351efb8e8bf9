# expect: 5 instructions[1]
# expect: 6 instructions[2]
# expect: 8 instructions[3]
FROM debian:12.7
RUN curl -fsSL https://example.com/install.sh | sh
RUN wget -qO- https://example.com/setup \
    | sudo bash -s -- --yes
RUN sh -c "$(curl -fsSL https://example.com/x.sh)"
RUN curl -fsSL https://example.com/x.tgz | tar xz
USER 10001
