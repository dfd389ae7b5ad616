// SPDX-License-Identifier: GPL-2.0
/* Error reporting, logging and small parsers shared by every command. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "ublkctl.h"

const char *cmd_name;
bool log_to_syslog;

/*
 * While a detached server sets itself up, its first error is kept here and
 * handed to the waiting `add`/`recover` through the handshake pipe, and
 * each warning is passed on at once, so that the command can print them:
 * records "W<warning>", "E<error>", "O<id>", each ending in a NUL.
 */
#define MSG_MAX		(3 * PATH_MAX)	/* two paths and the reason */
#define LINE_MAX_BYTES	(4 * MSG_MAX + 8)	/* escaped, four bytes a byte */

static int sink_fd = -1;
static char first_error[LINE_MAX_BYTES];
static pthread_mutex_t first_lock = PTHREAD_MUTEX_INITIALIZER;

void set_error_sink(int fd)
{
	sink_fd = fd;
	first_error[0] = '\0';
}

void sink_record(char kind, const char *msg)
{
	char rec[LINE_MAX_BYTES + 2];
	size_t len;

	if (sink_fd < 0)
		return;
	len = (size_t)snprintf(rec, sizeof(rec), "%c%s", kind, msg);
	if (len >= sizeof(rec))
		len = sizeof(rec) - 1;
	/* the NUL ends the record */
	if (write(sink_fd, rec, len + 1) < 0)
		syslog(LOG_ERR, "handshake pipe: %m");
}

/* Write the first error (if any) to the sink; the pipe closes at exit. */
void flush_error_sink(void)
{
	if (sink_fd < 0 || !first_error[0])
		return;
	sink_record('E', first_error);
	first_error[0] = '\0';
}

/* Write c at o, a control character escaped (at most 4 bytes). */
char *escape_char(char *o, unsigned char c)
{
	if (c == '\n')
		return o + sprintf(o, "\\n");
	if (c == '\t')
		return o + sprintf(o, "\\t");
	if (c < 0x20 || c == 0x7f)
		return o + sprintf(o, "\\x%02x", c);
	*o = (char)c;
	return o + 1;
}

/*
 * Format a message for one line: control characters (a newline in a
 * path) escaped, and if it is too long, the middle cut rather than the
 * end, where the reason is.
 */
static void format_line(char *out, size_t outlen, const char *fmt, va_list ap)
{
	char *raw = NULL, *o = out, *end = out + outlen - 5;
	size_t len, head;
	int n = vasprintf(&raw, fmt, ap);

	if (n < 0) {
		snprintf(out, outlen, "%s", fmt);
		return;
	}
	len = (size_t)n;
	head = len;
	if (len > MSG_MAX)
		head = MSG_MAX / 2;
	for (size_t i = 0; i < len && o < end; i++) {
		unsigned char c = (unsigned char)raw[i];

		if (i == head) {
			o += sprintf(o, "...");
			i = len - MSG_MAX / 2;
			c = (unsigned char)raw[i];
		}
		o = escape_char(o, c);
	}
	*o = '\0';
	free(raw);
}

static void vlog(int prio, const char *tag, const char *fmt, va_list ap)
{
	char msg[LINE_MAX_BYTES];

	format_line(msg, sizeof(msg), fmt, ap);
	if (prio == LOG_ERR && sink_fd >= 0) {
		/* queue threads may fail at once while starting */
		pthread_mutex_lock(&first_lock);
		if (!first_error[0])
			snprintf(first_error, sizeof(first_error), "%s", msg);
		pthread_mutex_unlock(&first_lock);
	}
	if (prio == LOG_WARNING && sink_fd >= 0) {
		pthread_mutex_lock(&first_lock);
		sink_record('W', msg);
		pthread_mutex_unlock(&first_lock);
	}
	if (log_to_syslog) {
		syslog(prio, "%s%s", tag, msg);
		return;
	}
	if (cmd_name)
		fprintf(stderr, "ublkctl: %s: %s%s\n", cmd_name, tag, msg);
	else
		fprintf(stderr, "ublkctl: %s%s\n", tag, msg);
}

void err_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, "", fmt, ap);
	va_end(ap);
}

void warn_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, "warning: ", fmt, ap);
	va_end(ap);
}

void info_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, "", fmt, ap);
	va_end(ap);
}

void dbg_msg(int verbose, const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_INFO, "", fmt, ap);
	va_end(ap);
}

_Noreturn void usage_error(const char *fmt, ...)
{
	va_list ap;

	char msg[LINE_MAX_BYTES];

	va_start(ap, fmt);
	format_line(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fputs("ublkctl: ", stderr);
	if (cmd_name)
		fprintf(stderr, "%s: ", cmd_name);
	fputs(msg, stderr);
	fputs("\nTry 'ublkctl --help' for more information.\n", stderr);
	exit(EXIT_USAGE);
}

void no_driver_error(void)
{
	const char *msg = "/dev/ublk-control: ublk driver not available "
			  "(modprobe ublk_drv?)";

	if (sink_fd >= 0 && !first_error[0])
		snprintf(first_error, sizeof(first_error), "%s", msg);
	if (log_to_syslog)
		syslog(LOG_ERR, "%s", msg);
	else
		fprintf(stderr, "ublkctl: %s\n", msg);
}

/* "4096", "64K", "1M", "256G", "1T", "1P", "1E" (powers of 1024); no
 * overflow. */
int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	case 'P':
		shift = 50;
		break;
	case 'E':
		shift = 60;
		break;
	default:
		return -1;
	}
	if (*end) {
		end++;
		/* accept an optional "iB" or "B" after the suffix */
		if (*end == 'i' && end[1] == 'B')
			end += 2;
		else if (*end == 'B')
			end++;
	}
	if (*end)
		return -1;
	if (shift && v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* 268435456 -> "256M", 1610612736 -> "1.5G", 1000 -> "1000B" */
void format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTPE";
	unsigned u = 0;
	double v = (double)bytes;

	while (v >= 1024.0 && u < sizeof(units) - 2) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 "B", bytes);
	else if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%" PRIu64 "%c", (uint64_t)v, units[u]);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
}

bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* True if pid names a process that has not exited (zombies count as gone). */
bool pid_alive(int pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool alive = false;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		alive = p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
	}
	fclose(f);
	return alive;
}

/* Is pid the server of device dev_id: does it hold /dev/ublkcN open?
 * The driver reports the pid of a dead server until someone else has it. */
bool pid_is_server(int pid, int dev_id)
{
	char path[64], want[64], link[64];
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (!pid_alive(pid))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	snprintf(want, sizeof(want), "/dev/ublkc%d", dev_id);
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		char fdpath[320];
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, de->d_name);
		n = readlink(fdpath, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		found = !strcmp(link, want);
	}
	closedir(d);
	return found;
}

/* A test hook: stop (SIGSTOP) at the named point when
 * $UBLKCTL_TEST_STOP names it, so that a test can kill -9 us there. */
void test_stop_point(const char *name)
{
	const char *at = getenv("UBLKCTL_TEST_STOP");

	if (at && !strcmp(at, name))
		raise(SIGSTOP);
}

/* /run/ublkctl, or $UBLKCTL_RUN_DIR (for tests). */
const char *run_dir(void)
{
	const char *d = getenv("UBLKCTL_RUN_DIR");

	return d && *d ? d : "/run/ublkctl";
}
