# Cangku as a container: build the jar with Maven, run it on a JRE as a non-root user.
#   docker build -t cangku .
#   docker run -p 5000:5000 -v cangku-data:/data cangku            # filesystem storage under /data
# Every setting is an environment variable: registry.storage.type -> REGISTRY_STORAGE_TYPE (see README.md).

FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
COPY pom.xml ./
# Resolve dependencies in their own layer, so a change to the sources does not download them again.
RUN mvn -B -q dependency:go-offline -DexcludeGroupIds=io.cangku || true
COPY src ./src
RUN mvn -B -q -DskipTests package && cp target/cangku.jar /cangku.jar

FROM eclipse-temurin:25-jre
RUN groupadd --system --gid 10001 cangku \
    && useradd --system --uid 10001 --gid cangku --home-dir /data --no-create-home --shell /usr/sbin/nologin cangku \
    && mkdir -p /app /data \
    && chown cangku:cangku /data
COPY --from=build /cangku.jar /app/cangku.jar
ENV REGISTRY_STORAGE_FILESYSTEM_ROOT=/data \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 5000
# /v2/ answers 200 (open registry) or 401 (auth on) once the registry serves; bash needs no extra tool.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/5000 && printf 'GET /v2/ HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -Eq '^HTTP/[0-9.]+ (200|401)'"]
ENTRYPOINT ["java", "-jar", "/app/cangku.jar"]
