#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "interrupt.h"
#include "sha256.h"
#include "wal.h"
#include "walfetch.h"
#include "walspool.h"

/* In the spool, beside the entries (NAME.SHA256) and the files being
 * written (NAME.walfetch-PID.tmp): dot files, never taken for entries. */
#define WF_ASKED ".asked"	/* symlink to the segment asked for last */
#define WF_LOCK ".prefetch"	/* held by the prefetcher; lists its fetches */
#define WF_SINCE ".since"	/* symlink to the archive of the prefetcher at work, made as it starts */
#define WF_STOP "-"		/* .asked's target that stops the prefetcher */
#define WF_ENTRY_LEN (WAL_NAME_LEN + 1 + SHA256_HEXLEN)

/* The modification time a spool entry is given once verified, drawn from
 * its SHA-256: any later write to it sets another, so that an entry still
 * bearing it is served without being read again. */
struct timespec
spool_stamp(const char *hex)
{
	unsigned char d[SHA256_LEN];
	struct timespec ts = { 0, 0 };
	uint32_t a, b;

	if (!sha256_parse_hex(hex, d))
		return ts;
	memcpy(&a, d, sizeof(a));
	memcpy(&b, d + sizeof(a), sizeof(b));
	ts.tv_sec = 946684800 + (time_t)(a % (1u << 30));	/* 2000 to 2034 */
	ts.tv_nsec = (long)(b % 1000000000u);
	return ts;
}

/* The spool's path for file (an entry, a dot file). */
static void
spool_path(const struct wf_ctx *x, const char *file, char path[4096])
{
	snprintf(path, 4096, "%s/%s", x->spool, file);
}

/* The spool's path for the entry of name whose SHA-256 is hex. */
void
spool_entry(const struct wf_ctx *x, const char *name, const char *hex, char path[4096])
{
	char file[WF_ENTRY_LEN + 1];

	snprintf(file, sizeof(file), "%s.%s", name, hex);
	spool_path(x, file, path);
}

/* The segment the prefetcher works for: the last asked, from .asked; -1
 * when there is none or it was told to stop. */
int
spool_cursor_get(const struct wf_ctx *x, char cur[WAL_NAME_LEN + 1])
{
	char path[4096];
	ssize_t n;

	spool_path(x, WF_ASKED, path);
	if ((n = readlink(path, cur, WAL_NAME_LEN + 1)) != WAL_NAME_LEN)
		return -1;
	cur[n] = '\0';
	return wal_classify(cur) == WAL_SEGMENT ? 0 : -1;
}

/* Whether name is one of the --prefetch segments after cur. */
static int
window_has(const struct wf_ctx *x, const char *cur, const char *name)
{
	char w[WAL_NAME_LEN + 1];

	for (int i = 1; i <= x->o->prefetch; i++)
		if (wal_next_segment(cur, x->seg, (unsigned)i, w) == 0 && strcmp(w, name) == 0)
			return 1;
	return 0;
}

/* Whether a prefetched segment is still wanted: the segment asked for
 * last (its call may be waiting for it) or one of those after it. */
int
spool_wanted(const struct wf_ctx *x, const char *name)
{
	char cur[WAL_NAME_LEN + 1];

	return spool_cursor_get(x, cur) == 0 &&
	    (strcmp(cur, name) == 0 || window_has(x, cur, name));
}

/* Whether the spool has a verified entry for name; its checksum into hex
 * (may be NULL) when it does. */
