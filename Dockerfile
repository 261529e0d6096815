# Cangku as a container image: built from source with Maven, run on a JRE as a non-root user, with an AOT cache
# (JDK 25, JEP 483/514/515) made by a training run at build time, so the registry answers its first request well
# under a second after the container starts.
#
#   docker build -t cangku .
#   docker run --read-only --tmpfs /tmp -v cangku-data:/data -p 127.0.0.1:5000:5000 cangku
#
# Every setting is an environment variable: registry.storage.type -> REGISTRY_STORAGE_TYPE (see README.md).
# The base images are build arguments, so a build can use a mirror or a pinned digest instead:
#   docker build --build-arg BUILD_IMAGE=mirror.example/maven:3-eclipse-temurin-25 \
#                --build-arg RUNTIME_IMAGE=mirror.example/eclipse-temurin:25-jre -t cangku .
# The runtime image must hold the same JDK build that makes the AOT cache: it is made here, in that image.

ARG BUILD_IMAGE=maven:3-eclipse-temurin-25
ARG RUNTIME_IMAGE=eclipse-temurin:25-jre

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY pom.xml ./
COPY src/main ./src/main
# Tests are neither compiled nor run here: CI runs them, and they need tools an image build does not have.
RUN mvn -B -q -DskipTests -Dmaven.test.skip=true package
# The AOT cache records classes from jar files on the class path, not from jars nested inside a Spring Boot fat
# jar: unpack it into a thin launcher jar and lib/ (Spring Boot's own tool for this).
RUN java -Djarmode=tools -jar target/cangku.jar extract --destination /app

FROM ${RUNTIME_IMAGE}
COPY --from=build /app /app
# Memory follows the container's limit; an out-of-memory error ends the process so the orchestrator restarts it;
# the C heap's freed memory goes back to the system every second (start-up alone leaves about 20 MiB of it).
ENV REGISTRY_STORAGE_FILESYSTEM_ROOT=/data \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError -XX:TrimNativeHeapInterval=1000"
# Training run (src/main/docker/aot-training.sh): the server starts as the image starts it, serves a login, a push,
# a pull and a metrics scrape, and is stopped with SIGTERM; at exit the JVM writes the classes it loaded and
# linked, and the profiles it gathered, into /app/cangku.aot. Like the server, it starts from the bean definitions
# Spring AOT generated in `mvn package` (README.md, "Start-up from build-time bean definitions"), so the cache holds
# the classes the server will load. It runs on throwaway storage under /tmp, which it deletes again, so the image
# holds no keys or accounts; a failed request fails the build.
COPY src/main/docker/aot-training.sh /tmp/aot-training.sh
RUN bash /tmp/aot-training.sh /app/cangku.aot \
    && rm /tmp/aot-training.sh \
    && mkdir -p /data && chown 10001:10001 /data
# No account name is needed: numeric ids work with `--read-only` and Kubernetes' runAsNonRoot.
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# 5000: the registry (and /livez, /readyz); 5001: the management port (/actuator/prometheus, health details).
EXPOSE 5000 5001
# /readyz answers 200 once storage, accounts and signing keys are ready; bash needs no extra tool.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5000 && printf 'GET /readyz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -Eq '^HTTP/[0-9.]+ 200'"]
# -XX:AOTCache: a cache that does not match this JVM is ignored (with a warning), never a failed start; add
# -XX:AOTMode=on to JDK_JAVA_OPTIONS to make that an error instead.
ENTRYPOINT ["java", "-XX:AOTCache=/app/cangku.aot", "-jar", "/app/cangku.jar"]
