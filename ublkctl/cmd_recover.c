// SPDX-License-Identifier: GPL-2.0
/* `ublkctl recover -n ID`: start a new server for a device whose server
 * died, from the saved state. */
#include <argp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctrl.h"
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
	struct json_object *st;
	int id = -1, ret, rc;

	cli_parse(&ap, recover_usage, argc, argv, &id);
	if (ctrl_open())
		return EXIT_FAIL;
	ret = ctrl_get_info(id, &info);
	if (ret < 0) {
		err_msg("device %d: %s", id, strerror(-ret));
		return EXIT_FAIL;
	}
	if (!(info.flags & UBLK_F_USER_RECOVERY)) {
		err_msg("device %d: created without recovery", id);
		return EXIT_FAIL;
	}
	if (info.ublksrv_pid > 0 && pid_alive(info.ublksrv_pid) &&
	    info.state == UBLK_S_DEV_LIVE) {
		err_msg("device %d: server is running (pid %d)", id,
			info.ublksrv_pid);
		return EXIT_FAIL;
	}
	if (info.state == UBLK_S_DEV_DEAD) {
		err_msg("device %d: device is not started", id);
		return EXIT_FAIL;
	}
	st = state_read(id);
	if (!st) {
		err_msg("device %d: no saved state in %s", id, run_dir());
		return EXIT_FAIL;
	}
	memset(&cfg, 0, sizeof(cfg));
	for (int i = 0; i < UBLKCTL_MAX_FDS; i++)
		cfg.fds[i] = -1;
	ret = state_to_config(st, &cfg);
	json_object_put(st);
	if (ret < 0) {
		err_msg("device %d: saved state is invalid", id);
		return EXIT_FAIL;
	}
	cfg.dev_id = id;
	if (cfg.tgt->open(&cfg))
		return EXIT_FAIL;
	rc = server_main(&cfg, SERVER_RECOVER);
	target_close(&cfg);
	ctrl_close();
	return rc;
}
