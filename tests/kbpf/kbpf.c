// SPDX-License-Identifier: GPL-2.0
/*
 * kbpf: a minimal ublk server and BPF loader for testing the kernel's ublk
 * BPF support (kernel/patches). Not a product: ublkctl is.
 *
 *   kbpf features                     print UBLK_U_CMD_GET_FEATURES, exit 0
 *                                     if UBLK_F_BPF is there
 *   kbpf serve [options]              add a device and serve the requests
 *                                     BPF redirects, until SIGTERM
 *   kbpf bind DEV OBJ MAP             load OBJ, register struct_ops MAP,
 *                                     bind it to device DEV, unregister it
 *   kbpf unbind DEV                   unbind the program of DEV
 *   kbpf load [-s] OBJ                load OBJ (-s: programs sleepable) and
 *                                     register its struct_ops maps, then
 *                                     drop them (verifier tests)
 *   kbpf read [-a OFF] DEV POS LEN    read LEN bytes at POS of DEV with
 *                                     O_DIRECT and write them to stdout
 *   kbpf setfiles DEV SPEC...         replace the BPF file table of DEV;
 *                                     SPEC is PATH (O_RDWR), PATH:ro,
 *                                     PATH:append, or @pipe, @socket,
 *                                     @uring (such an fd), @bad (fd -1)
 *   kbpf quiesce DEV [MS]             UBLK_U_CMD_QUIESCE_DEV, timeout MS
 *
 * serve options:
 *   -n ID         device id (default: any)
 *   -q N          queues (1)         -d N   queue depth (64)
 *   -s MB         size (64)          -f FILE  serve redirected IO from FILE
 *   -p OBJ:MAP    bind struct_ops MAP of OBJ with UBLK_PARAM_TYPE_BPF
 *   -B FILE       add FILE to the device's BPF file table (repeatable)
 *   -r            UBLK_F_USER_RECOVERY      -R ID  recover device ID
 *   -S MS         sleep MS milliseconds before serving each request
 *   -N            no UBLK_F_BPF: a stock device
 *   -F FLAGS      more device flags (UBLK_F_*, a number)
 *
 * The served requests are counted and printed at exit as "served N".
 * Redirected reads without -f return bytes 0x5a.
 *
 * kbpf read fills its buffer with 0x55 first, so a byte that no one wrote
 * into the request's pages shows.  The buffer starts OFF bytes (default 0)
 * past a page boundary: with an OFF that is no multiple of the page size,
 * no page of the request is whole, which tests of offset arithmetic on
 * the request's pages want.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ublk_abi.h"	/* ublkctl/ublk_abi.h: one copy of the uAPI */
#include "struct_ops_link.h"	/* ublkctl/struct_ops_link.h */

/* not used by ublkctl, so not in its uAPI header */
#ifndef UBLK_U_CMD_QUIESCE_DEV
#define UBLK_U_CMD_QUIESCE_DEV	_IOWR('u', 0x16, struct ublksrv_ctrl_cmd)
#endif

/* serve's options, parsed twice: -f is opened once the device is chosen */
#define SERVE_OPTS	"n:q:d:s:f:p:B:rR:S:NF:"

#define MAX_QUEUES	4
#define MAX_FILES	8
#define IO_BUF_BYTES	(512 << 10)

struct dev {
	int ctrl_fd;
	struct io_uring ctrl_ring;
	struct ublksrv_ctrl_dev_info info;
	int cdev_fd;
	int backing_fd;
	unsigned int delay_ms;
	atomic_ulong served;
};

struct queue {
	struct dev *dev;
	int q_id;
	int ret;
	pthread_t thread;
};

