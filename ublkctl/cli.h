/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line plumbing shared by the per-command parsers. */
#ifndef UBLKCTL_CLI_H
#define UBLKCTL_CLI_H

#include <argp.h>

#define OPT_HELP_KEY	'?'

/* Every command's option table ends with this entry (before the {0}). */
#define CLI_HELP_OPTION \
	{ "help", OPT_HELP_KEY, 0, 0, "Show this help and exit", -1 }

/*
 * Parse argv for one command with our own error handling: a bad option
 * prints `ublkctl: CMD: unrecognized option '--x'` and the "Try" line and
 * exits 2; --help prints `usage` and the option list and exits 0.
 */
void cli_parse(const struct argp *ap, const char *usage, int argc,
	       char **argv, void *input);

/* For use from parsers: handle the keys every command shares. */
error_t cli_common_key(int key, char *arg, struct argp_state *state);

/*
 * For use from parsers: a second use of option `key` (of the table `opts`)
 * would silently win over the first, so it is a usage error naming the
 * option.  seen[] counts the uses by key, nseen entries; other keys
 * (argp's own, above nseen) pass.
 */
void cli_once(const struct argp_option *opts, unsigned char *seen,
	      size_t nseen, int key);

/* A device id argument: 0..UBLK_MAX_DEV_ID, else a usage error. */
int cli_parse_id(const char *arg);

int cmd_add(int argc, char **argv);
int cmd_del(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_recover(int argc, char **argv);
int cmd_features(int argc, char **argv);

#endif
