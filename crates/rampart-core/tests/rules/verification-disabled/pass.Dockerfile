FROM debian:12.7
COPY internal-ca.crt /usr/local/share/ca-certificates/internal-ca.crt
RUN update-ca-certificates \
 && curl -fsSL --cacert /usr/local/share/ca-certificates/internal-ca.crt \
      https://tools.internal/install.sh -o /tmp/install.sh \
 && echo "4b825dc642cb6eb9a060e54bf8d69288fbee4904  /tmp/install.sh" | sha256sum -c -
RUN apt-get -o Acquire::Retries=3 update \
 && apt-get install -y --no-install-recommends internal-agent=1.2.3
RUN pip install --index-url https://pypi.internal/simple internal-sdk==2.0.1
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/internal-ca.crt
USER 10001
