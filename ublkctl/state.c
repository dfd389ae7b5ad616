// SPDX-License-Identifier: GPL-2.0
/* Saved device state, so that `list` can name targets and files and
 * `recover` can restart a server with no arguments repeated.  What is
 * read back is checked field by field: an edited or damaged state file is
 * an error, never a crash or a server on files nobody asked for. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf_target.h"
#include "state.h"
#include "target.h"
#include "trust.h"

#define STATE_VERSION	1
#define STATE_MAX_BYTES	(64 * 1024)

static const char *zc_names[] = { "auto", "on", "off" };

static void state_path(int dev_id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%d.json", run_dir(), dev_id);
}

uint64_t state_new_cookie(void)
{
	uint64_t c = 0;

	while (!c)
		if (getrandom(&c, sizeof(c), 0) != sizeof(c))
			c = 0;
	return c;
}

static struct json_object *state_json(const struct dev_config *cfg, int pid)
{
	struct json_object *o = json_object_new_object();
	struct json_object *files = json_object_new_array();
	char cookie[32];

	snprintf(cookie, sizeof(cookie), "%016" PRIx64, cfg->cookie);
	json_object_object_add(o, "version", json_object_new_int(STATE_VERSION));
	json_object_object_add(o, "id", json_object_new_int(cfg->dev_id));
	json_object_object_add(o, "cookie", json_object_new_string(cookie));
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
	if (cfg->tgt->opts & TGT_OPT_CACHE)
		json_object_object_add(o, "cache_size",
				       json_object_new_int64((int64_t)cfg->cache_size));
	if (cfg->tgt->describe) {
		struct json_object *info = json_object_new_object();

		cfg->tgt->describe(cfg, info);
		json_object_object_add(o, "target_info", info);
	}
	json_object_object_add(o, "read_only",
			       json_object_new_boolean(cfg->read_only));
	json_object_object_add(o, "shared",
			       json_object_new_boolean(cfg->shared));
	json_object_object_add(o, "zero_copy_mode",
			       json_object_new_string(zc_names[cfg->zero_copy]));
	json_object_object_add(o, "recovery",
			       json_object_new_boolean(cfg->recovery));
	json_object_object_add(o, "bpf_mode",
			       json_object_new_string(bpf_mode_name(cfg->bpf_mode)));
	json_object_object_add(o, "bpf", json_object_new_boolean(cfg->bpf));
	json_object_object_add(o, "pid", json_object_new_int(pid));
	return o;
}

int state_save(const struct dev_config *cfg, int pid)
{
	struct json_object *o;
	char path[PATH_MAX], tmp[PATH_MAX + 32], why[PATH_MAX + 64];
	const char *text;
	size_t len;
	int fd, ret;

	ret = trusted_dir(run_dir(), true, why, sizeof(why));
	if (ret) {
		err_msg("%s", why);
		return ret;
	}
	o = state_json(cfg, pid);
	state_path(cfg->dev_id, path, sizeof(path));
	/* a fresh name, created exclusively: nothing planted is followed */
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	len = strlen(text);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		err_msg("%s: %s", run_dir(), strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) < 0 || write(fd, text, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
		ret = errno ? -errno : -EIO;
		err_msg("%s: %s", tmp, strerror(-ret));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		ret = -errno;
		err_msg("%s: %s", path, strerror(errno));
		unlink(tmp);
	}
out:
	json_object_put(o);
	return ret;
}

/* The file must be ours alone: not a link, not writable by others. */
static int read_private(const char *path, char *buf, size_t len,
			char *why, size_t whylen)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT)
			return -ENOENT;
		snprintf(why, whylen, "%s: %s", path, e == ELOOP ?
			 "is a symbolic link, not trusted" : strerror(e));
		return -e;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, whylen, "%s: owned by uid %u with mode %04o, not "
			 "trusted", path, (unsigned)st.st_uid,
			 (unsigned)(st.st_mode & 07777));
		close(fd);
		return -EPERM;
	}
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -EIO;
	}
	if ((size_t)n == len - 1) {
		snprintf(why, whylen, "%s: too large for a state file", path);
		return -EINVAL;
	}
	buf[n] = '\0';
	return 0;
}

