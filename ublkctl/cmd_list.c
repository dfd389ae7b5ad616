// SPDX-License-Identifier: GPL-2.0
/* `ublkctl list` and `ublkctl features`: what the kernel reports, merged
 * with the saved state, as a table or JSON (json-c). */
#include <argp.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_target.h"
#include "cli.h"
#include "ctrl.h"
#include "list_columns.h"
#include "state.h"

enum {
	OPT_JSON = 1000,
	OPT_RAW,
	OPT_NOHEADINGS,
	OPT_OUTPUT_ALL,	/* the last: seen[] counts up to it */
};

struct list_args {
	int id;
	bool json;
	bool raw;
	bool noheadings;
	bool output_all;
	const char *output;		/* -o as given */
	struct column_set cols;		/* -o or --output-all */
	unsigned char seen[OPT_OUTPUT_ALL + 1];
};

/* The option names of lsblk and losetup, but for -n: here, as in every
 * command of ublkctl, -n is --id. */
static const struct argp_option list_options[] = {
	{ "id", 'n', "ID", 0, "Show only device ID", 0 },
	{ "output", 'o', "COLUMNS", 0,
	  "Columns to show, comma-separated; +COLUMNS adds to the default set",
	  0 },
	{ "output-all", OPT_OUTPUT_ALL, 0, 0, "Show every column", 0 },
	{ "noheadings", OPT_NOHEADINGS, 0, 0, "Print no header line", 0 },
	{ "raw", OPT_RAW, 0, 0,
	  "One space between columns, no alignment, unsafe characters as \\xHH",
	  0 },
	{ "json", OPT_JSON, 0, 0,
	  "Print JSON; with -o, only those columns", 0 },
	CLI_HELP_OPTION,
	{ 0 }
};

static const struct argp_option features_options[] = {
	{ "json", OPT_JSON, 0, 0, "Print JSON", 0 },
	CLI_HELP_OPTION,
	{ 0 }
};

/* Checks that need all options. */
static void list_check(const struct list_args *a)
{
	if (a->output && a->output_all)
		usage_error("-o and --output-all are mutually exclusive");
	if (a->raw && a->json)
		usage_error("--raw and --json are mutually exclusive");
}

static error_t list_parse(int key, char *arg, struct argp_state *state)
{
	struct list_args *a = state->input;

	cli_once(state->root_argp->options, a->seen, sizeof(a->seen), key);
	switch (key) {
	case 'n':
		a->id = cli_parse_id(arg);
		break;
	case 'o':
		a->output = arg;
		columns_parse(arg, &a->cols);
		break;
	case OPT_OUTPUT_ALL:
		a->output_all = true;
		columns_all(&a->cols);
		break;
	case OPT_NOHEADINGS:
		a->noheadings = true;
		break;
	case OPT_RAW:
		a->raw = true;
		break;
	case OPT_JSON:
		a->json = true;
		break;
	case ARGP_KEY_END:
		list_check(a);
		break;
	default:
		return cli_common_key(key, arg, state);
	}
	return 0;
}

/* --help ends with the columns, from the table itself. */
static char *list_help_filter(int key, const char *text, void *input)
{
	(void)input;
	if (key != ARGP_KEY_HELP_POST_DOC)
		return (char *)text;
	return columns_help();
}

static struct json_object *flag_names(uint64_t flags)
{
	struct json_object *arr = json_object_new_array();
	char hex[32];

	for (unsigned bit = 0; bit < 64; bit++) {
		const char *name;

		if (!(flags & (1ULL << bit)))
			continue;
		name = ublk_flag_name(bit);
		if (!name) {
			snprintf(hex, sizeof(hex), "0x%" PRIx64, (uint64_t)1 << bit);
			name = hex;
		}
		json_object_array_add(arr, json_object_new_string(name));
	}
	return arr;
}

/*
 * The device's saved state, if it is about this device: "ok" with *st
 * set, or why there is none to show: "none", "stale" (left by an earlier
 * device with this id) or "invalid" (damaged, or in an untrusted place).
 */
