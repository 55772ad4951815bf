/*
 * Copyright (c) 2026 The softlan authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */


#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include <cJSON.h>

#include "control.h"
#include "log.h"
#include "wiremsg.h"

/*
 * The part of the control protocol (control.h) that is plain JSON: a
 * cJSON object as a reply, and the members and rows the daemons build
 * their replies from, on top of control_reply_json, control_reply_error
 * and control_stats (ctlconn.c).  Shared, as ctlconn.c is, by the
 * control socket's server on Linux (control.c) and the control pipe's
 * on Windows (clientd/win/control_win.c).
 */

/*
 * Answer with the object o (NULL: it could not be built), then free it;
 * "out of memory" if it cannot be serialised.
 */
int
control_reply_cjson(struct ctl_conn *c, cJSON *o)
{
	char	*s;
	int	 rv;

	if (o == NULL || (s = cJSON_PrintUnformatted(o)) == NULL) {
		cJSON_Delete(o);
		return (control_reply_error(c, "out of memory"));
	}
	rv = control_reply_json(c, s);
	cJSON_free(s);
	cJSON_Delete(o);
	return (rv);
}

/* A number member: counters are uint64_t, JSON numbers are doubles. */
void
control_json_num(cJSON *o, const char *name, uint64_t v)
{
	cJSON_AddNumberToObject(o, name, (double)v);
}

/* A row {"counter": name, "value": v} of the "counters" table a. */
void
control_json_counter(cJSON *a, const char *name, uint64_t v)
{
	cJSON	*e;

	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "counter", name);
	control_json_num(e, "value", v);
	cJSON_AddItemToArray(a, e);
}

/* The n counters a *_counters_export() filled, onto array a. */
void
control_json_counter_list(cJSON *a, const struct wiremsg_counter *cs,
    size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		control_json_counter(a, cs[i].name, cs[i].value);
}

/* The control's own rows for a "counters" table a (ctl may be NULL). */
void
control_json_counters(cJSON *a, const struct control *ctl)
{
	struct control_stats	 none;
	const struct control_stats *st = &none;

	memset(&none, 0, sizeof(none));
	if (ctl != NULL)
		st = control_stats(ctl);
	control_json_counter(a, "control-refused-busy", st->refused);
	control_json_counter(a, "control-evicted", st->evicted);
	control_json_counter(a, "control-timeout-idle", st->idle);
	control_json_counter(a, "control-timeout-partial", st->partial);
	control_json_counter(a, "control-timeout-unread", st->stalled);
}

/*
 * The table's show(arg) as the reply to a request of its type: 1; 0 if
 * the table has no such type (nothing replied).
 */
int
control_reply_show(struct ctl_conn *cc, uint32_t type,
    const struct control_show *tab, size_t n, void *arg)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (tab[i].type == type) {
			control_reply_cjson(cc, tab[i].show(arg));
			return (1);
		}
	return (0);
}

/*
 * IMSG_CTL_LOG_VERBOSE, an int32_t level in 0..3: set in this process and
 * answered {"log_level": level}; the caller passes the level on to its
 * privileged side.  -1 after an error reply (bad size, out of range).
 */
int32_t
control_log_verbose(struct ctl_conn *cc, const void *data, size_t len)
{
	cJSON	*o;
	int32_t	 level;

	if (len != sizeof(level)) {
		control_reply_error(cc, "log: bad request size");
		return (-1);
	}
	memcpy(&level, data, sizeof(level));
	if (level < 0 || level > 3) {
		control_reply_error(cc, "log: level out of 0..3");
		return (-1);
	}
	log_setverbose(level);
	if ((o = cJSON_CreateObject()) != NULL)
		control_json_num(o, "log_level", level);
	control_reply_cjson(cc, o);
	return (level);
}
