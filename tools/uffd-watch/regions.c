// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * serve's handshake: Firecracker's GuestRegionUffdMapping array, from bytes
 * to checked regions. The VMM is another process: nothing in the message is
 * trusted, and this file does no I/O so that the fuzz harness covers it all.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "regions.h"
#include "uffd.h"

/* A rejected handshake: says which region and what, and never goes on. */
int uw_bad(int i, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (i >= 0)
		hv_err(-EPROTO, "the region list is rejected, nothing was served",
		       "serve: region %d: %s", i, what);
	else
		hv_err(-EPROTO, "the region list is rejected, nothing was served", "serve: %s",
		       what);
	return -EPROTO;
}

static int get_u64(struct json_object *o, int i, const char *key, bool need, uint64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v)) {
		if (need)
			return uw_bad(i, "field \"%s\" is missing", key);
		return 1;
	}
	if (!json_object_is_type(v, json_type_int))
		return uw_bad(i, "field \"%s\" is not an integer", key);
	if (json_object_get_int64(v) < 0)
		return uw_bad(i, "field \"%s\" is negative", key);
	errno = 0;
	*out = json_object_get_uint64(v);
	if (errno)
		return uw_bad(i, "field \"%s\" is out of range", key);
	return 0;
}

/* page_size is in bytes; the deprecated page_size_kib held KiB, later bytes. */
static int region_page_size(struct json_object *o, int i, uint64_t *ps)
{
	uint64_t a = 0, k = 0;
	int ra, rk;

	if ((ra = get_u64(o, i, "page_size", false, &a)) < 0 ||
	    (rk = get_u64(o, i, "page_size_kib", false, &k)) < 0)
		return -EPROTO;
	if (ra == 1 && rk == 1)
		return uw_bad(i, "neither \"page_size\" nor \"page_size_kib\" is given");
	if (rk == 0 && k <= UINT64_MAX / 1024 && (k * 1024 == 4096 || k * 1024 == (2u << 20)))
		k *= 1024;
	if (ra == 0 && rk == 0 && a != k)
		return uw_bad(i, "\"page_size\" %llu disagrees with page_size_kib (%llu)",
			      (unsigned long long)a, (unsigned long long)k);
	*ps = ra == 0 ? a : k;
	/* 2 MiB: a hugetlbfs-backed region, served a huge page per UFFDIO_COPY. */
	if (*ps != UW_PAGE && *ps != UW_HPAGE)
		return uw_bad(i, "page size %llu: only 4096-byte and 2 MiB pages are served",
			      (unsigned long long)*ps);
	return 0;
}