int state_load(int dev_id, struct json_object **st, char *why, size_t whylen)
{
	char path[PATH_MAX];
	char *buf;
	struct json_object *o;
	enum json_tokener_error jerr;
	int ret;

	*st = NULL;
	ret = trusted_dir(run_dir(), false, why, whylen);
	if (ret)
		return ret;
	state_path(dev_id, path, sizeof(path));
	buf = malloc(STATE_MAX_BYTES);
	if (!buf) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	ret = read_private(path, buf, STATE_MAX_BYTES, why, whylen);
	if (ret) {
		free(buf);
		return ret;
	}
	o = json_tokener_parse_verbose(buf, &jerr);
	free(buf);
	if (!o || !json_object_is_type(o, json_type_object)) {
		snprintf(why, whylen, "%s: not a JSON object", path);
		json_object_put(o);
		return -EINVAL;
	}
	*st = o;
	return 0;
}

uint64_t state_cookie(struct json_object *st)
{
	struct json_object *v;
	const char *s;
	char *end;
	uint64_t c;

	if (!json_object_object_get_ex(st, "cookie", &v) ||
	    !json_object_is_type(v, json_type_string))
		return 0;
	s = json_object_get_string(v);
	if (strlen(s) != 16)
		return 0;
	errno = 0;
	c = strtoull(s, &end, 16);
	return errno || *end ? 0 : c;
}

/* Field readers: the value, of the right type and range, or a reason. */
struct reader {
	struct json_object *st;
	char *why;
	size_t whylen;
	bool bad;
};

static struct json_object *field(struct reader *r, const char *key,
				 json_type type, const char *what)
{
	struct json_object *v;

	if (r->bad)
		return NULL;
	if (!json_object_object_get_ex(r->st, key, &v) ||
	    !json_object_is_type(v, type)) {
		snprintf(r->why, r->whylen, "'%s' is not %s", key, what);
		r->bad = true;
		return NULL;
	}
	return v;
}

static int64_t int_field(struct reader *r, const char *key, int64_t min,
			 int64_t max)
{
	struct json_object *v = field(r, key, json_type_int, "an integer");
	int64_t x;

	if (!v)
		return min;
	errno = 0;
	x = json_object_get_int64(v);
	if (errno || x < min || x > max) {
		snprintf(r->why, r->whylen, "'%s' is out of range", key);
		r->bad = true;
		return min;
	}
	return x;
}

static bool bool_field(struct reader *r, const char *key)
{
	struct json_object *v = field(r, key, json_type_boolean, "a boolean");

	return v && json_object_get_boolean(v);
}

static const char *string_field(struct reader *r, const char *key)
{
	struct json_object *v = field(r, key, json_type_string, "a string");

	return v ? json_object_get_string(v) : "";
}

static void read_files(struct reader *r, struct dev_config *cfg)
{
	struct json_object *v = field(r, "files", json_type_array,
				      "an array of absolute paths");
	size_t n;

	if (!v)
		return;
	n = json_object_array_length(v);
	if (n < (size_t)cfg->tgt->min_files || n > (size_t)cfg->tgt->max_files) {
		snprintf(r->why, r->whylen, "'files' has %zu entries, target "
			 "'%s' takes %d to %d", n, cfg->tgt->name,
			 cfg->tgt->min_files, cfg->tgt->max_files);
		r->bad = true;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(v, i);
		const char *s = json_object_get_string(f);

		if (!json_object_is_type(f, json_type_string) || s[0] != '/' ||
		    strlen(s) >= PATH_MAX) {
			snprintf(r->why, r->whylen, "'files' is not an array "
				 "of absolute paths");
			r->bad = true;
			return;
		}
		cfg->files[cfg->nr_files++] = strdup(s);
	}
}