static int die(const char *what, int err)
{
	fprintf(stderr, "kbpf: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static int ctrl_cmd(struct dev *d, unsigned int op, __u64 data, void *buf,
		    unsigned int len)
{
	struct ublksrv_ctrl_cmd cmd = {
		.dev_id = d->info.dev_id,
		.queue_id = (__u16)-1,
		.len = len,
		.addr = (__u64)(unsigned long)buf,
		.data[0] = data,
	};
	struct io_uring_sqe *sqe = io_uring_get_sqe(&d->ctrl_ring);
	struct io_uring_cqe *cqe;
	int ret;

	if (!sqe)
		return -EBUSY;
	memset(sqe, 0, 2 * sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = d->ctrl_fd;
	sqe->cmd_op = op;
	memcpy(sqe->cmd, &cmd, sizeof(cmd));
	ret = io_uring_submit_and_wait(&d->ctrl_ring, 1);
	if (ret < 0)
		return ret;
	ret = io_uring_wait_cqe(&d->ctrl_ring, &cqe);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(&d->ctrl_ring, cqe);
	return ret;
}

static void dev_open(struct dev *d, __u32 dev_id)
{
	int ret;

	memset(d, 0, sizeof(*d));
	d->backing_fd = -1;
	d->cdev_fd = -1;
	d->info.dev_id = dev_id;
	d->ctrl_fd = open("/dev/ublk-control", O_RDWR);
	if (d->ctrl_fd < 0)
		die("/dev/ublk-control", errno);
	ret = io_uring_queue_init(4, &d->ctrl_ring, IORING_SETUP_SQE128);
	if (ret)
		die("io_uring_queue_init", ret);
}

/* load OBJ, register struct_ops MAP, return its map id and link */
static __u32 load_ops(const char *obj_path, const char *map_name,
		      struct bpf_object **objp, struct bpf_link **linkp)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct bpf_object *obj;
	struct bpf_map *map;
	struct bpf_link *link;
	int ret;

	obj = bpf_object__open_file(obj_path, NULL);
	if (!obj)
		die(obj_path, errno);
	map = bpf_object__find_map_by_name(obj, map_name);
	if (!map)
		die(map_name, ENOENT);
	struct_ops_register_through_link(map);
	ret = bpf_object__load(obj);
	if (ret)
		die("loading BPF object", ret);
	link = bpf_map__attach_struct_ops(map);
	if (!link)
		die("registering struct_ops", errno);
	ret = bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len);
	if (ret)
		die("bpf_obj_get_info_by_fd", errno);
	*objp = obj;
	*linkp = link;
	return info.id;
}

static void *queue_fn(void *arg)
{
	struct queue *q = arg;
	struct dev *d = q->dev;
	unsigned int depth = d->info.queue_depth;
	size_t desc_size = (depth * sizeof(struct ublksrv_io_desc) + 4095) & ~4095UL;
	size_t max_desc = (UBLK_MAX_QUEUE_DEPTH * sizeof(struct ublksrv_io_desc) + 4095) & ~4095UL;
	struct ublksrv_io_desc *descs;
	struct io_uring ring;
	unsigned int aborted = 0, tag;
	char **bufs;
	int ret;

	descs = mmap(NULL, desc_size, PROT_READ, MAP_SHARED | MAP_POPULATE,
		     d->cdev_fd, UBLKSRV_CMD_BUF_OFFSET + q->q_id * max_desc);
	if (descs == MAP_FAILED)
		die("mmap", errno);
	ret = io_uring_queue_init(depth * 2, &ring, 0);
	if (ret)
		die("io_uring_queue_init", ret);
	bufs = calloc(depth, sizeof(*bufs));
	for (tag = 0; tag < depth; tag++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		struct ublksrv_io_cmd *cmd;

		if (!sqe)
			die("io_uring_get_sqe", EBUSY);
		cmd = (void *)sqe->cmd;
		if (posix_memalign((void **)&bufs[tag], 4096, IO_BUF_BYTES))
			die("posix_memalign", ENOMEM);
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = IORING_OP_URING_CMD;
		sqe->fd = d->cdev_fd;
		sqe->cmd_op = UBLK_U_IO_FETCH_REQ;
		sqe->user_data = tag;
		cmd->q_id = q->q_id;
		cmd->tag = tag;
		cmd->addr = (__u64)(unsigned long)bufs[tag];
	}
	io_uring_submit(&ring);

	while (aborted < depth) {
		const struct ublksrv_io_desc *iod;
		struct io_uring_cqe *cqe;
		struct io_uring_sqe *sqe;
		struct ublksrv_io_cmd *cmd;
		off_t off;
		int res, len;

		ret = io_uring_wait_cqe(&ring, &cqe);
		if (ret == -EINTR)
			continue;
		if (ret)
			die("io_uring_wait_cqe", ret);
		tag = cqe->user_data;
		res = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		if (res != UBLK_IO_RES_OK) {
			aborted++;
			continue;
		}
		iod = &descs[tag];
		len = iod->nr_sectors << 9;
		off = iod->start_sector << 9;
		if (d->delay_ms)
			usleep(d->delay_ms * 1000);
		switch (iod->op_flags & 0xff) {
		case UBLK_IO_OP_READ:
			if (d->backing_fd >= 0)
				res = pread(d->backing_fd, bufs[tag], len, off);
			else
				res = (memset(bufs[tag], 0x5a, len), len);
			break;
		case UBLK_IO_OP_WRITE:
			res = d->backing_fd >= 0 ?
				pwrite(d->backing_fd, bufs[tag], len, off) : len;
			break;
		case UBLK_IO_OP_FLUSH:
			res = d->backing_fd >= 0 ? fdatasync(d->backing_fd) : 0;
			break;
		default:
			res = 0;
			break;
		}
		if (res < 0)
			res = -errno;
		atomic_fetch_add(&d->served, 1);

		sqe = io_uring_get_sqe(&ring);
		if (!sqe)
			die("io_uring_get_sqe", EBUSY);
		cmd = (void *)sqe->cmd;
		memset(sqe, 0, sizeof(*sqe));
		sqe->opcode = IORING_OP_URING_CMD;
		sqe->fd = d->cdev_fd;
		sqe->cmd_op = UBLK_U_IO_COMMIT_AND_FETCH_REQ;
		sqe->user_data = tag;
		cmd->q_id = q->q_id;
		cmd->tag = tag;
		cmd->result = res;
		cmd->addr = (__u64)(unsigned long)bufs[tag];
		io_uring_submit(&ring);
	}
	io_uring_queue_exit(&ring);
	munmap(descs, desc_size);
	for (tag = 0; tag < depth; tag++)
		free(bufs[tag]);
	free(bufs);
	return NULL;
}

