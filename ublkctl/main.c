// SPDX-License-Identifier: GPL-2.0
/* Placeholder entry point; the CLI proper replaces it. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("ublkctl %s\n", UBLKCTL_VERSION);
		return 0;
	}
	printf("Usage: ublkctl COMMAND [OPTION...]\n");
	return 0;
}
