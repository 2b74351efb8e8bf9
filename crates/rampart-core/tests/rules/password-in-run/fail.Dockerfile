# expect: 5 instructions[1]
# expect: 6 instructions[2]
# expect: 7 instructions[3]
FROM ubuntu:24.04
RUN useradd -m app && echo 'app:changeme' | chpasswd
RUN echo "root:toor" | sudo chpasswd -e
RUN usermod -p '$6$rounds=5000$salt$W3Bq9r1T1rUuGx0p' app
USER 10001
