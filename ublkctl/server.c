// SPDX-License-Identifier: GPL-2.0
/*
 * Server lifecycle.  add: ADD_DEV, SET_PARAMS, open /dev/ublkcN, start one
 * thread per queue (each arms its FETCHes), START_DEV, save state.
 * recover: START_USER_RECOVERY, the same queue start, END_USER_RECOVERY.
 * Then the main thread waits for signals: SIGINT/SIGTERM stop and delete
 * the device of a foreground server, or one without recovery; a detached
 * server of a device with recovery only stops serving, so that the device
 * waits for `recover` (as after a crash, but with its queues drained).
 * SIGUSR1 means every queue ended (someone deleted the device).
 *
 * Detached servers are double-forked daemons; a pipe carries the
 * warnings of the start-up, then "O<id>" or "E<first error>" back to the
 * command that started them (util.c), the error written only once the
 * daemon has cleaned up, so a failed add leaves nothing behind.
 *
 * The state is saved as soon as ADD_DEV has given the device its id, and
 * the device carries the state's identity (ublksrv_flags), so that
 * whatever kills the server later leaves a device that `del` removes or
 * `recover` restarts.  The device's lock (devlock.h) is held until the
 * device is live.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "bpf_target.h"
#include "ctrl.h"
#include "devlock.h"
#include "queue.h"
#include "server.h"
#include "state.h"
#include "target.h"

struct server {
	struct dev_config *cfg;
	enum server_mode mode;
	struct ublk_queue *queues;
	unsigned nr_started;		/* threads created */
	int cdev_fd;
	int stop_fd;
	int lock_fd;			/* devlock of the device, or -1 */
	bool added;			/* we created the kernel device */
};

/* How long a new id waits for a `del` of its previous owner to finish. */
#define ADD_LOCK_WAIT_MS	30000

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static unsigned ilog2_u32(uint32_t v)
{
	return 31 - (unsigned)__builtin_clz(v);
}

static void notify_all_done(void)
{
	kill(getpid(), SIGUSR1);
}

static void notify_failed(void)
{
	kill(getpid(), SIGUSR2);
}

static void sigset_server(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGUSR2);
}

/* Negotiate flags for a new device from what the driver offers. */
static int choose_flags(struct dev_config *cfg, uint64_t *flags)
{
	uint64_t feat = 0;
	int ret;

	ret = ctrl_get_features(&feat);
	if (ret < 0 && ret != -EOPNOTSUPP && ret != -EINVAL) {
		err_msg("GET_FEATURES: %s", strerror(-ret));
		return -1;
	}
	feat = features_mask(feat);
	*flags = UBLK_F_CMD_IOCTL_ENCODE;
	if (cfg->recovery) {
		uint64_t want = UBLK_F_USER_RECOVERY |
				UBLK_F_USER_RECOVERY_REISSUE;

		if ((feat & want) != want) {
			warn_msg("driver lacks user recovery, continuing without");
			cfg->recovery = false;
		} else {
			*flags |= want;
		}
	}
	if (cfg->bpf)
		*flags |= UBLK_F_BPF;	/* bpf_choose() saw it offered */
	switch (cfg->zero_copy) {
	case ZC_ON:
		if (!(feat & UBLK_F_AUTO_BUF_REG)) {
			err_msg("--zero-copy=on: the ublk driver does not "
				"support auto_buf_reg");
			return -1;
		}
		*flags |= UBLK_F_AUTO_BUF_REG;
		break;
	case ZC_AUTO:
		if (feat & UBLK_F_AUTO_BUF_REG)
			*flags |= UBLK_F_AUTO_BUF_REG;
		break;
	case ZC_OFF:
		break;
	}
	return 0;
}