static const char *device_state(int id, const struct ublksrv_ctrl_dev_info *info,
				struct json_object **st)
{
	char why[PATH_MAX + 128];
	struct dev_config cfg;
	int ret = state_load(id, st, why, sizeof(why));

	if (ret == -ENOENT)
		return "none";
	if (ret)
		return "invalid";
	memset(&cfg, 0, sizeof(cfg));
	ret = state_to_config(*st, &cfg, why, sizeof(why));
	for (int i = 0; i < cfg.nr_files; i++)
		free(cfg.files[i]);
	if (!ret && cfg.cookie == info->ublksrv_flags && cfg.dev_id == id)
		return "ok";
	json_object_put(*st);
	*st = NULL;
	return ret ? "invalid" : "stale";
}

/* One device as JSON; NULL if it vanished meanwhile. */
static struct json_object *device_json(int id, int *err)
{
	struct ublksrv_ctrl_dev_info info;
	struct ublk_params p;
	struct json_object *o, *st, *v, *files;
	char path[64];
	const char *target = NULL;
	struct bpf_stats bst;
	const char *saved;
	bool bpf;
	int ret;

	ret = ctrl_get_info(id, &info);
	if (ret < 0) {
		*err = ret;
		return NULL;
	}
	if (ctrl_get_params(id, &p) < 0)
		memset(&p, 0, sizeof(p));
	saved = device_state(id, &info, &st);

	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int(id));
	snprintf(path, sizeof(path), "/dev/ublkb%d", id);
	json_object_object_add(o, "device", json_object_new_string(path));
	snprintf(path, sizeof(path), "/dev/ublkc%d", id);
	json_object_object_add(o, "char_device", json_object_new_string(path));
	if (st && json_object_object_get_ex(st, "target", &v))
		target = json_object_get_string(v);
	json_object_object_add(o, "target",
			       target ? json_object_new_string(target) : NULL);
	json_object_object_add(o, "state",
			       json_object_new_string(ublk_state_name(info.state)));
	json_object_object_add(o, "size",
			       json_object_new_int64((int64_t)(p.basic.dev_sectors << 9)));
	json_object_object_add(o, "block_size",
			       json_object_new_int(p.types & UBLK_PARAM_TYPE_BASIC ?
						   1 << p.basic.logical_bs_shift : 0));
	json_object_object_add(o, "queues", json_object_new_int(info.nr_hw_queues));
	json_object_object_add(o, "depth", json_object_new_int(info.queue_depth));
	/* a dead server's pid may belong to another process by now */
	json_object_object_add(o, "pid", pid_is_server(info.ublksrv_pid, id) ?
			       json_object_new_int(info.ublksrv_pid) : NULL);
	if (st && json_object_object_get_ex(st, "files", &v))
		files = json_object_get(v);
	else
		files = json_object_new_array();
	json_object_object_add(o, "files", files);
	if (target && !strcmp(target, "stripe") &&
	    json_object_object_get_ex(st, "chunk_size", &v))
		json_object_object_add(o, "chunk_size", json_object_get(v));
	/* what the target tells about itself, as it told it */
	if (st && json_object_object_get_ex(st, "target_info", &v) &&
	    json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val) {
			if (!json_object_object_get_ex(o, key, NULL))
				json_object_object_add(o, key,
						       json_object_get(val));
		}
	}
	json_object_object_add(o, "zero_copy",
			       json_object_new_boolean(!!(info.flags & UBLK_F_AUTO_BUF_REG)));
	json_object_object_add(o, "recovery",
			       json_object_new_boolean(!!(info.flags & UBLK_F_USER_RECOVERY)));
	bpf = (info.flags & UBLK_F_BPF) && st &&
	      json_object_object_get_ex(st, "bpf", &v) &&
	      json_object_get_boolean(v);
	json_object_object_add(o, "bpf", json_object_new_boolean(bpf));
	if (bpf && bpf_dev_stats(id, &bst) == 0) {
		v = json_object_new_object();
		json_object_object_add(v, "handled",
				       json_object_new_uint64(bst.handled));
		json_object_object_add(v, "redirected",
				       json_object_new_uint64(bst.redirected));
		json_object_object_add(o, "bpf_stats", v);
	} else {
		json_object_object_add(o, "bpf_stats", NULL);
	}
	json_object_object_add(o, "flags", flag_names(info.flags));
	json_object_object_add(o, "saved_state", json_object_new_string(saved));
	if (st)
		json_object_put(st);
	return o;
}

