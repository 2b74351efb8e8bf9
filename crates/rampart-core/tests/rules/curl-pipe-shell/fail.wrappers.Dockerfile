# expect: 6 instructions[1]
# expect: 7 instructions[2]
# expect: 8 instructions[3]
# expect: 9 instructions[4]
FROM debian:12.7
RUN wget -qO- https://deb.nodesource.com/setup_20.x | sudo -E bash -
RUN curl -fsSL https://get.example.com | env bash
RUN /usr/bin/curl -sL https://get.example.com | tee /tmp/install.log | sudo sh
ONBUILD RUN curl -fsSL https://get.example.com/plugin.sh | sh
USER 10001