void server_params(const struct dev_config *cfg, struct ublk_params *p)
{
	memset(p, 0, sizeof(*p));
	p->types = UBLK_PARAM_TYPE_BASIC;
	p->basic.attrs = cfg->read_only ? UBLK_ATTR_READ_ONLY : 0;
	p->basic.logical_bs_shift = (uint8_t)ilog2_u32(cfg->block_size);
	p->basic.physical_bs_shift = p->basic.logical_bs_shift;
	p->basic.io_min_shift = p->basic.logical_bs_shift;
	p->basic.io_opt_shift = p->basic.logical_bs_shift;
	p->basic.max_sectors = cfg->max_io_bytes >> 9;
	p->basic.dev_sectors = cfg->size >> 9;
	if (cfg->tgt->set_params)
		cfg->tgt->set_params(cfg, p);
}

static int add_device(struct server *s)
{
	struct dev_config *cfg = s->cfg;
	struct ublksrv_ctrl_dev_info info;
	struct ublk_params p;
	uint64_t flags;
	char idbuf[16];
	int ret;

	if (choose_flags(cfg, &flags))
		return -1;
	memset(&info, 0, sizeof(info));
	info.nr_hw_queues = (uint16_t)cfg->nr_queues;
	info.queue_depth = (uint16_t)cfg->depth;
	info.max_io_buf_bytes = UBLKCTL_MAX_IO_BYTES;
	info.dev_id = cfg->dev_id < 0 ? UINT32_MAX : (uint32_t)cfg->dev_id;
	info.flags = flags;
	cfg->cookie = state_new_cookie();
	info.ublksrv_flags = cfg->cookie;	/* kept by the driver for us */
	ret = ctrl_add_dev(&info);
	if (ret == -EEXIST) {
		err_msg("device %d: id already in use", cfg->dev_id);
		return -1;
	}
	if (ret < 0) {
		err_msg("ADD_DEV: %s", strerror(-ret));
		return -1;
	}
	s->added = true;
	cfg->dev_id = (int)info.dev_id;
	cfg->nr_queues = info.nr_hw_queues;
	cfg->depth = info.queue_depth;
	cfg->dev_flags = info.flags;
	cfg->max_io_bytes = info.max_io_buf_bytes;
	/* without -n the id is known only now; a `del` of the id's previous
	 * device may still be forgetting it */
	if (s->lock_fd < 0) {
		s->lock_fd = devlock_take(cfg->dev_id, ADD_LOCK_WAIT_MS);
		if (s->lock_fd < 0)
			return -1;
	}
	if (state_save(cfg, getpid()))
		return -1;
	snprintf(idbuf, sizeof(idbuf), "%d", cfg->dev_id);
	sink_record('I', idbuf);	/* so that add can name what is left */
	test_stop_point("added");

	server_params(cfg, &p);
	ret = ctrl_set_params(cfg->dev_id, &p);
	if (ret < 0) {
		err_msg("SET_PARAMS: %s", strerror(-ret));
		return -1;
	}
	if (bpf_server_attach(cfg, false))
		return -1;
	dbg_msg(cfg->verbose, "device %d: %s, %u queues x %u, flags %#llx",
		cfg->dev_id, cfg->tgt->name, cfg->nr_queues, cfg->depth,
		(unsigned long long)cfg->dev_flags);
	return 0;
}

/*
 * The state must describe the device as the kernel has it: an edited state
 * (another chunk size, target or file set) would scramble the data.
 */
static int check_params(const struct dev_config *cfg)
{
	struct ublk_params want, have;
	char a[32], b[32];
	int ret;

	ret = ctrl_get_params(cfg->dev_id, &have);
	if (ret < 0) {
		err_msg("device %d: GET_PARAMS: %s", cfg->dev_id, strerror(-ret));
		return -1;
	}
	server_params(cfg, &want);
	if (want.basic.dev_sectors != have.basic.dev_sectors) {
		format_size(want.basic.dev_sectors << 9, a, sizeof(a));
		format_size(have.basic.dev_sectors << 9, b, sizeof(b));
		err_msg("device %d: saved state does not match the device "
			"(size %s, the device has %s)", cfg->dev_id, a, b);
		return -1;
	}
	if (want.basic.logical_bs_shift != have.basic.logical_bs_shift ||
	    want.basic.chunk_sectors != have.basic.chunk_sectors ||
	    want.basic.io_opt_shift != have.basic.io_opt_shift ||
	    want.basic.attrs != have.basic.attrs) {
		err_msg("device %d: saved state does not match the device "
			"(block size, chunk size or read-only differ)",
			cfg->dev_id);
		return -1;
	}
	return 0;
}

