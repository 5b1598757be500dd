#!/usr/bin/env bash
# Installs the Debian packages the test suites need, only when missing. Idempotent.
set -euo pipefail
need=()
command -v php >/dev/null 2>&1 || need+=(php-cli)
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v chromium >/dev/null 2>&1 || need+=(chromium)   # serve: hls.js playback
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)       # serve: test streams, ffprobe
command -v wrk >/dev/null 2>&1 || need+=(wrk)             # serve: load run
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-system: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
exit 0
