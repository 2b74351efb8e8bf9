# expect: 4 instructions[1]
# expect: 5 instructions[2]
FROM alpine:3.20
ADD https://example.com/tool.tar.gz /opt/
ADD --chown=10001 http://example.com/a.txt ./b.txt /opt/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/c.txt /opt/
ADD local.tar.gz /opt/
USER 10001
