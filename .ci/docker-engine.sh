#!/usr/bin/env bash
# .ci/docker-engine.sh - a real Docker engine and a registry-free local Python image, for the
# container executor's tests and benchmarks (see ../shared/research/docker-feasibility.md).
#
#   bash .ci/docker-engine.sh start   start dockerd (if none answers) and build the image (if absent)
#   bash .ci/docker-engine.sh stop    stop the dockerd this script started
#
# No systemd on these machines: dockerd is started by hand. --iptables=false and --bridge=none
# leave the host's firewall and interfaces alone; containers then have only loopback, which is
# what the container executor wants while code runs (builds use the host's network).
# The image is a minimal Debian bookworm with python3 made by debootstrap from the configured
# Debian mirror, imported as luci-python:local: no registry is needed.
set -euo pipefail

IMAGE=${LUCI_CONTAINER_BASE_IMAGE:-luci-python:local}
STATE=${LUCI_DOCKERD_STATE:-/tmp/luci-dockerd}
LOG=$STATE/dockerd.log
PIDFILE=$STATE/dockerd.pid
mkdir -p "$STATE"

start_dockerd() {
  nohup dockerd --iptables=false --bridge=none "$@" >"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 150); do
    docker info >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$PIDFILE")" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

start() {
  if ! docker info >/dev/null 2>&1; then
    if ! start_dockerd; then
      # overlay2 needs a filesystem that supports it; vfs always works (about 1 s per container start).
      echo "dockerd (overlay2) did not start; retrying with the vfs storage driver:" >&2
      tail -5 "$LOG" >&2 || true
      kill "$(cat "$PIDFILE")" 2>/dev/null || true
      sleep 1
      start_dockerd --storage-driver=vfs || { tail -20 "$LOG" >&2; exit 1; }
    fi
  fi
  docker info --format 'docker engine {{.ServerVersion}}, storage {{.Driver}}, cgroup v{{.CgroupVersion}}'

  if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    local mirror rootfs t0
    t0=$(date +%s)
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    mirror=${mirror:-${DEBIAN_MIRROR:-http://deb.debian.org/debian}}
    rootfs=$(mktemp -d /tmp/luci-rootfs.XXXXXX)
    echo "building $IMAGE with debootstrap from $mirror"
    debootstrap --variant=minbase --include=python3,python3-venv bookworm "$rootfs" "$mirror" \
      >"$STATE/debootstrap.log" 2>&1 || { tail -20 "$STATE/debootstrap.log" >&2; exit 1; }
    # Slim it: apt caches and lists, documentation, translations (about 265 -> 125 MB).
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
           "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
    find "$rootfs"/usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
    tar -C "$rootfs" -c . | docker import -c 'CMD ["python3"]' -c 'ENV LANG=C.UTF-8' \
      -c 'ENV PYTHONDONTWRITEBYTECODE=1' - "$IMAGE" >/dev/null
    rm -rf "$rootfs"
    echo "built $IMAGE in $(( $(date +%s) - t0 )) s"
  fi
  docker run --rm --network none --memory 256m --pids-limit 64 "$IMAGE" \
    python3 -c 'import sys; print("image ok: python", sys.version.split()[0])'
}

stop() {
  [ -f "$PIDFILE" ] || { echo "no dockerd started by this script"; return 0; }
  local pid
  pid=$(cat "$PIDFILE")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    echo "dockerd ($pid) stopped"
  fi
  rm -f "$PIDFILE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
