#!/bin/sh
# make deps: install what building, testing and the demo need, and only what
# is missing, so that a second run costs a second. Needs root for apt-get
# when anything is missing; says what to install otherwise.
set -u
cd "$(dirname "$0")/.."

missing=""
want_pkg() {	# want_pkg PACKAGE: installed unless dpkg already has it
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $1"
}
want_cmd() {	# want_cmd COMMAND PACKAGE: any COMMAND on PATH will do
	command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}

for p in make gcc clang libclang-rt-14-dev pkg-config libcurl4-openssl-dev libssl-dev zlib1g-dev \
	libisal-dev isal libexpat1-dev libjansson-dev libpq-dev postgresql-15 mandoc pigz time bash-completion \
	zsh python3-prometheus-client procps iproute2 man-db; do
	want_pkg "$p"
done
want_cmd node nodejs
want_cmd npm npm
want_cmd aws awscli
# The signing test compares with botocore: any python3 that has it will do.
python3 -c 'import botocore' 2>/dev/null || /usr/bin/python3 -c 'import botocore' 2>/dev/null ||
	missing="$missing python3-botocore"

if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing:$missing; run 'make deps' as root or install them" >&2
		exit 1
	fi
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || exit 1
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
fi

# The S3 test server, pinned by tests/s3rver/package-lock.json.
if [ ! -f tests/s3rver/node_modules/@20minutes/s3rver/package.json ] ||
   [ tests/s3rver/package-lock.json -nt tests/s3rver/node_modules/.package-lock.json ]; then
	echo "deps: installing the S3 test server (npm ci)"
	(cd tests/s3rver && npm ci --no-audit --no-fund --loglevel=error) || exit 1
fi
exit 0