static int set_files(struct dev *d, char **files, int nr)
{
	__s32 fds[MAX_FILES];
	int i;

	for (i = 0; i < nr; i++) {
		fds[i] = open(files[i], O_RDWR | O_DIRECT);
		if (fds[i] < 0 && errno == EINVAL)
			fds[i] = open(files[i], O_RDWR);
		if (fds[i] < 0)
			die(files[i], errno);
	}
	return ctrl_cmd(d, UBLK_U_CMD_SET_BPF_FILES, 0, fds,
			nr * sizeof(fds[0]));
}

static int cmd_serve(int argc, char **argv)
{
	struct queue queues[MAX_QUEUES] = {};
	struct ublk_params p = {};
	unsigned long long size = 64ULL << 20;
	struct bpf_object *obj = NULL;
	struct bpf_link *link = NULL;
	char *prog = NULL, *files[MAX_FILES];
	int nr_files = 0, recover = -1, nr_queues = 1, depth = 64;
	unsigned int delay_ms = 0;
	__u32 dev_id = (__u32)-1;
	__u64 flags = UBLK_F_BPF | UBLK_F_CMD_IOCTL_ENCODE;
	char path[64];
	struct dev d;
	sigset_t set;
	int opt, ret, i, sig;

	while ((opt = getopt(argc, argv, SERVE_OPTS)) != -1) {
		switch (opt) {
		case 'N': flags &= ~UBLK_F_BPF; break;
		case 'F': flags |= strtoull(optarg, NULL, 0); break;
		case 'n': dev_id = atoi(optarg); break;
		case 'q': nr_queues = atoi(optarg); break;
		case 'd': depth = atoi(optarg); break;
		case 's': size = strtoull(optarg, NULL, 0) << 20; break;
		case 'f': break;	/* opened below */
		case 'p': prog = optarg; break;
		case 'B':
			if (nr_files < MAX_FILES)
				files[nr_files++] = optarg;
			break;
		case 'r': flags |= UBLK_F_USER_RECOVERY | UBLK_F_USER_RECOVERY_REISSUE; break;
		case 'R': recover = atoi(optarg); break;
		case 'S': delay_ms = atoi(optarg); break;
		default: return 2;
		}
	}
	if (nr_queues < 1 || nr_queues > MAX_QUEUES)
		return 2;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	dev_open(&d, recover >= 0 ? (__u32)recover : dev_id);
	d.delay_ms = delay_ms;
	optind = 1;
	while ((opt = getopt(argc, argv, SERVE_OPTS)) != -1) {
		if (opt == 'f') {
			d.backing_fd = open(optarg, O_RDWR);
			if (d.backing_fd < 0)
				die(optarg, errno);
		}
	}

	if (recover >= 0) {
		ret = ctrl_cmd(&d, UBLK_U_CMD_GET_DEV_INFO, 0, &d.info,
			       sizeof(d.info));
		if (ret)
			die("GET_DEV_INFO", ret);
		/* the old server's exit may still be in progress */
		for (i = 0; i < 100; i++) {
			ret = ctrl_cmd(&d, UBLK_U_CMD_START_USER_RECOVERY, 0,
				       NULL, 0);
			if (ret != -EBUSY)
				break;
			usleep(100000);
		}
		if (ret)
			die("START_USER_RECOVERY", ret);
	} else {
		d.info.nr_hw_queues = nr_queues;
		d.info.queue_depth = depth;
		d.info.max_io_buf_bytes = IO_BUF_BYTES;
		d.info.dev_id = dev_id;
		d.info.flags = flags;
		ret = ctrl_cmd(&d, UBLK_U_CMD_ADD_DEV, 0, &d.info, sizeof(d.info));
		if (ret)
			die("ADD_DEV", ret);
		if ((flags & UBLK_F_BPF) && !(d.info.flags & UBLK_F_BPF))
			die("ADD_DEV dropped UBLK_F_BPF", EOPNOTSUPP);

		p.len = sizeof(p);
		p.types = UBLK_PARAM_TYPE_BASIC | UBLK_PARAM_TYPE_DISCARD;
		p.basic.attrs = UBLK_ATTR_VOLATILE_CACHE;
		p.basic.logical_bs_shift = 9;
		p.basic.physical_bs_shift = 12;
		p.basic.io_opt_shift = 12;
		p.basic.io_min_shift = 9;
		p.basic.max_sectors = IO_BUF_BYTES >> 9;
		p.basic.dev_sectors = size >> 9;
		p.discard.discard_granularity = 4096;
		p.discard.max_discard_sectors = 1 << 20;
		p.discard.max_write_zeroes_sectors = 1 << 20;
		p.discard.max_discard_segments = 1;
		if (prog) {
			char *sep = strchr(prog, ':');

			if (!sep)
				return 2;
			*sep = 0;
			p.types |= UBLK_PARAM_TYPE_BPF;
			p.bpf.ops_id = load_ops(prog, sep + 1, &obj, &link);
		}
		ret = ctrl_cmd(&d, UBLK_U_CMD_SET_PARAMS, 0, &p, sizeof(p));
		if (ret) {
			ctrl_cmd(&d, UBLK_U_CMD_DEL_DEV, 0, NULL, 0);
			die("SET_PARAMS", ret);
		}
	}
	if (nr_files) {
		ret = set_files(&d, files, nr_files);
		if (ret)
			die("SET_BPF_FILES", ret);
	}

	snprintf(path, sizeof(path), "/dev/ublkc%u", d.info.dev_id);
	for (i = 0; i < 100; i++) {
		d.cdev_fd = open(path, O_RDWR);
		if (d.cdev_fd >= 0 || errno != ENOENT)
			break;
		usleep(10000);
	}
	if (d.cdev_fd < 0)
		die(path, errno);

	for (i = 0; i < d.info.nr_hw_queues; i++) {
		queues[i].dev = &d;
		queues[i].q_id = i;
		pthread_create(&queues[i].thread, NULL, queue_fn, &queues[i]);
	}
	if (recover >= 0)
		ret = ctrl_cmd(&d, UBLK_U_CMD_END_USER_RECOVERY, getpid(), NULL, 0);
	else
		ret = ctrl_cmd(&d, UBLK_U_CMD_START_DEV, getpid(), NULL, 0);
	if (ret)
		die(recover >= 0 ? "END_USER_RECOVERY" : "START_DEV", ret);

	/* the device pinned the program: it keeps running unregistered */
	if (link)
		bpf_link__destroy(link);
	if (obj)
		bpf_object__close(obj);

	printf("ublkb%u ready\n", d.info.dev_id);
	fflush(stdout);

	sigwait(&set, &sig);
	ret = ctrl_cmd(&d, UBLK_U_CMD_STOP_DEV, 0, NULL, 0);
	if (ret)
		fprintf(stderr, "kbpf: STOP_DEV: %s\n", strerror(-ret));
	for (i = 0; i < d.info.nr_hw_queues; i++)
		pthread_join(queues[i].thread, NULL);
	close(d.cdev_fd);
	ret = ctrl_cmd(&d, UBLK_U_CMD_DEL_DEV, 0, NULL, 0);
	if (ret)
		fprintf(stderr, "kbpf: DEL_DEV: %s\n", strerror(-ret));
	printf("served %lu\n", atomic_load(&d.served));
	return ret ? 1 : 0;
}

