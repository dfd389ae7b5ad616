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
#include "state.h"

enum { OPT_JSON = 1000 };

struct list_args {
	int id;
	bool json;
};

static const struct argp_option list_options[] = {
	{ "id", 'n', "ID", 0, "Show only device ID", 0 },
	{ "json", OPT_JSON, 0, 0, "Print JSON", 0 },
	CLI_HELP_OPTION,
	{ 0 }
};

static const struct argp_option features_options[] = {
	{ "json", OPT_JSON, 0, 0, "Print JSON", 0 },
	CLI_HELP_OPTION,
	{ 0 }
};

static error_t list_parse(int key, char *arg, struct argp_state *state)
{
	struct list_args *a = state->input;

	switch (key) {
	case 'n':
		a->id = cli_parse_id(arg);
		break;
	case OPT_JSON:
		a->json = true;
		break;
	case ARGP_KEY_END:
		break;
	default:
		return cli_common_key(key, arg, state);
	}
	return 0;
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

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

/* A cell on one line: control characters (a newline in a path) escaped. */
static char *cell_dup(const char *s)
{
	char *out = malloc(4 * strlen(s) + 1), *o = out;

	if (!out)
		return strdup("?");
	for (; *s; s++)
		o = escape_char(o, (unsigned char)*s);
	*o = '\0';
	return out;
}

static void print_cell(const char *s, int width, bool last)
{
	if (last)
		printf("%s\n", s);
	else
		printf("%-*s  ", width, s);
}

static void print_table(struct json_object *devs)
{
	static const char *const head[] = { "ID", "DEVICE", "TARGET", "STATE",
		"SIZE", "QUEUES", "DEPTH", "PID", "FILES" };
	enum { NCOL = 9 };
	size_t n = json_object_array_length(devs);
	char ***cells = calloc(n, sizeof(*cells));
	size_t width[NCOL];

	for (int c = 0; c < NCOL; c++)
		width[c] = strlen(head[c]);
	for (size_t r = 0; r < n; r++) {
		struct json_object *d = json_object_array_get_idx(devs, r), *v;
		char buf[4096], size[32];
		const char *s;

		cells[r] = calloc(NCOL, sizeof(char *));
		cells[r][0] = strdup(str_of(d, "id"));
		cells[r][1] = strdup(str_of(d, "device"));
		s = str_of(d, "target");
		cells[r][2] = strdup(s ? s : "-");
		cells[r][3] = strdup(str_of(d, "state"));
		json_object_object_get_ex(d, "size", &v);
		format_size((uint64_t)json_object_get_int64(v), size, sizeof(size));
		cells[r][4] = strdup(size);
		cells[r][5] = strdup(str_of(d, "queues"));
		cells[r][6] = strdup(str_of(d, "depth"));
		s = str_of(d, "pid");
		cells[r][7] = strdup(s ? s : "-");
		buf[0] = '\0';
		json_object_object_get_ex(d, "files", &v);
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			if (i)
				strncat(buf, ",", sizeof(buf) - strlen(buf) - 1);
			strncat(buf, json_object_get_string(json_object_array_get_idx(v, i)),
				sizeof(buf) - strlen(buf) - 1);
		}
		s = str_of(d, "saved_state");
		if (s && (!strcmp(s, "stale") || !strcmp(s, "invalid")))
			snprintf(buf, sizeof(buf), "(%s state)", s);
		cells[r][8] = cell_dup(buf[0] ? buf : "-");
		for (int c = 0; c < NCOL; c++)
			if (strlen(cells[r][c]) > width[c])
				width[c] = strlen(cells[r][c]);
	}
	for (int c = 0; c < NCOL; c++)
		print_cell(head[c], (int)width[c], c == NCOL - 1);
	for (size_t r = 0; r < n; r++) {
		for (int c = 0; c < NCOL; c++) {
			print_cell(cells[r][c], (int)width[c], c == NCOL - 1);
			free(cells[r][c]);
		}
		free(cells[r]);
	}
	free(cells);
}

static const char list_usage[] = "Usage: ublkctl list [-n ID] [--json]";

int cmd_list(int argc, char **argv)
{
	static const struct argp ap = {
		list_options, list_parse, NULL,
		"Show ublk devices: what the kernel reports, merged with the "
		"state ublkctl saved.", NULL, NULL, NULL
	};
	struct list_args a = { .id = -1 };
	struct json_object *root, *devs;
	int *ids = NULL, n, err = 0, rc = 0;

	cli_parse(&ap, list_usage, argc, argv, &a);
	if (ctrl_open())
		return EXIT_FAIL;
	if (a.id >= 0) {
		ids = malloc(sizeof(*ids));
		ids[0] = a.id;
		n = 1;
	} else {
		n = ctrl_list_ids(&ids);
		if (n < 0) {
			err_msg("/sys/class/ublk-char: %s", strerror(-n));
			return EXIT_FAIL;
		}
	}
	root = json_object_new_object();
	devs = json_object_new_array();
	json_object_object_add(root, "devices", devs);
	for (int i = 0; i < n; i++) {
		struct json_object *d = device_json(ids[i], &err);

		if (d) {
			json_object_array_add(devs, d);
		} else if (a.id >= 0) {
			err_msg("device %d: %s", ids[i], strerror(-err));
			json_object_put(root);
			free(ids);
			return EXIT_FAIL;
		} else if (err != -ENODEV) {
			/* say so, and show the others */
			err_msg("device %d: %s", ids[i], strerror(-err));
			rc = EXIT_FAIL;
		}
	}
	free(ids);
	if (a.json)
		printf("%s\n", json_object_to_json_string_ext(root,
			JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
	else if (json_object_array_length(devs))
		print_table(devs);
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
		printf("%s\n", json_object_to_json_string_ext(root,
			JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
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
