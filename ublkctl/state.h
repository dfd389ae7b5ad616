/* SPDX-License-Identifier: GPL-2.0 */
/* Saved device state: run_dir()/<id>.json, one file per device. */
#ifndef UBLKCTL_STATE_H
#define UBLKCTL_STATE_H

#include <json-c/json.h>

#include "ublkctl.h"

/* Write atomically (temp file + rename); 0 or -errno. */
int state_save(const struct dev_config *cfg, int pid);
/* Parsed state, or NULL (errno: ENOENT if there is none). */
struct json_object *state_read(int dev_id);
/* Rebuild a configuration from saved state; 0 or -errno. */
int state_to_config(struct json_object *st, struct dev_config *cfg);
void state_remove(int dev_id);

#endif