/* "minor": optional, a boolean: the region was registered for minor faults. */
static int get_minor(struct json_object *o, int i, bool *minor)
{
	struct json_object *v;

	*minor = false;
	if (!json_object_object_get_ex(o, "minor", &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return uw_bad(i, "field \"minor\" is not true or false");
	*minor = json_object_get_boolean(v);
	return 0;
}

int uw_regions_parse(struct json_object *root, uint64_t mem_len, struct sregion **regs,
		     size_t *nregs)
{
	struct sregion *rs;
	size_t n;

	*regs = NULL;
	*nregs = 0;
	if (!json_object_is_type(root, json_type_array))
		return uw_bad(-1, "the message is not a JSON array of regions");
	n = json_object_array_length(root);
	if (n == 0 || n > UW_MAX_REGIONS)
		return uw_bad(-1, "%zu regions (1 to %d allowed)", n, UW_MAX_REGIONS);
	rs = calloc(n, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	*regs = rs;
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(root, i);
		struct sregion *r = &rs[i];
		uint64_t ps = 0, words;
		int ii = (int)i;

		if (!json_object_is_type(o, json_type_object))
			return uw_bad(ii, "not a JSON object");
		if (get_u64(o, ii, "base_host_virt_addr", true, &r->base) ||
		    get_u64(o, ii, "size", true, &r->size) ||
		    get_u64(o, ii, "offset", true, &r->offset) || region_page_size(o, ii, &ps) ||
		    get_minor(o, ii, &r->minor))
			return -EPROTO;
		if (!r->size || r->size % ps)
			return uw_bad(ii, "size 0x%llx is not a non-zero multiple of the page size",
				      (unsigned long long)r->size);
		if (r->base % ps || r->base < ps)
			return uw_bad(
			    ii, "base_host_virt_addr 0x%llx is not a page-aligned user address",
			    (unsigned long long)r->base);
		if (r->offset % ps)
			return uw_bad(ii, "offset 0x%llx is not page-aligned",
				      (unsigned long long)r->offset);
		if (r->base >= UW_ADDR_LIMIT || r->size > UW_ADDR_LIMIT - r->base)
			return uw_bad(ii, "0x%llx + 0x%llx leaves the user address space",
				      (unsigned long long)r->base, (unsigned long long)r->size);
		if (r->offset > mem_len || r->size > mem_len - r->offset)
			return uw_bad(ii,
				      "offset 0x%llx + size 0x%llx runs past the end of the memory "
				      "file (0x%llx bytes)",
				      (unsigned long long)r->offset, (unsigned long long)r->size,
				      (unsigned long long)mem_len);
		for (size_t j = 0; j < i; j++) {
			const struct sregion *q = &rs[j];

			if (r->base < q->base + q->size && q->base < r->base + r->size)
				return uw_bad(ii, "host range overlaps region %zu", j);
			if (r->offset < q->offset + q->size && q->offset < r->offset + r->size)
				return uw_bad(ii, "file range overlaps region %zu", j);
		}
		r->psize = ps;
		words = (r->size / ps + 63) / 64;
		r->served = calloc(words, sizeof(uint64_t));
		r->removed = calloc(words, sizeof(uint64_t));
		if (!r->served || !r->removed) {
			/* Not counted in *nregs: its own bitmaps are freed here. */
			free(r->served);
			free(r->removed);
			r->served = r->removed = NULL;
			return -ENOMEM;
		}
		*nregs = i + 1;
	}
	return 0;
}

/* One strict parse of the whole message: *root, and where the JSON ended. */
static int parse_whole(const char *buf, size_t len, struct json_object **root, size_t *end)
{
	struct json_tokener *tok = json_tokener_new();

	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	*root = json_tokener_parse_ex(tok, buf, (int)len);
	*end = json_tokener_get_parse_end(tok);
	if (!*root)
		hv_err(-EPROTO, "the region list is rejected, nothing was served",
		       "serve: the message is not valid JSON: %s at byte %zu",
		       json_tokener_error_desc(json_tokener_get_error(tok)), *end);
	json_tokener_free(tok);
	return *root ? 0 : -EPROTO;
}

int uw_handshake_feed(struct json_tokener *tok, const char *buf, size_t len, size_t got,
		      struct json_object **root)
{
	struct json_object *piecewise;
	size_t end;
	int err;

	*root = NULL;
	piecewise = json_tokener_parse_ex(tok, buf + len, (int)got);
	if (!piecewise) {
		if (json_tokener_get_error(tok) == json_tokener_continue)
			return 0;
		hv_err(-EPROTO, "the region list is rejected, nothing was served",
		       "serve: the message is not valid JSON: %s at byte %zu",
		       json_tokener_error_desc(json_tokener_get_error(tok)),
		       len + json_tokener_get_parse_end(tok));
		return -EPROTO;
	}
	/*
	 * The piecewise parse only says the message is complete: json-c 0.16
	 * reads "819-" fed a byte at a time as 819, where the whole text is an
	 * error (found by fuzz-uffd). The message means what it means in one
	 * piece, however the socket cut it.
	 */
	json_object_put(piecewise);
	err = parse_whole(buf, len + got, root, &end);
	if (err)
		return err;
	for (; end < len + got; end++)
		if (!strchr(" \t\r\n", buf[end])) {
			json_object_put(*root);
			*root = NULL;
			return uw_bad(-1, "trailing bytes after the region list");
		}
	return 0;
}

void uw_regions_free(struct sregion *regs, size_t nregs)
{
	for (size_t i = 0; i < nregs; i++) {
		free(regs[i].served);
		free(regs[i].removed);
	}
	free(regs);
}
