#!/usr/bin/env bash
# Installs the Debian packages the test suites need, only when missing. Idempotent.
set -euo pipefail
need=()
command -v php >/dev/null 2>&1 || need+=(php-cli)
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
# PHP behind real servers (php/test.sh): php-fpm, composer, opcache (for opcache.preload).
compgen -G '/usr/sbin/php-fpm*' >/dev/null || need+=(php-fpm)
command -v composer >/dev/null 2>&1 || need+=(composer)
{ command -v php >/dev/null 2>&1 && php -m 2>/dev/null | grep -q 'Zend OPcache'; } || need+=(php-opcache)
command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v curl >/dev/null 2>&1 || need+=(curl)
# The token-refresh playback test (tests/refresh): ffmpeg for the stream, Debian's chromium.
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v chromium >/dev/null 2>&1 || need+=(chromium)   # serve: hls.js playback
command -v wrk >/dev/null 2>&1 || need+=(wrk)             # serve: load run
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-system: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
exit 0
