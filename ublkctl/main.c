// SPDX-License-Identifier: GPL-2.0
/* ublkctl: entry point, command dispatch and the shared argp plumbing. */
#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ublkctl.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "add", cmd_add, "create a device and start its server" },
	{ "del", cmd_del, "stop and delete devices" },
	{ "list", cmd_list, "show devices" },
	{ "recover", cmd_recover, "restart the server of a device" },
	{ "features", cmd_features, "show the ublk driver's features" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char global_usage[] =
"Usage:\n"
"  ublkctl add -t TARGET [-f FILE]... [-n ID] [-q QUEUES] [-d DEPTH] [--size BYTES]\n"
"              [--chunk-size BYTES] [--block-size 512|4096] [--read-only]\n"
"              [--zero-copy=auto|on|off] [--bpf=auto|on|off] [--shared]\n"
"              [--no-recovery] [--foreground] [-v]\n"
"  ublkctl del (-n ID | -a) [--force]\n"
"  ublkctl list [-n ID] [-o COLUMNS | --output-all] [--noheadings]\n"
"               [--raw | --json]\n"
"  ublkctl recover -n ID\n"
"  ublkctl features [--json]\n"
"  ublkctl --help | --version ; ublkctl COMMAND --help\n";

static void print_global_help(void)
{
	printf("ublkctl - userspace block devices over ublk\n\n%s\nCommands:\n",
	       global_usage);
	for (size_t i = 0; i < NR_COMMANDS; i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	printf("\nTargets: null, loop, stripe.  Sizes take K/M/G/T/P/E suffixes "
	       "(powers of 1024).\n"
	       "Exit status: 0 success, 1 failure, 2 usage error.\n"
	       "See ublkctl(8).\n");
}

/* ---- argp plumbing ---------------------------------------------------- */

/* The option `--name` (len bytes) abbreviates; *ambiguous if several. */
static const struct argp_option *find_long(const struct argp *ap,
					   const char *name, size_t len,
					   bool *ambiguous)
{
	const struct argp_option *o, *match = NULL;

	*ambiguous = false;
	for (o = ap->options; o && (o->name || o->key || o->doc); o++) {
		if (!o->name || strncmp(o->name, name, len))
			continue;
		if (strlen(o->name) == len) {
			*ambiguous = false;
			return o;
		}
		if (match)
			*ambiguous = true;
		else
			match = o;
	}
	return match;
}

/* "'--block-size', '--bpf'": every option `--name` abbreviates. */
static void prefix_matches(const struct argp *ap, const char *name,
			   size_t len, char *buf, size_t buflen)
{
	const struct argp_option *o;
	size_t used = 0;

	buf[0] = '\0';
	for (o = ap->options; o && (o->name || o->key || o->doc); o++) {
		if (!o->name || strncmp(o->name, name, len) || used >= buflen)
			continue;
		used += (size_t)snprintf(buf + used, buflen - used, "%s'--%s'",
					 used ? ", " : "", o->name);
	}
}

static const struct argp_option *find_short(const struct argp *ap, int key)
{
	const struct argp_option *o;

	for (o = ap->options; o && (o->name || o->key || o->doc); o++)
		if (o->key == key && key < 128 && key > ' ')
			return o;
	return NULL;
}

/* getopt kept quiet: say what is wrong with `bad` if anything is. */
static void diagnose(const struct argp *ap, const char *bad)
{
	const struct argp_option *o;

	if (!strncmp(bad, "--", 2) && bad[2]) {
		const char *eq = strchr(bad, '=');
		size_t len = eq ? (size_t)(eq - bad - 2) : strlen(bad + 2);
		char names[256];
		bool ambiguous;

		o = find_long(ap, bad + 2, len, &ambiguous);
		if (!o)
			usage_error("unrecognized option '%s'", bad);
		if (ambiguous) {
			prefix_matches(ap, bad + 2, len, names, sizeof(names));
			usage_error("option '--%.*s' is ambiguous (%s)", (int)len,
				    bad + 2, names);
		}
		if (o->arg && !eq)
			usage_error("option '%s' requires an argument", bad);
		if (!o->arg && eq)
			usage_error("option '--%s' doesn't allow an argument",
				    o->name);
		return;
	}
	if (bad[0] != '-' || !bad[1] || bad[1] == '-')
		return;
	for (const char *c = bad + 1; *c; c++) {
		o = find_short(ap, *c);
		if (!o)
			usage_error("invalid option -- '%c'", *c);
		if (o->arg) {
			if (!c[1])
				usage_error("option requires an argument -- '%c'",
					    *c);
			return;
		}
	}
}

static _Noreturn void bad_option(struct argp_state *state)
{
	/* the offending word is the last one getopt consumed, or the next
	 * one when the error is inside a cluster of short options */
	if (state->next > 0 && state->next <= state->argc)
		diagnose(state->root_argp, state->argv[state->next - 1]);
	if (state->next >= 0 && state->next < state->argc)
		diagnose(state->root_argp, state->argv[state->next]);
	usage_error("invalid arguments");
}

static const char *help_usage;

error_t cli_common_key(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case OPT_HELP_KEY: {
		char name[32];

		snprintf(name, sizeof(name), "ublkctl %s", cmd_name);
		printf("%s\n", help_usage);
		argp_help(state->root_argp, stdout,
			  ARGP_HELP_PRE_DOC | ARGP_HELP_LONG |
			  ARGP_HELP_POST_DOC, name);
		exit(0);
	}
	case ARGP_KEY_ARG:
		usage_error("unexpected argument '%s'", arg);
	case ARGP_KEY_ERROR:
		bad_option(state);
	}
	return ARGP_ERR_UNKNOWN;
}

void cli_parse(const struct argp *ap, const char *usage, int argc,
	       char **argv, void *input)
{
	int idx;

	help_usage = usage;
	argp_err_exit_status = EXIT_USAGE;
	if (argp_parse(ap, argc, argv, ARGP_NO_ERRS | ARGP_NO_HELP |
		       ARGP_IN_ORDER, &idx, input))
		usage_error("invalid arguments");
}

void cli_once(const struct argp_option *opts, unsigned char *seen,
	      size_t nseen, int key)
{
	const struct argp_option *o;

	if (key < 0 || (size_t)key >= nseen || !seen[key]++)
		return;
	for (o = opts; o->name; o++) {
		if (o->key != key)
			continue;
		if (key < 128)
			usage_error("option '-%c' (--%s) given more than once",
				    key, o->name);
		usage_error("option '--%s' given more than once", o->name);
	}
}

int cli_parse_id(const char *arg)
{
	unsigned long v;

	if (parse_uint(arg, UBLK_MAX_DEV_ID, &v))
		usage_error("invalid device id '%s' (0-%u)", arg,
			    UBLK_MAX_DEV_ID);
	return (int)v;
}

/* ---- main --------------------------------------------------------------- */

int main(int argc, char **argv)
{
	const char *cmd;

	argp_err_exit_status = EXIT_USAGE;
	if (argc < 2)
		usage_error("missing command: add, del, list, recover or "
			    "features");
	cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "-?")) {
		print_global_help();
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("ublkctl %s\n", UBLKCTL_VERSION);
		return 0;
	}
	for (size_t i = 0; i < NR_COMMANDS; i++) {
		if (strcmp(cmd, commands[i].name))
			continue;
		cmd_name = commands[i].name;
		/* argv[0] for argp: "ublkctl CMD"; options start at argv[2] */
		argv[1] = argv[0];
		return commands[i].run(argc - 1, argv + 1);
	}
	if (cmd[0] == '-')
		usage_error("%s: unrecognized option", cmd);
	usage_error("%s: unknown command", cmd);
}
