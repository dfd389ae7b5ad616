/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Saved device state: run_dir()/<id>.json, one file per device, in a
 * directory trusted_dir() accepts.  Each device has an identity, a random
 * cookie kept both in its state and in the device itself (the driver
 * stores ublksrv_flags for the server and returns it in GET_DEV_INFO), so
 * that state left by a device that is gone is never taken for the state of
 * a new device with the same id.
 */
#ifndef UBLKCTL_STATE_H
#define UBLKCTL_STATE_H

#include <json-c/json.h>

#include "ublkctl.h"

/* A fresh, non-zero device identity. */
uint64_t state_new_cookie(void);

/* Write atomically (private temp file + rename); 0 or -errno. */
int state_save(const struct dev_config *cfg, int pid);

/*
 * Read device id's state: 0 with *st set, -ENOENT if there is none, or
 * another -errno with the reason in why (untrusted directory or file,
 * not JSON).
 */
int state_load(int dev_id, struct json_object **st, char *why, size_t whylen);

/* The identity recorded in st, or 0 if it has none. */
uint64_t state_cookie(struct json_object *st);

/*
 * Rebuild a configuration from st, checking every field: 0, or -EINVAL
 * with the first problem in why.
 */
int state_to_config(struct json_object *st, struct dev_config *cfg,
		    char *why, size_t whylen);

/* Is there a state file for dev_id in the (trusted) state directory? */
bool state_exists(int dev_id);

void state_remove(int dev_id);

#endif