/*
 * A cell on one line.  The table escapes control characters (a newline in
 * a path); --raw escapes as lsblk --raw does (its fputs_nonblank): blanks,
 * the backslash and every byte that is not printable ASCII become \xHH,
 * so that one space always separates two columns.
 */
static char *escape_cell(const char *s, bool raw)
{
	char *out = malloc(4 * strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!raw)
			o = escape_char(o, c);
		else if (c <= ' ' || c == '\\' || c >= 0x7f)
			o += sprintf(o, "\\x%02x", c);
		else
			*o++ = (char)c;
	}
	*o = '\0';
	return out;
}

/* One device's cells, or the header's (dev NULL), escaped; NULL is out
 * of memory, printed as "?". */
static char **row_cells(const struct column_set *set, struct json_object *dev,
			bool raw)
{
	char **row = calloc(set->n, sizeof(*row));

	for (size_t c = 0; row && c < set->n; c++) {
		char *text = dev ? column_text(set->col[c], dev) :
				   strdup(column_name(set->col[c]));

		if (text)
			row[c] = escape_cell(text, raw);
		free(text);
	}
	return row;
}

static void print_row(const struct column_set *set, char **row,
		      const size_t *width, bool raw)
{
	for (size_t c = 0; c < set->n; c++) {
		const char *s = row && row[c] ? row[c] : "?";
		bool last = c + 1 == set->n;

		/* the last column, left-aligned, is not padded */
		if (column_right(set->col[c]))
			printf("%*s", (int)width[c], s);
		else
			printf("%-*s", last ? 0 : (int)width[c], s);
		fputs(last ? "\n" : raw ? " " : "  ", stdout);
	}
}

static void free_row(char **row, size_t n)
{
	for (size_t c = 0; row && c < n; c++)
		free(row[c]);
	free(row);
}

/* The table, or with --raw the same rows unaligned; rows[0] the header. */
static void print_table(struct json_object *devs, const struct column_set *set,
			bool raw, bool headings)
{
	size_t n = json_object_array_length(devs) + 1, width[LIST_MAX_COLUMNS] = { 0 };
	char ***rows = calloc(n, sizeof(*rows));

	if (!rows)
		return;
	rows[0] = headings ? row_cells(set, NULL, raw) : NULL;
	for (size_t r = 1; r < n; r++)
		rows[r] = row_cells(set, json_object_array_get_idx(devs, r - 1),
				    raw);
	for (size_t r = 0; r < n && !raw; r++)
		for (size_t c = 0; rows[r] && c < set->n; c++)
			if (rows[r][c] && strlen(rows[r][c]) > width[c])
				width[c] = strlen(rows[r][c]);
	for (size_t r = headings ? 0 : 1; r < n; r++)
		print_row(set, rows[r], width, raw);
	for (size_t r = 0; r < n; r++)
		free_row(rows[r], set->n);
	free(rows);
}

/* lsblk -J -o: each device with only the chosen columns, keyed by their
 * names in lower case. */
static struct json_object *chosen_json(struct json_object *devs,
				       const struct column_set *set)
{
	struct json_object *root = json_object_new_object();
	struct json_object *out = json_object_new_array();
	char key[32];

	json_object_object_add(root, "devices", out);
	for (size_t r = 0; r < json_object_array_length(devs); r++) {
		struct json_object *dev = json_object_array_get_idx(devs, r);
		struct json_object *o = json_object_new_object();

		for (size_t c = 0; c < set->n; c++) {
			column_key(set->col[c], key, sizeof(key));
			json_object_object_add(o, key,
					       column_json(set->col[c], dev));
		}
		json_object_array_add(out, o);
	}
	return root;
}