static int cmd_bind(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_link *link;
	struct dev d;
	__u32 id;
	int ret;

	if (argc != 4)
		return 2;
	dev_open(&d, atoi(argv[1]));
	id = load_ops(argv[2], argv[3], &obj, &link);
	ret = ctrl_cmd(&d, UBLK_U_CMD_BIND_BPF, id, NULL, 0);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	if (ret)
		die("BIND_BPF", ret);
	printf("bound struct_ops %u\n", id);
	return 0;
}

static int cmd_unbind(int argc, char **argv)
{
	struct dev d;
	int ret;

	if (argc != 2)
		return 2;
	dev_open(&d, atoi(argv[1]));
	ret = ctrl_cmd(&d, UBLK_U_CMD_UNBIND_BPF, 0, NULL, 0);
	if (ret)
		die("UNBIND_BPF", ret);
	return 0;
}

static int cmd_load(int argc, char **argv)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct bpf_map *map;
	bool sleepable = false;
	int ret;

	/* libbpf 1.1 doesn't know "struct_ops.s/": set the flag by hand */
	if (argc == 3 && !strcmp(argv[1], "-s")) {
		sleepable = true;
		argc--;
		argv++;
	}
	if (argc != 2)
		return 2;
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj)
		die(argv[1], errno);
	bpf_object__for_each_program(prog, obj)
		if (sleepable)
			bpf_program__set_flags(prog, bpf_program__flags(prog) |
					       BPF_F_SLEEPABLE);
	bpf_object__for_each_map(map, obj)
		if (bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS)
			struct_ops_register_through_link(map);
	ret = bpf_object__load(obj);
	if (ret) {
		fprintf(stderr, "kbpf: %s: load failed: %s\n", argv[1],
			strerror(-ret));
		return 1;
	}
	bpf_object__for_each_map(map, obj) {
		struct bpf_link *link;

		if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS)
			continue;
		link = bpf_map__attach_struct_ops(map);
		if (!link) {
			fprintf(stderr, "kbpf: %s: register failed: %s\n",
				bpf_map__name(map), strerror(errno));
			return 1;
		}
		bpf_link__destroy(link);
	}
	bpf_object__close(obj);
	printf("loaded %s\n", argv[1]);
	return 0;
}

