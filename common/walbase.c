#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "walarchive.h"
#include "walbase.h"

#define TAR_BLOCK 512
#define TAR_MEMBERS_MAX 16		/* backup_label is the first in PG 15 */
#define HEAD_GZ_MAX (256u << 10)	/* the compressed bytes read */
#define HEAD_TAR_MAX (1u << 20)		/* the tar bytes looked at */
#define SIDECAR ".sha256"

/* The rest of the line after prefix, or NULL when no line starts so. */
static const char *
label_field(const char *text, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	for (size_t i = 0; i + n <= len; ) {
		if (memcmp(text + i, prefix, n) == 0)
			return text + i + n;
		while (i < len && text[i] != '\n')
			i++;
		i++;
	}
	return NULL;
}

int
walbase_parse_label(const char *text, size_t len, struct walbase_label *l,
    struct dk_err *e)
{
	const char *loc, *tl;
	unsigned hi, lo, tli;
	char file[WAL_NAME_LEN + 2];

	l->start_file[0] = '\0';
	l->timeline = 0;
	if ((loc = label_field(text, len, "START WAL LOCATION: ")) == NULL ||
	    sscanf(loc, "%X/%X (file %25[0-9A-F])", &hi, &lo, file) != 3 ||
	    strlen(file) != WAL_NAME_LEN || wal_classify(file) != WAL_SEGMENT)
		return dk_fail(e, DK_EDATA, "no 'START WAL LOCATION: X/X (file NAME)' line "
		    "in backup_label");
	memcpy(l->start_file, file, sizeof(l->start_file));
	l->start_lsn = (uint64_t)hi << 32 | lo;
	if ((tl = label_field(text, len, "START TIMELINE: ")) != NULL) {
		if (sscanf(tl, "%u", &tli) != 1)
			return dk_fail(e, DK_EDATA, "a bad START TIMELINE line in backup_label");
		snprintf(file, sizeof(file), "%08X", tli);
		if (memcmp(file, l->start_file, 8) != 0)
			return dk_fail(e, DK_EDATA, "backup_label's START TIMELINE %u is not the "
			    "timeline of its start segment %s", tli, l->start_file);
		l->timeline = tli;
	}
	return DK_OK;
}

/* A tar header's octal number field (GNU base-256 for large sizes). */
static uint64_t
tar_number(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	if (p[0] & 0x80) {
		for (size_t i = 1; i < n; i++)
			v = v << 8 | p[i];
		return v;
	}
	for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (p[i] - '0');
	return v;
}

int
walbase_label_from_tar(const void *tar, size_t len, struct walbase_label *l,
    struct dk_err *e)
{
	const unsigned char *t = tar;
	size_t off = 0;