static void print_json(struct json_object *root)
{
	printf("%s\n", json_object_to_json_string_ext(root,
		JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/*
 * Every device, or only a.id, into devs; 0, or EXIT_FAIL when a device
 * could not be queried: with -n nothing is shown then, without it the
 * others still are.
 */
static int collect_devices(const struct list_args *a, struct json_object *devs)
{
	int *ids = NULL, n, err = 0, rc = 0;

	if (a->id >= 0) {
		ids = malloc(sizeof(*ids));
		if (!ids)
			return EXIT_FAIL;
		ids[0] = a->id;
		n = 1;
	} else {
		n = ctrl_list_ids(&ids);
		if (n < 0) {
			err_msg("/sys/class/ublk-char: %s", strerror(-n));
			return EXIT_FAIL;
		}
	}
	for (int i = 0; i < n; i++) {
		struct json_object *d = device_json(ids[i], &err);

		if (d) {
			json_object_array_add(devs, d);
		} else if (a->id >= 0 || err != -ENODEV) {
			/* a device that vanished meanwhile is no error */
			err_msg("device %d: %s", ids[i], strerror(-err));
			rc = EXIT_FAIL;
		}
	}
	free(ids);
	return rc;
}

static void print_devices(const struct list_args *a, struct json_object *root,
			  struct json_object *devs)
{
	struct json_object *chosen;

	if (a->json && !a->output && !a->output_all) {
		/* the whole object, every key of the contract */
		print_json(root);
	} else if (a->json) {
		chosen = chosen_json(devs, &a->cols);
		print_json(chosen);
		json_object_put(chosen);
	} else if (json_object_array_length(devs)) {
		print_table(devs, &a->cols, a->raw, !a->noheadings);
	}
}

static const char list_usage[] =
"Usage: ublkctl list [-n ID] [-o COLUMNS | --output-all] [--noheadings]\n"
"                    [--raw | --json]";

int cmd_list(int argc, char **argv)
{
	static const struct argp ap = {
		list_options, list_parse, NULL,
		"Show ublk devices: what the kernel reports, merged with the "
		"state ublkctl saved.", NULL, list_help_filter, NULL
	};
	struct list_args a = { .id = -1 };
	struct json_object *root, *devs;
	int rc;

	columns_default(&a.cols);
	cli_parse(&ap, list_usage, argc, argv, &a);
	if (ctrl_open())
		return EXIT_FAIL;
	root = json_object_new_object();
	devs = json_object_new_array();
	json_object_object_add(root, "devices", devs);
	rc = collect_devices(&a, devs);
	/* with -n, a device that cannot be shown is the whole answer */
	if (!(rc && a.id >= 0))
		print_devices(&a, root, devs);
	json_object_put(root);
	ctrl_close();
	return rc;
}

static const char features_usage[] = "Usage: ublkctl features [--json]";

int cmd_features(int argc, char **argv)
{
	static const struct argp ap = {
		features_options, list_parse, NULL,
		"Show the feature flags the ublk driver supports (unknown bits "
		"as hex).", NULL, NULL, NULL
	};
	struct list_args a = { .id = -1 };
	struct json_object *root, *names;
	uint64_t feat;
	int ret;

	cli_parse(&ap, features_usage, argc, argv, &a);
	if (ctrl_open())
		return EXIT_FAIL;
	ret = ctrl_get_features(&feat);
	if (ret < 0) {
		err_msg("GET_FEATURES: %s", strerror(-ret));
		return EXIT_FAIL;
	}
	feat = features_mask(feat);
	names = flag_names(feat);
	if (a.json) {
		root = json_object_new_object();
		json_object_object_add(root, "features", names);
		json_object_object_add(root, "mask", json_object_new_uint64(feat));
		json_object_object_add(root, "bpf",
				       json_object_new_boolean(bpf_kernel_supported(feat)));
		print_json(root);
		json_object_put(root);
	} else {
		for (size_t i = 0; i < json_object_array_length(names); i++)
			printf("%s\n", json_object_get_string(
				json_object_array_get_idx(names, i)));
		json_object_put(names);
	}
	ctrl_close();
	return 0;
}
