// SPDX-License-Identifier: GPL-2.0
/* The columns of `ublkctl list`: their names, which key of the device's
 * JSON object each one shows, and how it is written in the table. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "list_columns.h"
#include "ublkctl.h"

enum col_kind {
	COL_TEXT,	/* the value as it is ("-" for null) */
	COL_SIZE,	/* bytes, written as SIZE is (64M) */
	COL_BOOL,	/* yes or no */
	COL_FILES,	/* comma-separated, or why the state is not shown */
};

struct list_column {
	const char *name;
	const char *key;	/* of the device's --json object */
	const char *sub;	/* a key within that one, if any */
	enum col_kind kind;
	bool dflt;		/* in the set shown without -o */
	bool right;		/* numbers: right-aligned, as lsblk does */
	const char *help;
};

/* --output-all shows them in this order; FILES, the one of no bounded
 * width, comes last so that it needs no padding. */
static const struct list_column columns[] = {
	{ "ID", "id", NULL, COL_TEXT, true, false,
	  "device number N" },
	{ "DEVICE", "device", NULL, COL_TEXT, true, false,
	  "block device /dev/ublkbN" },
	{ "TARGET", "target", NULL, COL_TEXT, true, false,
	  "null, loop or stripe (from the saved state)" },
	{ "STATE", "state", NULL, COL_TEXT, true, false,
	  "live, quiesced, fail_io or dead" },
	{ "SIZE", "size", NULL, COL_SIZE, true, true,
	  "device size" },
	{ "BLKSZ", "block_size", NULL, COL_TEXT, false, true,
	  "logical block size in bytes" },
	{ "CHUNK", "chunk_size", NULL, COL_SIZE, false, true,
	  "chunk size of a stripe device" },
	{ "QUEUES", "queues", NULL, COL_TEXT, true, true,
	  "hardware queues" },
	{ "DEPTH", "depth", NULL, COL_TEXT, true, true,
	  "depth of each queue" },
	{ "PID", "pid", NULL, COL_TEXT, true, true,
	  "server process id" },
	{ "ZC", "zero_copy", NULL, COL_BOOL, false, false,
	  "zero copy (yes or no)" },
	{ "RECOVERY", "recovery", NULL, COL_BOOL, false, false,
	  "user recovery (yes or no)" },
	{ "BPF", "bpf", NULL, COL_BOOL, true, false,
	  "served by its BPF program in the kernel (yes or no)" },
	{ "HANDLED", "bpf_stats", "handled", COL_TEXT, false, true,
	  "requests the BPF program served" },
	{ "REDIRECTED", "bpf_stats", "redirected", COL_TEXT, false, true,
	  "requests the BPF program sent to the server" },
	{ "FILES", "files", NULL, COL_FILES, true, false,
	  "backing files, comma-separated" },
};

#define NR_COLUMNS (sizeof(columns) / sizeof(columns[0]))

_Static_assert(NR_COLUMNS <= LIST_MAX_COLUMNS, "--output-all must fit");

void columns_default(struct column_set *set)
{
	set->n = 0;
	for (size_t i = 0; i < NR_COLUMNS; i++)
		if (columns[i].dflt)
			set->col[set->n++] = &columns[i];
}

void columns_all(struct column_set *set)
{
	for (set->n = 0; set->n < NR_COLUMNS; set->n++)
		set->col[set->n] = &columns[set->n];
}

static const struct list_column *column_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NR_COLUMNS; i++)
		if (strlen(columns[i].name) == len &&
		    !strncasecmp(columns[i].name, name, len))
			return &columns[i];
	return NULL;
}

void columns_parse(const char *spec, struct column_set *set)
{
	const char *p = spec, *end;

	/* lsblk's "+COL,...": the default set, then these */
	set->n = 0;
	if (*p == '+') {
		columns_default(set);
		p++;
	}
	if (!*p)
		usage_error("no column in '%s'", spec);
	for (;; p = end + 1) {
		const struct list_column *c;
		size_t len;

		end = strchrnul(p, ',');
		len = (size_t)(end - p);
		if (!len)
			usage_error("empty column name in '%s'", spec);
		c = column_find(p, len);
		if (!c)
			usage_error("unknown column '%.*s' (see 'ublkctl list "
				    "--help')", (int)len, p);
		/* a column may be given twice, as lsblk allows, up to a bound */
		if (set->n == LIST_MAX_COLUMNS)
			usage_error("too many columns (at most %d)",
				    LIST_MAX_COLUMNS);
		set->col[set->n++] = c;
		if (!*end)
			break;
	}
}

char *columns_help(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const char *sep = "";

	if (!f)
		return NULL;
	fputs("Columns (-o, in any case; --output-all shows every one):\n", f);
	for (size_t i = 0; i < NR_COLUMNS; i++)
		fprintf(f, "  %-11s %s\n", columns[i].name, columns[i].help);
	fputs("Default: ", f);
	for (size_t i = 0; i < NR_COLUMNS; i++) {
		if (!columns[i].dflt)
			continue;
		fprintf(f, "%s%s", sep, columns[i].name);
		sep = ",";
	}
	fputs("\n", f);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

const char *column_name(const struct list_column *c)
{
	return c->name;
}

bool column_right(const struct list_column *c)
{
	return c->right;
}

/* The column's value in the device's object; NULL for null or absent
 * (chunk_size of a device that is no stripe, bpf_stats without BPF). */
static struct json_object *column_value(const struct list_column *c,
					struct json_object *dev)
{
	struct json_object *v;

	if (!json_object_object_get_ex(dev, c->key, &v) || !v)
		return NULL;
	if (c->sub && !json_object_object_get_ex(v, c->sub, &v))
		return NULL;
	return v;
}

/* FILES: the state that is not shown says why instead. */
static char *files_text(struct json_object *dev, struct json_object *files)
{
	struct json_object *saved;
	const char *s = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (json_object_object_get_ex(dev, "saved_state", &saved))
		s = json_object_get_string(saved);
	if (s && (!strcmp(s, "stale") || !strcmp(s, "invalid"))) {
		if (asprintf(&text, "(%s state)", s) < 0)
			return NULL;
		return text;
	}
	if (!files || !json_object_array_length(files))
		return strdup("-");
	f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; i < json_object_array_length(files); i++)
		fprintf(f, "%s%s", i ? "," : "", json_object_get_string(
			json_object_array_get_idx(files, i)));
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

char *column_text(const struct list_column *c, struct json_object *dev)
{
	struct json_object *v = column_value(c, dev);
	char size[32];

	if (c->kind == COL_FILES)
		return files_text(dev, v);
	if (!v)
		return strdup("-");
	switch (c->kind) {
	case COL_BOOL:
		return strdup(json_object_get_boolean(v) ? "yes" : "no");
	case COL_SIZE:
		format_size((uint64_t)json_object_get_int64(v), size,
			    sizeof(size));
		return strdup(size);
	default:
		return strdup(json_object_get_string(v));
	}
}

struct json_object *column_json(const struct list_column *c,
				struct json_object *dev)
{
	return json_object_get(column_value(c, dev));
}

void column_key(const struct list_column *c, char *buf, size_t len)
{
	size_t i;

	for (i = 0; c->name[i] && i + 1 < len; i++)
		buf[i] = (char)tolower((unsigned char)c->name[i]);
	buf[i] = '\0';
}