int
spool_find(const struct wf_ctx *x, const char *name, char hex[SHA256_HEXLEN + 1])
{
	struct dirent *de;
	size_t len = strlen(name);
	int found = 0;
	DIR *d;

	if (x->spool == NULL || (d = opendir(x->spool)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		found = strlen(de->d_name) == WF_ENTRY_LEN && strncmp(de->d_name, name, len) == 0 &&
		    de->d_name[len] == '.';
		if (found && hex != NULL)
			snprintf(hex, SHA256_HEXLEN + 1, "%s", de->d_name + len + 1);
	}
	closedir(d);
	return found;
}

/* Checks a spool entry's bytes against hex and its size, then moves it to
 * path. An entry still stamped as verified is moved without reading it.
 * Returns 1 when it was placed, 0 when it failed (and is removed). */
static int
spool_take(const struct wf_ctx *x, const char *entry, const char *name, const char *hex)
{
	unsigned char digest[SHA256_LEN];
	char got[SHA256_HEXLEN + 1];
	struct timespec stamp = spool_stamp(hex);
	struct dk_err e = { 0 };
	struct stat st;
	int fd, rc;

	if (lstat(entry, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtim.tv_sec == stamp.tv_sec &&
	    st.st_mtim.tv_nsec == stamp.tv_nsec) {
		if (rename(entry, x->path) == 0 && walfetch_sync_dir(x->dir, &e) == DK_OK)
			return 1;
		rc = DK_EIO;
	} else if ((fd = open(entry, O_RDONLY | O_CLOEXEC)) < 0) {
		return 0;
	} else {
		rc = fstat(fd, &st) == 0 ? sha256_fd(fd, entry, digest, &e) : DK_EIO;
		if (rc == DK_OK) {
			sha256_hex(digest, got);
			if (strcmp(got, hex) != 0)
				rc = dk_fail(&e, DK_EDATA, "SHA-256 %s, recorded %s", got, hex);
			else
				rc = walfetch_check_size(x, name, fd, (uint64_t)st.st_size, entry,
				    &e);
		}
		close(fd);
		if (rc == DK_OK && rename(entry, x->path) == 0 &&
		    walfetch_sync_dir(x->dir, &e) == DK_OK)
			return 1;
	}
	log_note(x->o->log, "spool entry %s refused (%s): fetching %s again", entry,
	    e.msg[0] ? e.msg : strerror(errno), name);
	unlink(entry);
	return 0;
}

/* Points the spool's dot file at target (a symbolic link, its text),
 * atomically; -1 when it could not. */
static int
spool_link(const struct wf_ctx *x, const char *file, const char *target)
{
	char tmp[4096], path[4096], name[64];

	snprintf(name, sizeof(name), "%s.%ld", file, (long)getpid());
	spool_path(x, name, tmp);
	spool_path(x, file, path);
	unlink(tmp);
	if (symlink(target, tmp) == 0 && rename(tmp, path) == 0)
		return 0;
	unlink(tmp);
	return -1;
}

/* Points .asked at name (WF_STOP to stop the prefetcher). */
void
spool_cursor_set(const struct wf_ctx *x, const char *name)
{
	spool_link(x, WF_ASKED, name);
}

/* Removes what is not of the segments after name: the spool stays
 * bounded, and what recovery went past goes. With name NULL, removes
 * everything, dot files too. */
void
spool_prune(const struct wf_ctx *x, const char *name)
{
	char path[4096], seg[WAL_NAME_LEN + 1];
	struct dirent *de;
	size_t len;
	DIR *d;

	if ((d = opendir(x->spool)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (name != NULL && de->d_name[0] == '.')
			continue;
		len = strnlen(de->d_name, WAL_NAME_LEN);
		memcpy(seg, de->d_name, len);
		seg[len] = '\0';
		if (name != NULL && len == WAL_NAME_LEN && de->d_name[WAL_NAME_LEN] == '.' &&
		    window_has(x, name, seg))
			continue;
		spool_path(x, de->d_name, path);
		unlink(path);
	}
	closedir(d);
}

/* The spool's lock file: open, created when missing; -1 on failure. */
int
spool_lock_open(const struct wf_ctx *x)
{
	char path[4096];

	spool_path(x, WF_LOCK, path);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
}

/* Whether a prefetcher is at work in the spool: its lock is held. */
static int
spool_locked(const struct wf_ctx *x)
{
	int fd = spool_lock_open(x), alive = 0;

	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0)
		alive = errno == EWOULDBLOCK;
	close(fd);	/* and with it the lock, when it was taken */
	return alive;
}

/* When the prefetcher is fetching name, waits until it is in the spool
 * or the prefetcher gave it up. */
static void
spool_await(const struct wf_ctx *x, const char *name)
{
	char path[4096], list[64 * WF_SLOT];
	ssize_t len;
	int fd, listed;

	spool_path(x, WF_LOCK, path);
	do {
		if (spool_find(x, name, NULL) || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return;
		len = pread(fd, list, sizeof(list), 0);
		close(fd);
		listed = 0;
		for (ssize_t off = 0; off + WAL_NAME_LEN <= len && !listed; off += WF_SLOT)
			listed = memcmp(list + off, name, WAL_NAME_LEN) == 0;
		if (listed)
			usleep(WF_POLL_US);
	} while (listed && !interrupt_requested() && spool_locked(x));
}

/* Called by the call that starts a prefetcher, before it is forked: from
 * now on, the entries already in the spool are those of a prefetcher that
 * has gone (or of another archive), and are served only after a HEAD. */
void
spool_since(const struct wf_ctx *x)
{
	char path[4096];

	if (spool_link(x, WF_SINCE, x->source) != 0) {
		spool_path(x, WF_SINCE, path);
		unlink(path);	/* then every entry is asked about */
	}
}

/* Whether an entry was fetched by the prefetcher now at work, from the
 * archive this call reads: placed in the spool (its ctime) after that
 * prefetcher started (.since's own time). Such an entry was checked
 * against the archive seconds ago, and is served without asking again. */
static int
spool_live(const struct wf_ctx *x, const char *entry)
{
	char path[4096], got[4096];
	struct stat es, ss;
	ssize_t n;

	spool_path(x, WF_SINCE, path);
	if ((n = readlink(path, got, sizeof(got) - 1)) < 0 || lstat(path, &ss) != 0 ||
	    lstat(entry, &es) != 0)
		return 0;
	got[n] = '\0';
	if (strcmp(got, x->source) != 0)
		return 0;
	return es.st_ctim.tv_sec > ss.st_mtim.tv_sec ||
	    (es.st_ctim.tv_sec == ss.st_mtim.tv_sec && es.st_ctim.tv_nsec >= ss.st_mtim.tv_nsec);
}

/* Serves name from the spool when an entry there verifies and is the
 * object the archive holds: fetched by the prefetcher at work, or else
 * confirmed by one HEAD (the recorded checksum); *served says whether it
 * did. */
int
spool_serve(const struct wf_ctx *x, const struct objname *obj, const char *name, int *served,
    struct dk_err *e)
{
	struct s3_object_info info;
	char hex[SHA256_HEXLEN + 1], want[SHA256_HEXLEN + 1], entry[4096];
	int rc;

	*served = 0;
	spool_await(x, name);
	if (!spool_find(x, name, hex))
		return DK_OK;
	spool_entry(x, name, hex, entry);
	if (!spool_live(x, entry)) {
		struct s3_client *c = s3_lazy_client(x->lc, e);
		if (c == NULL)
			return e->status;
		if ((rc = s3_head(c, obj, &info, e)) != DK_OK)
			return rc;
		walfetch_recorded_hex(info.sha256_meta, want);
		if (want[0] == '\0' || strcmp(want, hex) != 0) {
			unlink(entry);	/* of an object since replaced */
			return DK_OK;
		}
	}
	*served = spool_take(x, entry, name, hex);
	return DK_OK;
}

/* The segment asked for is not archived: recovery ends here (or waits
 * for it), and the spool would only hold disk space. The prefetcher is
 * told to stop and waited for. */
void
spool_remove(const struct wf_ctx *x)
{
	int fd;

	spool_cursor_set(x, WF_STOP);
	if ((fd = spool_lock_open(x)) >= 0) {
		while (flock(fd, LOCK_EX) != 0 && errno == EINTR && !interrupt_requested())
			continue;
		close(fd);
	}
	spool_prune(x, NULL);
	rmdir(x->spool);
}
