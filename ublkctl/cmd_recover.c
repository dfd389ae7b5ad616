// SPDX-License-Identifier: GPL-2.0
/* `ublkctl recover -n ID`: start a new server for a device whose server
 * died, from the saved state. */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctrl.h"
#include "devlock.h"
#include "server.h"
#include "state.h"
#include "target.h"

static const struct argp_option recover_options[] = {
	{ "id", 'n', "ID", 0, "Recover device ID", 0 },
	CLI_HELP_OPTION,
	{ 0 }
};

static error_t recover_parse(int key, char *arg, struct argp_state *state)
{
	int *id = state->input;

	switch (key) {
	case 'n':
		*id = cli_parse_id(arg);
		break;
	case ARGP_KEY_END:
		if (*id < 0)
			usage_error("missing device (-n ID)");
		break;
	default:
		return cli_common_key(key, arg, state);
	}
	return 0;
}

static const char recover_usage[] = "Usage: ublkctl recover -n ID";

/*
 * Everything that must hold before a server may start on the files the
 * state names: the state is ours, intact and about this very device.
 * 0 with cfg filled, or -1 (printed).
 */
static int load_config(int id, const struct ublksrv_ctrl_dev_info *info,
		       struct dev_config *cfg)
{
	char why[PATH_MAX + 128];
	struct json_object *st;
	int ret;

	ret = state_load(id, &st, why, sizeof(why));
	if (ret == -ENOENT) {
		err_msg("device %d: no saved state in %s", id, run_dir());
		return -1;
	}
	if (ret) {
		err_msg("device %d: %s", id, why);
		return -1;
	}
	memset(cfg, 0, sizeof(*cfg));
	for (int i = 0; i < UBLKCTL_MAX_FDS; i++)
		cfg->fds[i] = -1;
	ret = state_to_config(st, cfg, why, sizeof(why));
	json_object_put(st);
	if (ret) {
		err_msg("device %d: saved state %s/%d.json is invalid: %s", id,
			run_dir(), id, why);
		return -1;
	}
	if (cfg->cookie != info->ublksrv_flags || cfg->dev_id != id) {
		err_msg("device %d: saved state %s/%d.json is stale (it "
			"describes another device)", id, run_dir(), id);
		return -1;
	}
	return 0;
}

int cmd_recover(int argc, char **argv)
{
	static const struct argp ap = {
		recover_options, recover_parse, NULL,
		"Start a new server for a device whose server has died, with "
		"the target, files and options it was created with.", NULL,
		NULL, NULL
	};
	struct ublksrv_ctrl_dev_info info;
	struct dev_config cfg;
	int id = -1, ret, rc, lock_fd;

	cli_parse(&ap, recover_usage, argc, argv, &id);
	if (ctrl_open())
		return EXIT_FAIL;
	ret = ctrl_get_info(id, &info);
	if (ret < 0) {
		err_msg("device %d: %s", id, strerror(-ret));
		return EXIT_FAIL;
	}
	lock_fd = devlock_take(id, 0);
	if (lock_fd < 0)
		return EXIT_FAIL;
	rc = EXIT_FAIL;
	/* again, now that nobody else works on it */
	ret = ctrl_get_info(id, &info);
	if (ret < 0) {
		err_msg("device %d: %s", id, strerror(-ret));
		goto out;
	}
	if (!(info.flags & UBLK_F_USER_RECOVERY)) {
		err_msg("device %d: created without recovery", id);
		goto out;
	}
	if (info.state == UBLK_S_DEV_LIVE &&
	    pid_is_server(info.ublksrv_pid, id)) {
		err_msg("device %d: server is running (pid %d)", id,
			info.ublksrv_pid);
		goto out;
	}
	if (info.state == UBLK_S_DEV_DEAD) {
		err_msg("device %d: device is not started", id);
		goto out;
	}
	if (load_config(id, &info, &cfg))
		goto out;
	cfg.recovering = true;
	if (cfg.tgt->open(&cfg))
		goto out;
	rc = server_main(&cfg, SERVER_RECOVER, lock_fd);
	lock_fd = -1;
	target_close(&cfg);
out:
	devlock_release(id, lock_fd);
	ctrl_close();
	return rc;
}
