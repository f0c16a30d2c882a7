/* COPY data in a script: where it ends, at the line "\." that psql reads
 * as its terminator. */
#include <string.h>

#include "sqlscan.h"

int
sqlscan_copy_end(const char *buf, size_t len, int at_bol, int eof, size_t *data, size_t *term)
{
	size_t i = 0;

	for (;;) {
		if (at_bol || i > 0) {
			size_t rest = len - i;
			if (rest >= 3 && buf[i] == '\\' && buf[i + 1] == '.' && buf[i + 2] == '\n') {
				*data = i;
				*term = 3;
				return 1;
			}
			if (rest >= 4 && memcmp(buf + i, "\\.\r\n", 4) == 0) {
				*data = i;
				*term = 4;
				return 1;
			}
			if (eof && rest == 2 && buf[i] == '\\' && buf[i + 1] == '.') {
				*data = i;
				*term = 2;
				return 1;
			}
			if (!eof && rest < 4 && (rest == 0 || buf[i] == '\\')) {
				*data = i;
				return 0;
			}
		}
		const char *nl = memchr(buf + i, '\n', len - i);
		if (nl == NULL) {
			*data = len;
			return 0;
		}
		i = (size_t)(nl - buf) + 1;
	}
}
