# syntax=docker/dockerfile:1
# Multi-stage build of policy-classifier: a Rust toolchain image compiles the
# release binary (the shipped model and jieba's dictionary are built into it);
# the runtime image is distroless (glibc, CA certificates, no shell) running
# as a non-root user.
#
#   docker build -t policy-classifier:0.1.0 .
#   docker run --rm -p 50051:50051 -p 9090:9090 \
#     -e POLICY_CLASSIFIER_METRICS_ADDR=0.0.0.0:9090 policy-classifier:0.1.0
#
# Serve another model: mount it and set POLICY_CLASSIFIER_MODEL, e.g.
#   -v $PWD/models:/models:ro -e POLICY_CLASSIFIER_MODEL=/models/my.model
#
# Without Docker or registry access: scripts/build-image.sh builds this file
# with buildah on local stand-ins for both base images and checks the result
# (health and one Classify); see docs/operations.md.

# The toolchain the lockfile is tested with; build.rs needs no system protoc.
FROM rust:1.95-bookworm AS build
WORKDIR /src
# The whole context (minus .dockerignore): Cargo.toml may name targets
# (benches, extra binaries) whose files must be present to build at all.
COPY . .
# Cache mounts keep the registry and target/ between builds (BuildKit).
# Cargo decides what to rebuild by file times, and a context copied from
# another checkout can hold changed files older than the cached build (seen:
# a new proto field missing from the cached generated code). So the
# project's own files are touched first: the crate and build.rs always
# rebuild, the dependencies stay cached.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    find . -path ./target -prune -o -type f -exec touch {} + \
 && cargo build --release --locked --bin policy-classifier \
 && cp target/release/policy-classifier /usr/local/bin/policy-classifier

# Debian 12 like the build stage, so the glibc the binary links matches.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /usr/local/bin/policy-classifier /usr/local/bin/policy-classifier
ENV POLICY_CLASSIFIER_ADDR=0.0.0.0:50051 \
    POLICY_CLASSIFIER_LOG_FORMAT=json
EXPOSE 50051 9090
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/policy-classifier"]
CMD ["serve"]