	for (int m = 0; m < TAR_MEMBERS_MAX && off + TAR_BLOCK <= len; m++) {
		const unsigned char *h = t + off;
		char name[101];
		uint64_t size;

		if (memcmp(h + 257, "ustar", 5) != 0)
			break;
		memcpy(name, h, 100);
		name[100] = '\0';
		size = tar_number(h + 124, 12);
		if (strcmp(name, "backup_label") == 0 || strcmp(name, "./backup_label") == 0) {
			if (size > len - off - TAR_BLOCK)
				return dk_fail(e, DK_EDATA, "backup_label is cut short in the "
				    "bytes read");
			return walbase_parse_label((const char *)h + TAR_BLOCK, (size_t)size, l, e);
		}
		if (size > len)
			break;
		off += TAR_BLOCK + (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	}
	return dk_fail(e, DK_EDATA, "no backup_label among the first members of the tar "
	    "(not a base backup of pg_basebackup -Ft?)");
}

int
walbase_label_fits(const struct walbase_label *l, uint64_t seg_size)
{
	unsigned tli;
	uint64_t segno;

	return walarchive_segno(l->start_file, seg_size, &tli, &segno) == 0 &&
	    l->start_lsn / seg_size == segno;
}

struct oldest {
	char *key;
	time_t mtime;
};

static int
oldest_page(void *arg, const struct s3xml_list_page *page)
{
	struct oldest *o = arg;

	for (size_t i = 0; i < page->nentries; i++) {
		const struct s3_entry *en = &page->entries[i];
		size_t n = strlen(en->key), s = strlen(SIDECAR);
		if ((n >= s && strcmp(en->key + n - s, SIDECAR) == 0) ||
		    (n > 0 && en->key[n - 1] == '/'))
			continue;
		if (o->key != NULL && (en->mtime > o->mtime ||
		    (en->mtime == o->mtime && strcmp(en->key, o->key) > 0)))
			continue;
		free(o->key);
		if ((o->key = strdup(en->key)) == NULL)
			return DK_EIO;
		o->mtime = en->mtime;
	}
	return DK_OK;
}

/* The oldest base backup under the prefix name->key. */
static int
find_oldest(struct s3_client *c, const struct objname *name, char **key, struct dk_err *e)
{
	struct oldest o = { NULL, 0 };
	int rc;

	rc = s3_list(c, name->bucket, name->key, NULL, oldest_page, &o, e);
	if (rc == DK_EIO)
		dk_fail(e, DK_EIO, "out of memory");
	if (rc == DK_OK && o.key == NULL)
		rc = dk_fail(e, DK_ENOTFOUND, "no base backup under s3://%s/%s", name->bucket,
		    name->key);
	if (rc != DK_OK) {
		free(o.key);
		return rc;
	}
	*key = o.key;
	return DK_OK;
}

/* The first bytes of the object, pinned to the ETag HEAD saw. */
static int
read_head(struct s3_client *c, const struct objname *n, struct buf *out, struct dk_err *e)
{
	struct s3_object_info info;
	struct s3_op op;
	int rc;

	if ((rc = s3_head(c, n, &info, e)) != DK_OK)
		return rc;
	if (info.size < 2)
		return dk_fail(e, DK_EDATA, "empty, not a gzip'd base backup");
	s3_op_init(&op, "GET", n->bucket, n->key);
	op.ranged = 1;
	op.range_start = 0;
	op.range_len = info.size < HEAD_GZ_MAX ? info.size : HEAD_GZ_MAX;
	snprintf(op.pin_etag, sizeof(op.pin_etag), "%s", info.etag);
	if ((rc = s3_run(c, &op, e)) == DK_OK) {
		*out = op.call.body_buf;
		memset(&op.call.body_buf, 0, sizeof(op.call.body_buf));
	}
	s3_op_free(&op);
	return rc;
}

int
walbase_read(struct s3_client *c, const struct objname *name, struct walbase_label *l,
    struct dk_err *e)
{
	struct objname n = { name->bucket, name->key };
	struct buf gz = { 0 }, tar = { 0 };
	size_t klen = strlen(name->key);
	char *found = NULL;
	int rc = DK_OK;

	if (klen == 0 || name->key[klen - 1] == '/') {
		if ((rc = find_oldest(c, name, &found, e)) != DK_OK)
			return rc;
		n.key = found;
	}
	snprintf(l->key, sizeof(l->key), "s3://%s/%s", n.bucket, n.key);
	if ((rc = read_head(c, &n, &gz, e)) == DK_OK &&
	    (rc = walarchive_gunzip(gz.p, gz.len, HEAD_TAR_MAX, 0, &tar, e)) == DK_OK)
		rc = walbase_label_from_tar(tar.p, tar.len, l, e);
	if (rc != DK_OK && e->object[0] == '\0')
		dk_err_object(e, "%s", l->key);
	if (rc == DK_EDATA) {
		char why[sizeof(e->msg)];
		snprintf(why, sizeof(why), "%s", e->msg);
		dk_refail(e, DK_EDATA, "%s: cannot read the base backup's label: %s", l->key, why);
	}
	buf_free(&gz);
	buf_free(&tar);
	free(found);
	return rc;
}