static int begin_recovery(struct server *s)
{
	struct dev_config *cfg = s->cfg;
	struct ublksrv_ctrl_dev_info info;
	int ret, waited = 0;

	ret = ctrl_get_info(cfg->dev_id, &info);
	if (ret < 0) {
		err_msg("device %d: %s", cfg->dev_id, strerror(-ret));
		return -1;
	}
	cfg->nr_queues = info.nr_hw_queues;
	cfg->depth = info.queue_depth;
	cfg->dev_flags = info.flags;
	cfg->max_io_bytes = info.max_io_buf_bytes;
	if (check_params(cfg))
		return -1;
	/* the old server's release work runs asynchronously: wait for it */
	while ((ret = ctrl_start_recovery(cfg->dev_id)) == -EBUSY &&
	       waited < 30000) {
		sleep_ms(50);
		waited += 50;
	}
	if (ret < 0) {
		err_msg("device %d: START_USER_RECOVERY: %s", cfg->dev_id,
			strerror(-ret));
		return -1;
	}
	/* the old program stays bound meanwhile: put a fresh one in, or
	 * take it out if this server is to serve in userspace */
	if (!cfg->bpf && (cfg->dev_flags & UBLK_F_BPF))
		return bpf_dev_detach(cfg->dev_id) < 0 ? -1 : 0;
	return bpf_server_attach(cfg, true);
}

static int open_cdev(struct server *s)
{
	char path[64];
	int waited = 0;

	snprintf(path, sizeof(path), "/dev/ublkc%d", s->cfg->dev_id);
	for (;;) {
		s->cdev_fd = open(path, O_RDWR | O_CLOEXEC);
		if (s->cdev_fd >= 0)
			return 0;
		if (errno != ENOENT || waited >= 5000)
			break;
		sleep_ms(10);
		waited += 10;
	}
	err_msg("%s: %s", path, strerror(errno));
	return -1;
}

static int start_queues(struct server *s)
{
	struct dev_config *cfg = s->cfg;
	int ret;

	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (s->stop_fd < 0) {
		err_msg("eventfd: %s", strerror(errno));
		return -1;
	}
	s->queues = calloc(cfg->nr_queues, sizeof(*s->queues));
	if (!s->queues) {
		err_msg("%s", strerror(ENOMEM));
		return -1;
	}
	queue_all_done = notify_all_done;
	queue_failed = notify_failed;
	for (unsigned i = 0; i < cfg->nr_queues; i++) {
		struct ublk_queue *q = &s->queues[i];

		q->cfg = cfg;
		q->q_id = i;
		q->depth = cfg->depth;
		q->zc = cfg_zero_copy(cfg);
		q->cdev_fd = s->cdev_fd;
		q->stop_fd = s->stop_fd;
		q->have_cpus = ctrl_get_affinity(cfg->dev_id, i, &q->cpus) == 0;
		ret = pthread_create(&q->thread, NULL, queue_thread, q);
		if (ret) {
			err_msg("queue %u: pthread_create: %s", i, strerror(ret));
			break;
		}
		s->nr_started++;
	}
	queues_wait_setup(s->nr_started);
	if (s->nr_started < cfg->nr_queues)
		return -1;
	for (unsigned i = 0; i < cfg->nr_queues; i++)
		if (s->queues[i].setup_err)
			return -1;
	return 0;
}

