// SPDX-License-Identifier: GPL-2.0
/* `ublkctl del (-n ID | -a)`: stop and delete, end the server, wait until
 * /dev/ublkbN is gone, forget the saved state. */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bpf_target.h"
#include "cli.h"
#include "ctrl.h"
#include "devlock.h"
#include "state.h"

enum { OPT_FORCE = 1000 };

static const struct argp_option del_options[] = {
	{ "id", 'n', "ID", 0, "Delete device ID", 0 },
	{ "all", 'a', 0, 0, "Delete every ublk device", 0 },
	{ "force", OPT_FORCE, 0, 0,
	  "Delete a device even while it is mounted or open", 0 },
	CLI_HELP_OPTION,
	{ 0 }
};

struct del_args {
	int id;
	bool all;
	bool force;
};

static error_t del_parse(int key, char *arg, struct argp_state *state)
{
	struct del_args *a = state->input;

	switch (key) {
	case 'n':
		a->id = cli_parse_id(arg);
		break;
	case 'a':
		a->all = true;
		break;
	case OPT_FORCE:
		a->force = true;
		break;
	case ARGP_KEY_END:
		if (a->all && a->id >= 0)
			usage_error("-n and -a are mutually exclusive");
		if (!a->all && a->id < 0)
			usage_error("missing device (-n ID or -a)");
		break;
	default:
		return cli_common_key(key, arg, state);
	}
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Is /dev/ublkbN open (mounted, held, open by a process)?  With
 * UBLK_F_SAFE_STOP_DEV the driver answers and stops the device in the
 * same step when nobody has it, so that nobody opens it meanwhile;
 * without, an exclusive open
 * fails on a mounted or held disk (a plain open by a process goes
 * unseen).
 */
static bool dev_busy(int id)
{
	uint64_t feat = 0;
	char path[64];
	int fd, ret;

	if (!ctrl_get_features(&feat) &&
	    (features_mask(feat) & UBLK_F_SAFE_STOP_DEV)) {
		ret = ctrl_try_stop_dev(id);
		return ret == -EBUSY;	/* -ENODEV: no disk, so nobody has it */
	}
	snprintf(path, sizeof(path), "/dev/ublkb%d", id);
	fd = open(path, O_RDONLY | O_EXCL | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return false;
	}
	return errno == EBUSY;
}

static int del_locked(int id, bool force)
{
	struct ublksrv_ctrl_dev_info info;
	char path[64];
	struct stat st;
	bool server, busy;
	int ret, i;

	ret = ctrl_get_info(id, &info);
	if (ret == -ENODEV) {
		/* a del that was killed after DEL_DEV: finish it */
		bool left = state_exists(id);

		state_remove(id);
		bpf_dev_forget(id);
		if (left)
			return 0;
		err_msg("device %d: %s", id, strerror(ENODEV));
		return EXIT_FAIL;
	}
	if (ret < 0) {
		err_msg("device %d: %s", id, strerror(-ret));
		return EXIT_FAIL;
	}
	busy = dev_busy(id);
	if (busy && !force) {
		err_msg("device %d: in use (mounted or open): not deleted; "
			"--force deletes it anyway", id);
		return EXIT_FAIL;
	}
	/* only the device's own server is signalled and waited for: the
	 * driver goes on reporting a dead server's pid, which may be reused */
	server = pid_is_server(info.ublksrv_pid, id);
	/* DEL_DEV stops the disk, aborts the server's commands and waits
	 * until the server has let go of /dev/ublkcN: a stopped server
	 * (SIGSTOP, ^Z) never would, and del would hang, so wake it. */
	if (server)
		kill(info.ublksrv_pid, SIGCONT);
	/* DEL_DEV would also wait for the last user of a busy disk, for
	 * ever on a mounted one: do not wait for that */
	if (busy) {
		ret = ctrl_del_dev_async(id);
		if (ret == -EINVAL || ret == -EOPNOTSUPP)
			ret = ctrl_del_dev(id);
	} else {
		ret = ctrl_del_dev(id);
	}
	if (ret < 0 && ret != -ENODEV) {
		err_msg("device %d: %s", id, strerror(-ret));
		return EXIT_FAIL;
	}
	test_stop_point("deleted");
	for (i = 0; server && i < 1000 && pid_alive(info.ublksrv_pid); i++)
		sleep_ms(10);
	snprintf(path, sizeof(path), "/dev/ublkb%d", id);
	for (i = 0; i < 1000 && stat(path, &st) == 0; i++)
		sleep_ms(10);
	bpf_dev_forget(id);
	state_remove(id);
	if (busy)
		warn_msg("device %d was in use: deleted anyway; its users get "
			 "IO errors, and id %d stays taken until the last of "
			 "them closes it", id, id);
	return 0;
}

/* Under the device's lock, so that an add that gets the id meanwhile
 * keeps its state and pins. */
static int del_one(int id, bool force)
{
	int lock_fd = devlock_take(id, 0), ret;

	if (lock_fd < 0)
		return EXIT_FAIL;
	ret = del_locked(id, force);
	devlock_release(id, lock_fd);
	return ret;
}

static const char del_usage[] = "Usage: ublkctl del (-n ID | -a) [--force]";

int cmd_del(int argc, char **argv)
{
	static const struct argp ap = {
		del_options, del_parse, NULL,
		"Stop and delete ublk devices and end their servers.  A device "
		"that is mounted or open is left alone (exit 1) unless --force "
		"is given.", NULL,
		NULL, NULL
	};
	struct del_args a = { .id = -1 };
	int *ids, n, rc = 0;

	cli_parse(&ap, del_usage, argc, argv, &a);
	if (ctrl_open())
		return EXIT_FAIL;
	if (!a.all) {
		rc = del_one(a.id, a.force);
		ctrl_close();
		return rc;
	}
	n = ctrl_list_ids(&ids);
	if (n < 0) {
		err_msg("/sys/class/ublk-char: %s", strerror(-n));
		return EXIT_FAIL;
	}
	/* newest first: a device stacked on another was added after it */
	for (int i = n - 1; i >= 0; i--)
		if (del_one(ids[i], a.force))
			rc = EXIT_FAIL;
	free(ids);
	ctrl_close();
	return rc;
}
