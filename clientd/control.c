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


/*
 * The client's answers on the control socket (common/control.c serves
 * it on Linux, clientd/win/control_win.c on Windows: this file is built
 * for both): show status, peers (the room's members) and counters, as
 * JSON that softlanctl renders; "log verbose", "reload" and the rest go
 * to the platform (the core's ctl_other: daemon_ctl_common() on Linux).
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clientcore.h"
#include "clock.h"
#include "compat.h"
#include "control.h"
#include "ether.h"
#include "log.h"
#include "mssclamp.h"
#include "session.h"
#include "tapfilter.h"
#include "uplink.h"

static const char *
state_word(enum session_state s)
{
	switch (s) {
	case SESSION_CONNECTING:
	case SESSION_HELLO_SENT:
		return ("connecting");
	case SESSION_CONNECTED:
		return ("connected");
	case SESSION_RETRYING:
		return ("retrying");
	case SESSION_STOPPED:
		return ("stopped");
	default:
		return ("disconnected");
	}
}

static cJSON *
show_status(void *arg)
{
	struct client_core	*core = arg;
	struct uplink_status	 st;
	enum session_state	 s;
	char			 line[SESSION_TEXTMAX + 64];
	cJSON			*o;

	uplink_status(core->up, &st);
	s = uplink_state(core->up);
	switch (s) {
	case SESSION_CONNECTED:
		snprintf(line, sizeof(line), "connected (room %s, peer id %u, "
		    "room MTU %u, %zu peer%s, rtt %llu.%llu ms)", st.session.room,
		    st.session.peer_id, st.session.room_mtu, st.session.npeers,
		    st.session.npeers == 1 ? "" : "s",
		    (unsigned long long)(st.rtt_us / 1000),
		    (unsigned long long)(st.rtt_us % 1000 / 100));
		break;
	case SESSION_RETRYING:
		snprintf(line, sizeof(line), "retrying in %llu s (%s)",
		    (unsigned long long)(st.session.retry_in_ms + 999) / 1000,
		    st.session.last_error);
		break;
	case SESSION_STOPPED:
		snprintf(line, sizeof(line), "stopped (%s)",
		    st.session.last_error);
		break;
	default:
		snprintf(line, sizeof(line), "%s", state_word(s));
		break;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "daemon", "clientd");
	cJSON_AddStringToObject(o, "version", CLIENTD_VERSION);
	cJSON_AddStringToObject(o, "status", line);
	cJSON_AddStringToObject(o, "state", state_word(s));
	cJSON_AddStringToObject(o, "session", st.session.state);
	cJSON_AddStringToObject(o, "relay", st.relay);
	cJSON_AddStringToObject(o, "route_pinned",
	    core->conf.pinned ? "yes" : "no");
	cJSON_AddStringToObject(o, "room", core->conf.room);
	cJSON_AddStringToObject(o, "mac", ether_mac_str(&core->conf.mac));
	cJSON_AddStringToObject(o, "tap", core->conf.tap);
	control_json_num(o, "tap_mtu", core->tap_mtu);
	if (s == SESSION_CONNECTED) {
		control_json_num(o, "peer_id", st.session.peer_id);
		control_json_num(o, "room_mtu", st.session.room_mtu);
		control_json_num(o, "peers", st.session.npeers);
		control_json_num(o, "connected_for",
		    st.session.connected_ms / 1000);
		cJSON_AddStringToObject(o, "cipher", st.cipher);
		control_json_num(o, "frame_budget", st.budget);
		control_json_num(o, "rtt_us", st.rtt_us);
	}
	if (s == SESSION_RETRYING)
		control_json_num(o, "retry_in",
		    (st.session.retry_in_ms + 999) / 1000);
	cJSON_AddStringToObject(o, "last_error", st.session.last_error);
	if (st.session.counters != NULL) {
		control_json_num(o, "connects", st.session.counters->connects);
		control_json_num(o, "welcomes", st.session.counters->welcomes);
	}
	control_json_num(o, "uptime", (clock_ms() - core->start_ms) / 1000);
	control_json_num(o, "log_level", log_getverbose());
	return (o);
}

static cJSON *
show_peers(void *arg)
{
	struct client_core	*core = arg;
	struct uplink_status	 st;
	cJSON			*o, *a, *e;
	size_t			 i;

	uplink_status(core->up, &st);
	o = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(o, "peers");
	for (i = 0; i < st.session.npeers && st.session.peers != NULL; i++) {
		e = cJSON_CreateObject();
		control_json_num(e, "peer_id", st.session.peers[i].peer_id);
		cJSON_AddStringToObject(e, "role",
		    wiremsg_role_name(st.session.peers[i].role));
		cJSON_AddStringToObject(e, "mac",
		    ether_mac_str(&st.session.peers[i].mac));
		cJSON_AddItemToArray(a, e);
	}
	return (o);
}

static cJSON *
show_counters(void *arg)
{
	struct client_core		*core = arg;
	struct wiremsg_counter		 cs[128];
	const struct client_counters	*c = &core->c;
	const struct tapfilter_counters	*tc = &core->tf.counters;
	char				 name[64];
	cJSON				*o, *a;
	size_t				 i, n;

	o = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(o, "counters");
	control_json_counter(a, "tap-frames-in", c->tap_frames_in);
	control_json_counter(a, "tap-bytes-in", tc->bytes_in);
	control_json_counter(a, "tap-frames-passed", tc->frames_pass);
	for (i = 1; i < TAPF_REASON_MAX; i++) {
		snprintf(name, sizeof(name), "tap-drop-%s",
		    tapfilter_reason_name(i));
		control_json_counter(a, name, tc->drops[i]);
	}
	control_json_counter(a, "tap-frames-sent", c->tap_frames_sent);
	control_json_counter(a, "tap-drop-not-connected",
	    c->tap_drop_notconnected);
	control_json_counter(a, "tap-drop-too-big", c->tap_drop_toobig);
	control_json_counter(a, "tap-drop-queue-full", c->tap_drop_full);
	control_json_counter(a, "tap-paused", c->tap_pauses);
	control_json_counter(a, "tap-read-errors", c->tap_read_errors);
	control_json_counter(a, "tap-frames-out", c->tap_frames_out);
	control_json_counter(a, "tap-bytes-out", c->tap_bytes_out);
	control_json_counter(a, "tap-write-link-down", c->tap_write_down);
	control_json_counter(a, "tap-write-full", c->tap_write_full);
	control_json_counter(a, "tap-write-short", c->tap_write_short);
	control_json_counter(a, "tap-write-errors", c->tap_write_errors);
	control_json_counter(a, "tap-mtu-changes", c->mtu_changes);
	control_json_counter(a, "tap-mtu-failures", c->mtu_failures);
	n = mssclamp_counters_export(&core->mss, cs, nitems(cs));
	control_json_counter_list(a, cs, n);
	n = uplink_counters_export(core->up, cs, nitems(cs));
	control_json_counter_list(a, cs, n);
	control_json_counters(a, core->ctl);
	return (o);
}

static const struct control_show client_shows[] = {
	{ IMSG_CTL_SHOW_STATUS, show_status },
	{ IMSG_CTL_SHOW_PEERS, show_peers },
	{ IMSG_CTL_SHOW_COUNTERS, show_counters },
};

/* The control handler; arg is the client's core. */
void
client_control(struct ctl_conn *cc, uint32_t type, const void *data,
    size_t len, void *arg)
{
	struct client_core	*core = arg;

	if (type == IMSG_CTL_SHOW_ROOMS) {
		control_reply_error(cc, "clientd has one room: see show "
		    "status");
		return;
	}
	if (!control_reply_show(cc, type, client_shows, nitems(client_shows),
	    core))
		core->ops->ctl_other(cc, type, data, len, core->arg);
}