static void join_queues(struct server *s)
{
	for (unsigned i = 0; i < s->nr_started; i++)
		pthread_join(s->queues[i].thread, NULL);
	s->nr_started = 0;
}

static void release_server(struct server *s)
{
	free(s->queues);
	s->queues = NULL;
	if (s->cdev_fd >= 0)
		close(s->cdev_fd);
	s->cdev_fd = -1;
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	s->stop_fd = -1;
}

/* Setup failed before the device went live: undo what we did. */
static void abandon(struct server *s)
{
	uint64_t one = 1;

	if (s->stop_fd >= 0 && write(s->stop_fd, &one, sizeof(one)) < 0)
		err_msg("eventfd: %s", strerror(errno));
	join_queues(s);
	release_server(s);
	if (s->added) {
		int ret = ctrl_del_dev(s->cfg->dev_id);

		if (ret < 0 && ret != -ENODEV)
			err_msg("DEL_DEV: %s", strerror(-ret));
		bpf_dev_forget(s->cfg->dev_id);
		state_remove(s->cfg->dev_id);
	}
}

/* Orderly end of a live device: drain, stop, delete, forget. */
static void shutdown_device(struct server *s)
{
	int id = s->cfg->dev_id, ret;

	ret = ctrl_stop_dev(id);
	if (ret < 0 && ret != -ENODEV)
		err_msg("STOP_DEV: %s", strerror(-ret));
	join_queues(s);
	release_server(s);
	ret = ctrl_del_dev(id);
	if (ret < 0 && ret != -ENODEV)
		err_msg("DEL_DEV: %s", strerror(-ret));
	bpf_dev_forget(id);
	state_remove(id);
}

static int server_start(struct server *s)
{
	struct dev_config *cfg = s->cfg;
	int ret;

	s->cdev_fd = -1;
	s->stop_fd = -1;
	if (s->mode == SERVER_ADD ? add_device(s) : begin_recovery(s))
		goto fail;
	if (open_cdev(s) || start_queues(s))
		goto fail;
	if (s->mode == SERVER_RECOVER)
		test_stop_point("recovering");
	if (s->mode == SERVER_ADD)
		ret = ctrl_start_dev(cfg->dev_id, getpid());
	else
		ret = ctrl_end_recovery(cfg->dev_id, getpid());
	if (ret < 0) {
		err_msg("%s: %s", s->mode == SERVER_ADD ? "START_DEV" :
			"END_USER_RECOVERY", strerror(-ret));
		goto fail;
	}
	test_stop_point("started");
	/* the pid, and whether BPF serves it, are known only now */
	ret = state_save(cfg, getpid());
	if (ret < 0) {
		if (s->mode == SERVER_ADD)
			shutdown_device(s);
		else
			abandon(s);
		return -1;
	}
	return 0;
fail:
	abandon(s);
	return -1;
}

/*
 * A queue failed: the others must not go on serving a half-served device.
 * End the whole server: stop the queues and close /dev/ublkcN, which
 * hands the requests the failed queue held back to the driver (STOP_DEV
 * first would wait for them for ever).  With recovery the device then
 * waits, with its state, for `recover`; without, its IO fails, so remove
 * it.
 */
static void stop_serving(struct server *s)
{
	uint64_t one = 1;

	if (write(s->stop_fd, &one, sizeof(one)) < 0)
		err_msg("eventfd: %s", strerror(errno));
	join_queues(s);
	release_server(s);
}

static int end_failed(struct server *s)
{
	int id = s->cfg->dev_id, ret;
	bool recovery = s->cfg->dev_flags & UBLK_F_USER_RECOVERY;

	if (recovery)
		err_msg("device %d: a queue failed, ending the server ('ublkctl "
			"recover -n %d' starts a new one)", id, id);
	else
		err_msg("device %d: a queue failed, removing the device", id);
	stop_serving(s);
	if (recovery)
		return EXIT_FAIL;
	ret = ctrl_del_dev(id);
	if (ret < 0 && ret != -ENODEV)
		err_msg("DEL_DEV: %s", strerror(-ret));
	bpf_dev_forget(id);
	state_remove(id);
	return EXIT_FAIL;
}

