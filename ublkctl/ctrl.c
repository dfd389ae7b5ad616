// SPDX-License-Identifier: GPL-2.0
/*
 * Control path: every UBLK_U_CMD_* goes through one small SQE128 io_uring
 * on /dev/ublk-control, one command at a time.  Only the thread that owns
 * the ring (the main thread) may call these.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctrl.h"
#include "ublkctl.h"

#define CTRL_DEV "/dev/ublk-control"

static int ctl_fd = -1;
static struct io_uring ctl_ring;
static bool ring_ready;

int ctrl_open(void)
{
	if (ctl_fd >= 0)
		return 0;
	ctl_fd = open(CTRL_DEV, O_RDWR | O_CLOEXEC);
	if (ctl_fd < 0) {
		int e = errno;

		if (e == ENOENT || e == ENODEV || e == ENXIO)
			no_driver_error();
		else
			err_msg("%s: %s", CTRL_DEV, strerror(e));
		return -e;
	}
	return 0;
}

int ctrl_fd(void)
{
	return ctl_fd;
}

void ctrl_close(void)
{
	if (ring_ready)
		io_uring_queue_exit(&ctl_ring);
	ring_ready = false;
	if (ctl_fd >= 0)
		close(ctl_fd);
	ctl_fd = -1;
}

void ctrl_after_fork(void)
{
	/* The parent's ring is shared memory: leave it to the parent. */
	if (ring_ready) {
		io_uring_queue_exit(&ctl_ring);
		ring_ready = false;
	}
}

static int ring_setup(void)
{
	struct io_uring_params p;
	int ret;

	if (ring_ready)
		return 0;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128;
	ret = io_uring_queue_init_params(4, &ctl_ring, &p);
	if (ret < 0)
		return ret;
	ring_ready = true;
	return 0;
}

static int ctrl_cmd(uint32_t op, struct ublksrv_ctrl_cmd *cmd)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int ret;

	if (ctl_fd < 0) {
		ret = ctrl_open();
		if (ret)
			return ret;
	}
	ret = ring_setup();
	if (ret)
		return ret;
	sqe = io_uring_get_sqe(&ctl_ring);
	if (!sqe)
		return -EBUSY;
	memset(sqe, 0, 2 * sizeof(*sqe));	/* SQE128 */
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = ctl_fd;
	sqe->cmd_op = op;
	memcpy(sqe->cmd, cmd, sizeof(*cmd));
	ret = io_uring_submit(&ctl_ring);
	if (ret < 0)
		return ret;
	do {
		ret = io_uring_wait_cqe(&ctl_ring, &cqe);
	} while (ret == -EINTR);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(&ctl_ring, cqe);
	return ret;
}

static void cmd_init(struct ublksrv_ctrl_cmd *c, int dev_id)
{
	memset(c, 0, sizeof(*c));
	c->dev_id = (uint32_t)dev_id;
	c->queue_id = (uint16_t)-1;
}

int ctrl_get_features(uint64_t *features)
{
	struct ublksrv_ctrl_cmd c;
	uint64_t f = 0;
	int ret;

	cmd_init(&c, -1);
	c.addr = (uint64_t)(uintptr_t)&f;
	c.len = sizeof(f);
	ret = ctrl_cmd(UBLK_U_CMD_GET_FEATURES, &c);
	if (ret < 0)
		return ret;
	*features = f;
	return 0;
}

uint64_t features_mask(uint64_t features)
{
	const char *m = getenv("UBLKCTL_FEATURE_MASK");

	if (m && *m)
		features &= strtoull(m, NULL, 0);
	return features;
}

int ctrl_add_dev(struct ublksrv_ctrl_dev_info *info)
{
	struct ublksrv_ctrl_cmd c;

	cmd_init(&c, (int)info->dev_id);
	c.addr = (uint64_t)(uintptr_t)info;
	c.len = sizeof(*info);
	return ctrl_cmd(UBLK_U_CMD_ADD_DEV, &c);
}

int ctrl_del_dev(int dev_id)
{
	struct ublksrv_ctrl_cmd c;

	cmd_init(&c, dev_id);
	return ctrl_cmd(UBLK_U_CMD_DEL_DEV, &c);
}

int ctrl_del_dev_async(int dev_id)
{
	struct ublksrv_ctrl_cmd c;

	cmd_init(&c, dev_id);
	return ctrl_cmd(UBLK_U_CMD_DEL_DEV_ASYNC, &c);
}

int ctrl_try_stop_dev(int dev_id)
{
	struct ublksrv_ctrl_cmd c;

	cmd_init(&c, dev_id);
	return ctrl_cmd(UBLK_U_CMD_TRY_STOP_DEV, &c);
}