int state_to_config(struct json_object *st, struct dev_config *cfg,
		    char *why, size_t whylen)
{
	struct reader r = { st, why, whylen, false };
	const char *s;
	int i;

	cfg->nr_files = 0;
	if (int_field(&r, "version", STATE_VERSION, STATE_VERSION) !=
	    STATE_VERSION && !r.bad) {
		snprintf(why, whylen, "unknown version");
		return -EINVAL;
	}
	s = string_field(&r, "target");
	if (r.bad)
		return -EINVAL;
	cfg->tgt = target_find(s);
	if (!cfg->tgt) {
		snprintf(why, whylen, "unknown target");
		return -EINVAL;
	}
	cfg->cookie = state_cookie(st);
	/* a state of before device identities: nothing ties it to this
	 * device, and its device has no identity to compare with */
	if (!json_object_object_get_ex(st, "cookie", NULL)) {
		snprintf(why, whylen, "it has no 'cookie' (an older ublkctl "
			 "wrote it; without the device's identity it is not "
			 "trusted)");
		return -EINVAL;
	}
	if (!cfg->cookie) {
		snprintf(why, whylen, "'cookie' is not 16 hex digits");
		return -EINVAL;
	}
	cfg->dev_id = (int)int_field(&r, "id", 0, UBLK_MAX_DEV_ID);
	cfg->size = (uint64_t)int_field(&r, "size", 1, INT64_MAX);
	cfg->block_size = (unsigned)int_field(&r, "block_size", 512, 4096);
	cfg->nr_queues = (unsigned)int_field(&r, "queues", 1,
					     UBLKCTL_MAX_QUEUES);
	cfg->depth = (unsigned)int_field(&r, "depth", 1, UBLK_MAX_QUEUE_DEPTH);
	if (cfg->tgt->opts & TGT_OPT_CHUNK)
		cfg->chunk_size = (uint32_t)int_field(&r, "chunk_size", 4096,
						      1 << 20);
	else
		cfg->chunk_size = UBLKCTL_DEF_CHUNK;
	if (cfg->tgt->opts & TGT_OPT_CACHE)
		cfg->cache_size = (uint64_t)int_field(&r, "cache_size", 0,
						      1LL << 40);
	cfg->read_only = bool_field(&r, "read_only");
	/* optional: state written before --shared existed has none */
	if (json_object_object_get_ex(st, "shared", NULL))
		cfg->shared = bool_field(&r, "shared");
	cfg->recovery = bool_field(&r, "recovery");
	cfg->bpf = bool_field(&r, "bpf");
	s = string_field(&r, "zero_copy_mode");
	for (i = 0; i < 3 && strcmp(s, zc_names[i]); i++)
		;
	if (!r.bad && i == 3) {
		snprintf(why, whylen, "'zero_copy_mode' is not auto, on or off");
		return -EINVAL;
	}
	cfg->zero_copy = (enum zc_mode)(i % 3);
	s = string_field(&r, "bpf_mode");
	if (!r.bad && bpf_mode_parse(s, &cfg->bpf_mode)) {
		snprintf(why, whylen, "'bpf_mode' is not auto, on or off");
		return -EINVAL;
	}
	read_files(&r, cfg);
	if (r.bad)
		return -EINVAL;
	if (cfg->block_size != 512 && cfg->block_size != 4096) {
		snprintf(why, whylen, "'block_size' is not 512 or 4096");
		return -EINVAL;
	}
	if (!is_pow2(cfg->chunk_size)) {
		snprintf(why, whylen, "'chunk_size' is not a power of two");
		return -EINVAL;
	}
	return 0;
}

bool state_exists(int dev_id)
{
	char path[PATH_MAX], why[PATH_MAX + 64];
	struct stat st;

	if (trusted_dir(run_dir(), false, why, sizeof(why)))
		return false;
	state_path(dev_id, path, sizeof(path));
	return lstat(path, &st) == 0;
}

void state_remove(int dev_id)
{
	char path[PATH_MAX], why[PATH_MAX + 64];

	if (trusted_dir(run_dir(), false, why, sizeof(why)))
		return;
	state_path(dev_id, path, sizeof(path));
	unlink(path);
}
