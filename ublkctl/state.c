// SPDX-License-Identifier: GPL-2.0
/* Saved device state, so that `list` can name targets and files and
 * `recover` can restart a server with no arguments repeated. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf_target.h"
#include "state.h"
#include "target.h"

static const char *zc_names[] = { "auto", "on", "off" };

static void state_path(int dev_id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%d.json", run_dir(), dev_id);
}

static int mkdir_private(const char *dir)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -errno;
	return chmod(tmp, 0700) < 0 ? -errno : 0;
}

int state_save(const struct dev_config *cfg, int pid)
{
	struct json_object *o = json_object_new_object();
	struct json_object *files = json_object_new_array();
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	const char *text;
	size_t len;
	int fd, ret;

	json_object_object_add(o, "version", json_object_new_int(1));
	json_object_object_add(o, "id", json_object_new_int(cfg->dev_id));
	json_object_object_add(o, "target",
			       json_object_new_string(cfg->tgt->name));
	for (int i = 0; i < cfg->nr_files; i++)
		json_object_array_add(files,
				      json_object_new_string(cfg->files[i]));
	json_object_object_add(o, "files", files);
	json_object_object_add(o, "size", json_object_new_int64((int64_t)cfg->size));
	json_object_object_add(o, "block_size",
			       json_object_new_int((int)cfg->block_size));
	json_object_object_add(o, "queues",
			       json_object_new_int((int)cfg->nr_queues));
	json_object_object_add(o, "depth", json_object_new_int((int)cfg->depth));
	if (cfg->tgt->opts & TGT_OPT_CHUNK)
		json_object_object_add(o, "chunk_size",
				       json_object_new_int64(cfg->chunk_size));
	json_object_object_add(o, "read_only",
			       json_object_new_boolean(cfg->read_only));
	json_object_object_add(o, "zero_copy_mode",
			       json_object_new_string(zc_names[cfg->zero_copy]));
	json_object_object_add(o, "recovery",
			       json_object_new_boolean(cfg->recovery));
	json_object_object_add(o, "bpf_mode",
			       json_object_new_string(bpf_mode_name(cfg->bpf_mode)));
	json_object_object_add(o, "bpf", json_object_new_boolean(cfg->bpf));
	json_object_object_add(o, "pid", json_object_new_int(pid));

	ret = mkdir_private(run_dir());
	if (ret) {
		json_object_put(o);
		return ret;
	}
	state_path(cfg->dev_id, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) < 0) {
		ret = errno ? -errno : -EIO;
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		ret = -errno;
		unlink(tmp);
	}
out:
	json_object_put(o);
	return ret;
}

struct json_object *state_read(int dev_id)
{
	char path[PATH_MAX];
	struct json_object *o;

	state_path(dev_id, path, sizeof(path));
	if (access(path, R_OK) < 0)
		return NULL;
	o = json_object_from_file(path);
	if (!o || !json_object_is_type(o, json_type_object)) {
		if (o)
			json_object_put(o);
		errno = EINVAL;
		return NULL;
	}
	return o;
}

static int64_t get_int(struct json_object *o, const char *key, int64_t def)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return def;
	return json_object_get_int64(v);
}

int state_to_config(struct json_object *st, struct dev_config *cfg)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(st, "target", &v))
		return -EINVAL;
	cfg->tgt = target_find(json_object_get_string(v));
	if (!cfg->tgt)
		return -EINVAL;
	cfg->nr_files = 0;
	if (json_object_object_get_ex(st, "files", &v)) {
		size_t n = json_object_array_length(v);

		if (n > UBLKCTL_MAX_FILES)
			return -EINVAL;
		for (size_t i = 0; i < n; i++) {
			s = json_object_get_string(json_object_array_get_idx(v, i));
			cfg->files[cfg->nr_files++] = strdup(s ? s : "");
		}
	}
	cfg->dev_id = (int)get_int(st, "id", -1);
	cfg->size = (uint64_t)get_int(st, "size", 0);
	cfg->block_size = (unsigned)get_int(st, "block_size", 512);
	cfg->nr_queues = (unsigned)get_int(st, "queues", 1);
	cfg->depth = (unsigned)get_int(st, "depth", UBLKCTL_DEF_DEPTH);
	cfg->chunk_size = (uint32_t)get_int(st, "chunk_size", UBLKCTL_DEF_CHUNK);
	if (json_object_object_get_ex(st, "read_only", &v))
		cfg->read_only = json_object_get_boolean(v);
	if (json_object_object_get_ex(st, "recovery", &v))
		cfg->recovery = json_object_get_boolean(v);
	cfg->zero_copy = ZC_AUTO;
	if (json_object_object_get_ex(st, "zero_copy_mode", &v)) {
		s = json_object_get_string(v);
		for (int i = 0; i < 3; i++)
			if (s && !strcmp(s, zc_names[i]))
				cfg->zero_copy = (enum zc_mode)i;
	}
	cfg->bpf_mode = BPF_MODE_AUTO;
	if (json_object_object_get_ex(st, "bpf_mode", &v) &&
	    bpf_mode_parse(json_object_get_string(v), &cfg->bpf_mode))
		return -EINVAL;
	if (json_object_object_get_ex(st, "bpf", &v))
		cfg->bpf = json_object_get_boolean(v);
	if (cfg->block_size != 512 && cfg->block_size != 4096)
		return -EINVAL;
	if (cfg->nr_files < cfg->tgt->min_files ||
	    cfg->nr_files > cfg->tgt->max_files)
		return -EINVAL;
	return 0;
}

void state_remove(int dev_id)
{
	char path[PATH_MAX];

	state_path(dev_id, path, sizeof(path));
	unlink(path);
}
