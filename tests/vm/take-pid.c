// SPDX-License-Identifier: GPL-2.0
/*
 * take-pid [-w] PID CMD...: run CMD with process id PID, once PID is
 * free, by forking until the kernel hands it out (the test kernel has no
 * ns_last_pid).  Prints nothing; exits 0 once CMD runs as PID (with -w:
 * once CMD has ended, with its exit status), 1 if a whole round of pids
 * went by without it.  For the VM tests of a dead server's recycled pid,
 * and of names a command derives from its pid.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long want, max = 4194304;
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	int wait_cmd = argc > 1 && !strcmp(argv[1], "-w");

	argv += wait_cmd;
	argc -= wait_cmd;
	if (argc < 3)
		return 2;
	want = atol(argv[1]);
	if (f) {
		if (fscanf(f, "%ld", &max) != 1)
			max = 4194304;
		fclose(f);
	}
	for (long i = 0; i < 2 * max; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			if (getpid() == want) {
				execvp(argv[2], argv + 2);
				_exit(127);
			}
			_exit(0);
		}
		if (pid == want) {
			int status;

			if (!wait_cmd)
				return 0;
			if (waitpid(pid, &status, 0) < 0)
				return 1;
			return WIFEXITED(status) ? WEXITSTATUS(status) :
			       128 + WTERMSIG(status);
		}
		waitpid(pid, NULL, 0);
	}
	return 1;
}
