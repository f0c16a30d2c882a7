# Sourced by the bench and its test: the shaping proxy (build/tools/shapeproxy)
# in front of the S3 test server, making loopback look like a distant R2.
#   shape_start DIR [-d MS] [-r MBPS]  starts it (defaults: 20 ms each way,
#                                      25 MB/s per connection and direction);
#                                      sets SHAPE (its endpoint)
#   shape_stop

# The proxy prints its port when it listens: read from a pipe, no polling.
shape_start() {
	local dir=$1 port; shift
	shape_stop
	exec {SHAPE_FD}< <(exec "${SHAPEPROXY:-$TOP/build/tools/shapeproxy}" "$@" "$S3_PORT" 2>"$dir/shape.err")
	SHAPE_PID=$!
	read -r port <&"$SHAPE_FD" || { cat "$dir/shape.err" >&2; shape_stop; return 1; }
	SHAPE=http://127.0.0.1:$port
}

shape_stop() {
	[ -n "${SHAPE_PID:-}" ] && kill "$SHAPE_PID" 2>/dev/null
	[ -n "${SHAPE_FD:-}" ] && exec {SHAPE_FD}<&-
	SHAPE_PID= SHAPE_FD=
}
