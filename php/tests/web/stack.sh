#!/usr/bin/env bash
# A real php-fpm pool behind a real nginx (fastcgi) on loopback, with Debian's stock php.ini
# and only the documented preload lines added (php/README.md, "php-fpm"):
#
#   php/tests/web/stack.sh start DIR APP FILES KEY   start them; writes DIR/stack.env
#   php/tests/web/stack.sh stop DIR                  stop them
#
# APP is a front controller directory (examples/php after composer install): nginx passes
# every request on APP_PORT (file tokens; IP_PORT: bound to the client IP, DIR_PORT: directory
# tokens, MP4_PORT: MP4 tokens) to APP/public/index.php, which verifies REQUEST_URI and has nginx
# send the file from FILES through X-Accel-Redirect to @files (a directory is a 404, as at the
# edge of tests/raw: no listings). HELPER_PORT serves the test
# helpers: /_sign (php/tests/web/sign.php) and the pool's status page /_status.
# pm = static with 4 workers. Everything lives in DIR. Fails loudly, never skips.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PHP_DIR="$(cd "$HERE/../.." && pwd)"

die() { echo "stack.sh: $*" >&2; exit 1; }

find_fpm() {
  local f
  for f in php-fpm php-fpm8.2 php-fpm8.3 php-fpm8.1 /usr/sbin/php-fpm*; do
    if command -v "$f" >/dev/null 2>&1; then command -v "$f"; return; fi
  done
  die "php-fpm not found (tests/setup-system.sh installs php-fpm)"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# One guarded server: PHP judges every request (token kind $2, bound to the client IP when
# $3 is 1), nginx sends the file.
guarded() {
  local port=$1 kind=$2 bind_ip=$3
  # nginx's own variable, written as nginx.conf spells it (the heredoc expands $uri to this).
  local uri='$uri'
  cat <<CONF
    server {
        listen 127.0.0.1:$port;
        location / {
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $app/public/index.php;
            fastcgi_param FILES_ACCEL @files;
            fastcgi_param TOKEN_KIND $kind;
            fastcgi_param TOKEN_BIND_IP $bind_ip;
            fastcgi_pass unix:$dir/fpm.sock;
        }
        location @files {
            root $files;
            if ($uri ~ "/$") { return 404; }
        }
    }
CONF
}

start() {
  local dir=$1 app=$2 files=$3 key=$4
  mkdir -p "$dir/conf.d" "$dir/tmp"
  dir="$(cd "$dir" && pwd)"
  app="$(cd "$app" && pwd)"
  files="$(cd "$files" && pwd)"
  local fpm; fpm="$(find_fpm)"
  local ver; ver="$("$fpm" -v | sed -n '1s/^PHP \([0-9]*\.[0-9]*\).*/\1/p')"
  local ini="/etc/php/$ver/fpm/php.ini" scan="/etc/php/$ver/fpm/conf.d"
  [ -f "$ini" ] || die "no stock $ini"
  local pool_user=""
  if [ "$(id -u)" -eq 0 ]; then
    pool_user="user = www-data
group = www-data"
  fi
  # The documented lines, as php/README.md gives them, in a conf.d file beside the stock
  # ones. preload_user is needed (and allowed) only when the server starts as root.
  local PKG=$PHP_DIR
  if [ "$(id -u)" -eq 0 ]; then
    cat >"$dir/conf.d/99-cdn-secure-token.ini" <<INI
opcache.preload=$PKG/preload.php
opcache.preload_user=www-data
INI
  else
    cat >"$dir/conf.d/99-cdn-secure-token.ini" <<INI
opcache.preload=$PKG/preload.php
INI
  fi
  cat >"$dir/php-fpm.conf" <<CONF
[global]
pid = $dir/fpm.pid
error_log = $dir/fpm.log
daemonize = yes

[app]
$pool_user
listen = $dir/fpm.sock
listen.mode = 0666
pm = static
pm.max_children = 4
pm.status_path = /_status
clear_env = yes
env[CDN_SECURE_TOKEN_KEY] = $key
env[FILES_ROOT] = $files
catch_workers_output = yes
php_admin_value[error_log] = $dir/php-error.log
CONF
  local app_port helper_port ip_port dir_port mp4_port user_line=""
  app_port="$(free_port)"
  helper_port="$(free_port)"
  ip_port="$(free_port)"
  dir_port="$(free_port)"
  mp4_port="$(free_port)"
  [ "$(id -u)" -eq 0 ] && user_line="user root;"

  cat >"$dir/nginx.conf" <<CONF
$user_line
daemon on;
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 512; }
http {
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    access_log $dir/access.log;
    default_type application/octet-stream;

$(guarded "$app_port" file 0)
$(guarded "$ip_port" file 1)
$(guarded "$dir_port" directory 0)
$(guarded "$mp4_port" mp4 0)

    # Test helpers.
    server {
        listen 127.0.0.1:$helper_port;
        location = /_sign {
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $HERE/sign.php;
            fastcgi_pass unix:$dir/fpm.sock;
        }
        location = /_status {
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_NAME /_status;
            fastcgi_param SCRIPT_FILENAME /_status;
            fastcgi_pass unix:$dir/fpm.sock;
        }
    }
}
CONF
  PHP_INI_SCAN_DIR="$scan:$dir/conf.d" "$fpm" -c "$ini" -y "$dir/php-fpm.conf" \
    || die "php-fpm did not start: $(tail -n 5 "$dir/fpm.log" 2>/dev/null)"
  nginx -c "$dir/nginx.conf" -p "$dir" || die "nginx did not start: $(tail -n 5 "$dir/nginx-error.log")"
  local i
  for i in $(seq 1 50); do
    [ -S "$dir/fpm.sock" ] && [ -s "$dir/nginx.pid" ] && break
    sleep 0.1
  done
  [ -S "$dir/fpm.sock" ] || die "php-fpm socket missing: $(tail -n 5 "$dir/fpm.log")"
  cat >"$dir/stack.env" <<ENV
APP_PORT=$app_port
IP_PORT=$ip_port
DIR_PORT=$dir_port
MP4_PORT=$mp4_port
HELPER_PORT=$helper_port
FPM_PID=$(cat "$dir/fpm.pid")
STACK_DIR=$dir
ENV
  echo "$app_port"
}

stop() {
  local dir=$1 pid
  for f in nginx.pid fpm.pid; do
    if [ -s "$dir/$f" ]; then
      pid="$(cat "$dir/$f")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
}

case "${1:-}" in
  start) [ $# -eq 5 ] || die "usage: $0 start DIR APP FILES KEY"; start "$2" "$3" "$4" "$5" ;;
  stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) die "usage: $0 start DIR APP FILES KEY | stop DIR" ;;
esac
