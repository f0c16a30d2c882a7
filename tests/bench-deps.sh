#!/bin/sh
# The bench's anchors: the tools an operator would use instead of drkit,
# installed only when missing (make deps has installed the rest). Needs root
# for apt-get when anything is missing; says what to install otherwise.
set -u

missing=""
want_cmd() {	# want_cmd COMMAND PACKAGE: any COMMAND on PATH will do
	command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}

want_cmd aws awscli
want_cmd rclone rclone
want_cmd curl curl
want_cmd gzip gzip
want_cmd pigz pigz
want_cmd igzip isal
want_cmd sha256sum coreutils
want_cmd openssl openssl
want_cmd psql postgresql-client
want_cmd /usr/bin/time time

[ -z "$missing" ] && exit 0
[ "$(id -u)" = 0 ] || { echo "bench-deps: missing:$missing; install them or run make bench as root" >&2; exit 1; }
echo "bench-deps: installing$missing"
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
