// SPDX-License-Identifier: GPL-2.0
/* `ublkctl del (-n ID | -a)`: stop and delete, end the server, wait until
 * /dev/ublkbN is gone, forget the saved state. */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bpf_target.h"
#include "cli.h"
#include "ctrl.h"
#include "state.h"

static const struct argp_option del_options[] = {
	{ "id", 'n', "ID", 0, "Delete device ID", 0 },
	{ "all", 'a', 0, 0, "Delete every ublk device", 0 },
	CLI_HELP_OPTION,
	{ 0 }
};

struct del_args {
	int id;
	bool all;
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

static int del_one(int id)
{
	struct ublksrv_ctrl_dev_info info;
	char path[64];
	struct stat st;
	int ret, i;

	ret = ctrl_get_info(id, &info);
	if (ret == -ENODEV) {
		state_remove(id);	/* stale, if any */
		bpf_dev_forget(id);
		err_msg("device %d: %s", id, strerror(ENODEV));
		return EXIT_FAIL;
	}
	if (ret < 0) {
		err_msg("device %d: %s", id, strerror(-ret));
		return EXIT_FAIL;
	}
	/* DEL_DEV stops the disk, aborts the server's commands and waits
	 * until the server has let go of /dev/ublkcN: a stopped server
	 * (SIGSTOP, ^Z) never would, and del would hang, so wake it. */
	if (info.ublksrv_pid > 0)
		kill(info.ublksrv_pid, SIGCONT);
	ret = ctrl_del_dev(id);
	if (ret < 0 && ret != -ENODEV) {
		err_msg("device %d: %s", id, strerror(-ret));
		return EXIT_FAIL;
	}
	for (i = 0; i < 1000 && pid_alive(info.ublksrv_pid); i++)
		sleep_ms(10);
	snprintf(path, sizeof(path), "/dev/ublkb%d", id);
	for (i = 0; i < 1000 && stat(path, &st) == 0; i++)
		sleep_ms(10);
	bpf_dev_forget(id);
	state_remove(id);
	return 0;
}

static const char del_usage[] = "Usage: ublkctl del (-n ID | -a)";

int cmd_del(int argc, char **argv)
{
	static const struct argp ap = {
		del_options, del_parse, NULL,
		"Stop and delete ublk devices and end their servers.", NULL,
		NULL, NULL
	};
	struct del_args a = { .id = -1 };
	int *ids, n, rc = 0;

	cli_parse(&ap, del_usage, argc, argv, &a);
	if (ctrl_open())
		return EXIT_FAIL;
	if (!a.all) {
		rc = del_one(a.id);
		ctrl_close();
		return rc;
	}
	n = ctrl_list_ids(&ids);
	if (n < 0) {
		err_msg("/sys/class/ublk-char: %s", strerror(-n));
		return EXIT_FAIL;
	}
	for (int i = 0; i < n; i++)
		if (del_one(ids[i]))
			rc = EXIT_FAIL;
	free(ids);
	ctrl_close();
	return rc;
}