static int server_wait(struct server *s)
{
	sigset_t set;
	int sig;

	sigset_server(&set);
	for (;;) {
		sig = sigwaitinfo(&set, NULL);
		if (sig < 0)
			continue;
		if (sig == SIGUSR1) {
			/* every queue ended: the device was stopped */
			join_queues(s);
			release_server(s);
			if (log_to_syslog || s->cfg->verbose)
				info_msg("device %d stopped", s->cfg->dev_id);
			return 0;
		}
		if (sig == SIGUSR2)
			return end_failed(s);
		if (sig == SIGHUP && !s->cfg->foreground)
			continue;
		/* nobody asked to delete: keep the device for recover */
		if (!s->cfg->foreground &&
		    (s->cfg->dev_flags & UBLK_F_USER_RECOVERY)) {
			info_msg("device %d: %s, no longer served ('ublkctl "
				 "recover -n %d' serves it again, 'ublkctl "
				 "del -n %d' removes it)", s->cfg->dev_id,
				 strsignal(sig), s->cfg->dev_id,
				 s->cfg->dev_id);
			stop_serving(s);
			return 0;
		}
		if (log_to_syslog || s->cfg->verbose)
			info_msg("device %d: %s, removing", s->cfg->dev_id,
				 strsignal(sig));
		shutdown_device(s);
		return 0;
	}
}

static void wait_block_dev(int dev_id)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/ublkb%d", dev_id);
	for (int i = 0; i < 500 && stat(path, &st) < 0; i++)
		sleep_ms(10);
}

/*
 * What the kernel offers a server that reclaim may depend on: writeback to
 * our device must not wait on memory that only our IO can free.  Failing
 * (without CAP_SYS_RESOURCE or CAP_IPC_LOCK) is worth a warning, not an
 * error.  MCL_ONFAULT: only the pages used are locked, not every buffer.
 */
static void become_io_server(void)
{
	if (prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0) < 0)
		warn_msg("PR_SET_IO_FLUSHER: %s", strerror(errno));
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0)
		warn_msg("mlockall: %s", strerror(errno));
}

/* The device is live, its state saved: others may work on it now. */
static void release_lock(struct server *s)
{
	devlock_release(s->cfg->dev_id, s->lock_fd);
	s->lock_fd = -1;
}

