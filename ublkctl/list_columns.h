/* SPDX-License-Identifier: GPL-2.0 */
/* The columns of `ublkctl list`, chosen as lsblk's -o chooses them.  Each
 * column reads one key of the device's --json object, so that the table,
 * the raw output and the JSON of -o never disagree. */
#ifndef UBLKCTL_LIST_COLUMNS_H
#define UBLKCTL_LIST_COLUMNS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

struct list_column;

/* More than any sensible list; lsblk, too, has a fixed bound. */
#define LIST_MAX_COLUMNS 64

struct column_set {
	size_t n;
	const struct list_column *col[LIST_MAX_COLUMNS];
};

void columns_default(struct column_set *set);
void columns_all(struct column_set *set);

/*
 * -o SPEC: comma-separated names in any case; a leading '+' adds them to
 * the default set.  Anything wrong is a usage error naming it.
 */
void columns_parse(const char *spec, struct column_set *set);

/* "Columns (* in the default set):" and a line a column, for --help. */
char *columns_help(void);

const char *column_name(const struct list_column *c);
bool column_right(const struct list_column *c);

/* The column's text for the table: "-" where there is no value. */
char *column_text(const struct list_column *c, struct json_object *dev);

/* The column's value, a new reference (NULL is JSON null), and its key:
 * the name in lower case, as `lsblk -J -o` names its keys. */
struct json_object *column_json(const struct list_column *c,
				struct json_object *dev);
void column_key(const struct list_column *c, char *buf, size_t len);

#endif