static int cmd_read(int argc, char **argv)
{
	unsigned long off = 0, len;
	long long pos;
	char *buf;
	ssize_t ret;
	int fd, opt;

	while ((opt = getopt(argc, argv, "a:")) != -1) {
		if (opt != 'a')
			return 2;
		off = strtoul(optarg, NULL, 0);
	}
	if (argc - optind != 3)
		return 2;
	pos = strtoll(argv[optind + 1], NULL, 0);
	len = strtoul(argv[optind + 2], NULL, 0);
	if (off >= 4096 || !len || len > IO_BUF_BYTES)
		return 2;
	fd = open(argv[optind], O_RDONLY | O_DIRECT);
	if (fd < 0)
		die(argv[optind], errno);
	if (posix_memalign((void **)&buf, 4096, off + len))
		die("posix_memalign", ENOMEM);
	memset(buf, 0x55, off + len);
	ret = pread(fd, buf + off, len, pos);
	if (ret < 0)
		die("read", errno);
	/* a short read would pass for data and hide the failure */
	if ((unsigned long)ret != len) {
		fprintf(stderr, "kbpf: read: %zd of %lu bytes\n", ret, len);
		return 1;
	}
	if (fwrite(buf + off, 1, len, stdout) != len || fflush(stdout))
		die("stdout", errno);
	free(buf);
	close(fd);
	return 0;
}

