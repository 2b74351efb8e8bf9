# expect: 6 instructions[3]
# expect: 8 instructions[4]
FROM debian:12.7
RUN apt-get update && apt-get install -y sudo=1.9.13p3-1+deb12u1
USER 10001
RUN sudo mkdir /data \
 && echo done
RUN echo start; sudo -u app touch /x
