# expect: 11 instructions[1]
# expect: 12 instructions[2]
# expect: 14 instructions[3]
# expect: 16 instructions[4]
# expect: 17 instructions[5]
# expect: 19 instructions[6]
# expect: 20 instructions[7]
# expect: 21 instructions[8]
# expect: 22 instructions[9]
FROM debian:12.7
RUN curl -fsSLk https://tools.internal/install.sh -o /tmp/install.sh
RUN apt-get update -o Acquire::https::Verify-Peer=false \
 && apt-get install -y --allow-unauthenticated internal-agent=1.2.3
RUN echo 'deb [trusted=yes] http://repo.internal/debian bookworm main' \
      > /etc/apt/sources.list.d/internal.list
RUN pip install --trusted-host pypi.internal internal-sdk==2.0.1
ENV NODE_TLS_REJECT_UNAUTHORIZED=0 \
    APP_ENV=production
ARG GIT_SSL_NO_VERIFY=1
RUN sudo -E env PYTHONHTTPSVERIFY=0 python3 /opt/fetch.py
RUN yum install -y --nogpgcheck internal-agent
ONBUILD RUN wget --no-check-certificate https://tools.internal/plugin.tgz
USER 10001