/* an fd of the kind SPEC names, see the usage at the top */
static int spec_fd(const char *spec)
{
	const char *colon = strrchr(spec, ':');
	int flags = O_RDWR, fds[2];
	struct io_uring ring;
	char path[4096];

	if (!strcmp(spec, "@bad"))
		return -1;
	if (!strcmp(spec, "@pipe")) {
		if (pipe(fds))
			die("pipe", errno);
		return fds[0];
	}
	if (!strcmp(spec, "@socket")) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds))
			die("socketpair", errno);
		return fds[0];
	}
	if (!strcmp(spec, "@uring")) {
		if (io_uring_queue_init(2, &ring, 0))
			die("io_uring_queue_init", errno);
		return ring.ring_fd;
	}
	snprintf(path, sizeof(path), "%s", spec);
	if (colon && !strcmp(colon, ":ro")) {
		flags = O_RDONLY;
		path[colon - spec] = 0;
	} else if (colon && !strcmp(colon, ":append")) {
		flags = O_RDWR | O_APPEND;
		path[colon - spec] = 0;
	}
	fds[0] = open(path, flags);
	if (fds[0] < 0)
		die(path, errno);
	return fds[0];
}

static int cmd_setfiles(int argc, char **argv)
{
	__s32 fds[MAX_FILES];
	struct dev d;
	int i, ret;

	if (argc < 2 || argc - 2 > MAX_FILES)
		return 2;
	dev_open(&d, atoi(argv[1]));
	for (i = 2; i < argc; i++)
		fds[i - 2] = spec_fd(argv[i]);
	ret = ctrl_cmd(&d, UBLK_U_CMD_SET_BPF_FILES, 0, fds,
		       (argc - 2) * sizeof(fds[0]));
	if (ret)
		die("SET_BPF_FILES", ret);
	printf("set %d files\n", argc - 2);
	return 0;
}

static int cmd_quiesce(int argc, char **argv)
{
	struct dev d;
	int ret;

	if (argc != 2 && argc != 3)
		return 2;
	dev_open(&d, atoi(argv[1]));
	ret = ctrl_cmd(&d, UBLK_U_CMD_QUIESCE_DEV,
		       argc == 3 ? strtoull(argv[2], NULL, 0) : 0, NULL, 0);
	if (ret)
		die("QUIESCE_DEV", ret);
	return 0;
}

static int cmd_features(void)
{
	__u64 features = 0;
	struct dev d;
	int ret;

	dev_open(&d, (__u32)-1);
	ret = ctrl_cmd(&d, UBLK_U_CMD_GET_FEATURES, 0, &features,
		       sizeof(features));
	if (ret)
		die("GET_FEATURES", ret);
	printf("features 0x%llx bpf %s\n", (unsigned long long)features,
	       features & UBLK_F_BPF ? "yes" : "no");
	return features & UBLK_F_BPF ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: kbpf features|serve|bind|unbind|load|read|setfiles|quiesce ...\n");
		return 2;
	}
	libbpf_set_strict_mode(LIBBPF_STRICT_ALL);
	if (!strcmp(argv[1], "features"))
		return cmd_features();
	if (!strcmp(argv[1], "serve"))
		return cmd_serve(argc - 1, argv + 1);
	if (!strcmp(argv[1], "bind"))
		return cmd_bind(argc - 1, argv + 1);
	if (!strcmp(argv[1], "unbind"))
		return cmd_unbind(argc - 1, argv + 1);
	if (!strcmp(argv[1], "load"))
		return cmd_load(argc - 1, argv + 1);
	if (!strcmp(argv[1], "read"))
		return cmd_read(argc - 1, argv + 1);
	if (!strcmp(argv[1], "setfiles"))
		return cmd_setfiles(argc - 1, argv + 1);
	if (!strcmp(argv[1], "quiesce"))
		return cmd_quiesce(argc - 1, argv + 1);
	fprintf(stderr, "kbpf: unknown command %s\n", argv[1]);
	return 2;
}
