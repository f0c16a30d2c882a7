# Sourced by the WAL retention and monitoring tests after lib.sh: a WAL
# archive laid out as walpush lays it (PREFIX/NAME.gz), made by hand so that
# a test can say exactly which files it holds, and base backups as
# pg_basebackup -Ft | gzip writes them (backup_label first in the tar).
#   seg TLI SEGNO                 the segment's name (16 MiB segments)
#   plant DIR NAME [TEXT]         DIR/NAME.gz holding TEXT (default: NAME)
#   base_backup FILE LSN NAME     FILE: a gzip'd tar whose backup_label
#                                 starts the WAL at LSN, in segment NAME

seg() { printf '%08X%08X%08X' "$1" $(($2 / 256)) $(($2 % 256)); }

plant() {
	printf '%s' "${3:-$2}" | gzip -1 >"$1/$2.gz"
}

base_backup() {
	local d
	d=$(mktemp -d "$T/base.XXXXXX")
	printf 'START WAL LOCATION: %s (file %s)\nCHECKPOINT LOCATION: %s\nBACKUP METHOD: streamed\nBACKUP FROM: primary\nLABEL: test\nSTART TIMELINE: %d\n' \
		"$2" "$3" "$2" $((16#${3:0:8})) >"$d/backup_label"
	echo 15 >"$d/PG_VERSION"
	tar -C "$d" -cf - backup_label PG_VERSION | gzip >"$1"
	rm -rf "$d"
}