static int run_foreground(struct server *s)
{
	sigset_t set;
	int ret;

	sigset_server(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	become_io_server();
	ret = server_start(s);
	release_lock(s);
	if (ret)
		return EXIT_FAIL;
	if (s->mode == SERVER_ADD) {
		wait_block_dev(s->cfg->dev_id);
		printf("/dev/ublkb%d\n", s->cfg->dev_id);
		fflush(stdout);
	}
	return server_wait(s);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every inherited fd but those in keep[] (bats waits on fd 3). */
static void close_fds_except(int *keep, int n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int fds[1024], nfds = 0, dfd;

	if (!d)
		return;
	dfd = dirfd(d);
	qsort(keep, n, sizeof(*keep), cmp_int);
	while ((de = readdir(d)) && nfds < 1024) {
		int fd = atoi(de->d_name);
		bool kept = false;

		if (de->d_name[0] == '.' || fd < 3 || fd == dfd)
			continue;
		for (int i = 0; i < n; i++)
			kept |= keep[i] == fd;
		if (!kept)
			fds[nfds++] = fd;
	}
	closedir(d);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
}

static _Noreturn void daemon_child(struct server *s, int pipe_w)
{
	int keep[UBLKCTL_MAX_FDS + 3], nkeep = 0, fd, rc;
	sigset_t set;
	char msg[32];

	setsid();
	if (fork() != 0)
		_exit(0);
	if (chdir("/") < 0)
		_exit(1);
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	keep[nkeep++] = pipe_w;
	keep[nkeep++] = ctrl_fd();
	if (s->lock_fd >= 0)
		keep[nkeep++] = s->lock_fd;
	for (int i = 0; i < s->cfg->nr_fds; i++)
		keep[nkeep++] = s->cfg->fds[i];
	close_fds_except(keep, nkeep);
	ctrl_after_fork();

	openlog("ublkctl", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_to_syslog = true;
	set_error_sink(pipe_w);
	signal(SIGPIPE, SIG_IGN);
	sigset_server(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	become_io_server();

	if (server_start(s)) {
		release_lock(s);
		flush_error_sink();
		_exit(EXIT_FAIL);
	}
	release_lock(s);
	snprintf(msg, sizeof(msg), "%d", s->cfg->dev_id);
	sink_record('O', msg);
	close(pipe_w);
	set_error_sink(-1);
	info_msg("device %d (/dev/ublkb%d, %s) is live", s->cfg->dev_id,
		 s->cfg->dev_id, s->cfg->tgt->name);
	rc = server_wait(s);
	exit(rc);
}

/* Read the handshake to its end (the daemon's exit or its "O"). */
static char *read_handshake(int fd, size_t *lenp)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1);
	ssize_t n;

	while (buf) {
		if (len == cap) {
			char *nb = cap < (1U << 20) ? realloc(buf, 2 * cap + 1) : NULL;

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (buf)
		buf[len] = '\0';
	*lenp = buf ? len : 0;
	return buf;
}

static int run_detached(struct server *s)
{
	const char *error = NULL;
	size_t len;
	char *buf;
	int pfd[2], status, id = -1, added = -1;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		err_msg("pipe: %s", strerror(errno));
		return EXIT_FAIL;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err_msg("fork: %s", strerror(errno));
		return EXIT_FAIL;
	}
	if (pid == 0) {
		close(pfd[0]);
		daemon_child(s, pfd[1]);
	}
	close(pfd[1]);
	waitpid(pid, &status, 0);
	buf = read_handshake(pfd[0], &len);
	close(pfd[0]);
	/* records: "W<warning>", then "O<id>" or "E<error>", NUL-ended */
	for (size_t off = 0; buf && off < len; off += strlen(buf + off) + 1) {
		const char *r = buf + off;

		if (r[0] == 'W')
			warn_msg("%s", r + 1);
		else if (r[0] == 'E' && !error)
			error = r + 1;
		else if (r[0] == 'O')
			id = atoi(r + 1);
		else if (r[0] == 'I')
			added = atoi(r + 1);
	}
	/* ours is the last reference if the daemon died holding it */
	if (s->lock_fd >= 0)
		release_lock(s);
	if (id >= 0) {
		free(buf);
		if (s->mode == SERVER_ADD) {
			wait_block_dev(id);
			printf("/dev/ublkb%d\n", id);
		}
		return 0;
	}
	if (error)
		err_msg("%s", error);
	else if (added >= 0)
		err_msg("device %d: the server died while setting it up "
			"('ublkctl del -n %d' removes it)", added, added);
	else if (s->mode == SERVER_RECOVER)
		err_msg("device %d: the server died while recovering it "
			"('ublkctl recover -n %d' tries again)", s->cfg->dev_id,
			s->cfg->dev_id);
	else
		err_msg("server exited during setup");
	free(buf);
	return EXIT_FAIL;
}

int server_main(struct dev_config *cfg, enum server_mode mode, int lock_fd)
{
	struct server s = { .cfg = cfg, .mode = mode, .cdev_fd = -1,
			    .stop_fd = -1, .lock_fd = lock_fd };

	if (cfg->foreground)
		return run_foreground(&s);
	return run_detached(&s);
}
