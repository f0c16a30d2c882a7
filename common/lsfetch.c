#include "lsfetch.h"

struct lsfetch {
	struct ls_list *l;
	struct dk_err *e;
};

static int
on_page(void *arg, const struct s3xml_list_page *page)
{
	struct lsfetch *f = arg;
	int rc = DK_OK;

	for (size_t i = 0; i < page->nentries && rc == DK_OK; i++) {
		const struct s3_entry *en = &page->entries[i];
		rc = lsparse_add(f->l, en->key, en->size, en->mtime, en->etag, f->e);
	}
	return rc;
}

int
lsfetch_list(struct s3_client *c, const struct objname *name, struct ls_list *l,
    struct dk_err *e)
{
	struct lsfetch f = { l, e };

	return s3_list(c, name->bucket, name->key, NULL, on_page, &f, e);
}
