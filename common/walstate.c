#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "walpush.h"
#include "walstate.h"

static char *
state_file(const struct walstate *s, const char *name)
{
	char *p;

	return asprintf(&p, "%s/%s", s->dir, name) < 0 ? NULL : p;
}

void
walstate_open(struct walstate *st, const char *waldir)
{
	char path[4096];
	struct stat sb;

	st->dir = NULL;
	snprintf(path, sizeof(path), "%s/archive_status", waldir);
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return;		/* not PostgreSQL's pg_wal: nothing to look ahead in */
	if (asprintf(&st->dir, "%s/" WALPUSH_STATE_DIR, waldir) < 0) {
		st->dir = NULL;
		return;
	}
	if (mkdir(st->dir, 0777) != 0 && errno != EEXIST) {
		free(st->dir);
		st->dir = NULL;
	}
}

int
walstate_has(const struct walstate *s, const char *name)
{
	char *p = s->dir != NULL ? state_file(s, name) : NULL;
	int known = p != NULL && access(p, F_OK) == 0;

	free(p);
	return known;
}

int
walstate_take(const struct walstate *s, const char *name, const char *line)
{
	char got[2048] = "";
	char *p;
	FILE *f;
	int same = 0;

	if (s->dir == NULL || (p = state_file(s, name)) == NULL)
		return 0;
	if ((f = fopen(p, "re")) != NULL) {
		same = fgets(got, sizeof(got), f) != NULL && strcmp(got, line) == 0;
		fclose(f);
		unlink(p);
	}
	free(p);
	return same;
}

void
walstate_put(const struct walstate *s, const char *name, const char *line)
{
	char *p, *tmp = NULL;
	size_t len = strlen(line);
	int fd;

	if (s->dir == NULL || (p = state_file(s, name)) == NULL)
		return;
	if (asprintf(&tmp, "%s.tmp", p) >= 0 &&
	    (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) >= 0) {
		if (write(fd, line, len) == (ssize_t)len && close(fd) == 0)
			rename(tmp, p);
		else
			close(fd);
		unlink(tmp);
	}
	free(tmp);
	free(p);
}

void
walstate_prune(const struct walstate *s, const char *waldir)
{
	DIR *d;
	struct dirent *de;
	char path[4096];

	if (s->dir == NULL || (d = opendir(s->dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", waldir, de->d_name);
		if (access(path, F_OK) != 0) {
			snprintf(path, sizeof(path), "%s/%s", s->dir, de->d_name);
			unlink(path);
		}
	}
	closedir(d);
}
