# Sourced by the bench and its test: the shaping proxy (build/tools/shapeproxy)
# in front of the S3 test server, making loopback look like a distant R2.
#   shape_start DIR [-d MS] [-r MBPS]  starts it (defaults: 20 ms each way,
#                                      25 MB/s per connection and direction);
#                                      sets SHAPE (its endpoint)
#   shape_stop

shape_start() {
	local dir=$1; shift
	shape_stop
	rm -f "$dir/shape.port"
	"${SHAPEPROXY:-$TOP/build/tools/shapeproxy}" "$@" "$S3_PORT" >"$dir/shape.port" 2>"$dir/shape.err" &
	SHAPE_PID=$!
	while [ ! -s "$dir/shape.port" ]; do
		kill -0 "$SHAPE_PID" 2>/dev/null || { cat "$dir/shape.err" >&2; SHAPE_PID=; return 1; }
		sleep 0.02
	done
	SHAPE=http://127.0.0.1:$(cat "$dir/shape.port")
}

shape_stop() {
	if [ -n "${SHAPE_PID:-}" ]; then
		kill "$SHAPE_PID" 2>/dev/null
		wait "$SHAPE_PID" 2>/dev/null
	fi
	SHAPE_PID=
}