int ctrl_start_dev(int dev_id, int pid)
{
	struct ublksrv_ctrl_cmd c;

	cmd_init(&c, dev_id);
	c.data[0] = (uint64_t)pid;
	return ctrl_cmd(UBLK_U_CMD_START_DEV, &c);
}

int ctrl_stop_dev(int dev_id)
{
	struct ublksrv_ctrl_cmd c;

	cmd_init(&c, dev_id);
	return ctrl_cmd(UBLK_U_CMD_STOP_DEV, &c);
}

int ctrl_set_params(int dev_id, struct ublk_params *p)
{
	struct ublksrv_ctrl_cmd c;

	cmd_init(&c, dev_id);
	p->len = sizeof(*p);
	c.addr = (uint64_t)(uintptr_t)p;
	c.len = sizeof(*p);
	return ctrl_cmd(UBLK_U_CMD_SET_PARAMS, &c);
}

int ctrl_get_params(int dev_id, struct ublk_params *p)
{
	struct ublksrv_ctrl_cmd c;

	cmd_init(&c, dev_id);
	memset(p, 0, sizeof(*p));
	p->len = sizeof(*p);
	c.addr = (uint64_t)(uintptr_t)p;
	c.len = sizeof(*p);
	return ctrl_cmd(UBLK_U_CMD_GET_PARAMS, &c);
}

int ctrl_get_info(int dev_id, struct ublksrv_ctrl_dev_info *info)
{
	struct ublksrv_ctrl_cmd c;

	cmd_init(&c, dev_id);
	memset(info, 0, sizeof(*info));
	c.addr = (uint64_t)(uintptr_t)info;
	c.len = sizeof(*info);
	return ctrl_cmd(UBLK_U_CMD_GET_DEV_INFO, &c);
}

int ctrl_get_affinity(int dev_id, unsigned q_id, cpu_set_t *set)
{
	struct ublksrv_ctrl_cmd c;

	cmd_init(&c, dev_id);
	CPU_ZERO(set);
	c.addr = (uint64_t)(uintptr_t)set;
	c.len = sizeof(*set);
	c.data[0] = q_id;
	return ctrl_cmd(UBLK_U_CMD_GET_QUEUE_AFFINITY, &c);
}

int ctrl_start_recovery(int dev_id)
{
	struct ublksrv_ctrl_cmd c;

	cmd_init(&c, dev_id);
	return ctrl_cmd(UBLK_U_CMD_START_USER_RECOVERY, &c);
}

int ctrl_end_recovery(int dev_id, int pid)
{
	struct ublksrv_ctrl_cmd c;

	cmd_init(&c, dev_id);
	c.data[0] = (uint64_t)pid;
	return ctrl_cmd(UBLK_U_CMD_END_USER_RECOVERY, &c);
}

static const char *const flag_names[] = {
	"support_zero_copy",
	"uring_cmd_comp_in_task",
	"need_get_data",
	"user_recovery",
	"user_recovery_reissue",
	"unprivileged_dev",
	"cmd_ioctl_encode",
	"user_copy",
	"zoned",
	"user_recovery_fail_io",
	"update_size",
	"auto_buf_reg",
	"quiesce",
	"per_io_daemon",
	"buf_reg_off_daemon",
	"batch_io",
	"integrity",
	"safe_stop_dev",
	"no_auto_part_scan",
	"shmem_zc",
};

const char *ublk_flag_name(unsigned bit)
{
	if (bit < sizeof(flag_names) / sizeof(flag_names[0]))
		return flag_names[bit];
	if (bit == 48)
		return "bpf";	/* UBLK_F_BPF, kernel/patches */
	return NULL;
}

const char *ublk_state_name(unsigned state)
{
	switch (state) {
	case UBLK_S_DEV_DEAD:
		return "dead";
	case UBLK_S_DEV_LIVE:
		return "live";
	case UBLK_S_DEV_QUIESCED:
		return "quiesced";
	case UBLK_S_DEV_FAIL_IO:
		return "fail_io";
	}
	return "unknown";
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int ctrl_list_ids(int **ids)
{
	DIR *d = opendir("/sys/class/ublk-char");
	struct dirent *de;
	int *v = NULL, n = 0, cap = 0;

	*ids = NULL;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char *end;
		long id;

		if (strncmp(de->d_name, "ublkc", 5))
			continue;
		id = strtol(de->d_name + 5, &end, 10);
		if (*end || end == de->d_name + 5 || id < 0)
			continue;
		if (n == cap) {
			int *nv;

			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n++] = (int)id;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_int);
	*ids = v;
	return n;
}
