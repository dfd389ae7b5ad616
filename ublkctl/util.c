// SPDX-License-Identifier: GPL-2.0
/* Error reporting, logging and small parsers shared by every command. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
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
 * handed to the waiting `add`/`recover` through the handshake pipe.
 */
static int sink_fd = -1;
static char first_error[1024];
static pthread_mutex_t first_lock = PTHREAD_MUTEX_INITIALIZER;

void set_error_sink(int fd)
{
	sink_fd = fd;
	first_error[0] = '\0';
}

/* Write the first error (if any) to the sink; the pipe closes at exit. */
void flush_error_sink(void)
{
	size_t len;

	if (sink_fd < 0 || !first_error[0])
		return;
	len = strlen(first_error);
	if (write(sink_fd, "E", 1) == 1 && write(sink_fd, first_error, len) < 0)
		syslog(LOG_ERR, "handshake pipe: %m");
	first_error[0] = '\0';
}

static void vlog(int prio, const char *tag, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (prio == LOG_ERR && sink_fd >= 0) {
		/* queue threads may fail at once while starting */
		pthread_mutex_lock(&first_lock);
		if (!first_error[0])
			snprintf(first_error, sizeof(first_error), "%s", msg);
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

	fputs("ublkctl: ", stderr);
	if (cmd_name)
		fprintf(stderr, "%s: ", cmd_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
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

/* "4096", "64K", "1M", "256G", "1T" (powers of 1024); no overflow. */
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

/* /run/ublkctl, or $UBLKCTL_RUN_DIR (for tests). */
const char *run_dir(void)
{
	const char *d = getenv("UBLKCTL_RUN_DIR");

	return d && *d ? d : "/run/ublkctl";
}
