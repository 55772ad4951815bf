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
 * The gateway child's answers on the control socket (common/control.c
 * serves it): show status, peers (the remote MACs and their CAM
 * refreshes) and counters, as JSON that softlanctl renders; "log
 * verbose", "reload" and the rest are daemon_ctl_common()'s.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>
#include <event.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cam.h"
#include "clock.h"
#include "compat.h"
#include "control.h"
#include "daemon.h"
#include "ether.h"
#include "gatewayd.h"
#include "lan.h"
#include "log.h"
#include "mssclamp.h"
#include "uplink.h"

static cJSON *
show_status(void *arg)
{
	struct gw_env		*env = arg;
	struct uplink_status	 st;
	cJSON			*o;

	uplink_status(env->up, &st);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "daemon", "gatewayd");
	cJSON_AddStringToObject(o, "version", GATEWAYD_VERSION);
	control_json_num(o, "uptime", (clock_ms() - env->start_ms) / 1000);
	cJSON_AddStringToObject(o, "state", st.session.state);
	cJSON_AddStringToObject(o, "room", env->conf.room);
	cJSON_AddStringToObject(o, "relay", st.relay);
	cJSON_AddStringToObject(o, "interface", env->conf.interface);
	cJSON_AddStringToObject(o, "link", env->pktfd == -1 ? "gone" :
	    "open");
	control_json_num(o, "ifindex", env->info.ifindex > 0 ?
	    (uint64_t)env->info.ifindex : 0);
	cJSON_AddStringToObject(o, "mac", ether_mac_str(&env->info.hwaddr));
	control_json_num(o, "peer_id", st.session.peer_id);
	control_json_num(o, "room_mtu", st.session.room_mtu);
	control_json_num(o, "members", st.session.npeers);
	control_json_num(o, "remote_macs", cam_count(env->cam));
	control_json_num(o, "cam_refresh", env->conf.cam_refresh);
	cJSON_AddStringToObject(o, "cipher", st.cipher);
	control_json_num(o, "frame_budget", st.budget);
	control_json_num(o, "rtt_us", st.rtt_us);
	control_json_num(o, "connected_for", st.session.connected_ms / 1000);
	control_json_num(o, "retry_in_ms", st.session.retry_in_ms);
	cJSON_AddStringToObject(o, "last_error", st.session.last_error);
	control_json_num(o, "log_level", log_getverbose());
	return (o);
}

struct walk_arg {
	cJSON		*a;
	uint64_t	 now;
};

static void
peer_walk(const struct cam_entry *e, void *arg)
{
	struct walk_arg	*w = arg;
	cJSON		*o;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "mac", ether_mac_str(&e->mac));
	cJSON_AddStringToObject(o, "source", e->announced ? "announced" :
	    "learned");
	control_json_num(o, "peer_id", e->announced ? e->peer_id : 0);
	if (e->refreshes > 0)
		control_json_num(o, "last_refresh_ms",
		    w->now - e->last_refresh);
	else
		cJSON_AddStringToObject(o, "last_refresh_ms", "-");
	control_json_num(o, "refreshes", e->refreshes);
	control_json_num(o, "frames", e->frames);
	cJSON_AddItemToArray(w->a, o);
}

static cJSON *
show_peers(void *arg)
{
	struct gw_env		*env = arg;
	struct uplink_status	 st;
	struct walk_arg		 w;
	cJSON			*o, *a, *e;
	size_t			 i;

	uplink_status(env->up, &st);
	o = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(o, "members");
	for (i = 0; i < st.session.npeers; i++) {
		e = cJSON_CreateObject();
		control_json_num(e, "peer_id", st.session.peers[i].peer_id);
		cJSON_AddStringToObject(e, "role",
		    wiremsg_role_name(st.session.peers[i].role));
		cJSON_AddStringToObject(e, "mac",
		    ether_mac_str(&st.session.peers[i].mac));
		cJSON_AddItemToArray(a, e);
	}
	w.a = cJSON_AddArrayToObject(o, "remote_macs");
	w.now = clock_ms();
	cam_walk(env->cam, peer_walk, &w);
	return (o);
}

static cJSON *
show_counters(void *arg)
{
	struct gw_env		*env = arg;
	struct wiremsg_counter	 cs[128];
	const struct gw_tx_counters *c = &env->c;
	cJSON			*o, *a;
	size_t			 n;

	o = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(o, "counters");
	n = lan_counters_export(&env->lan, cs, nitems(cs));
	control_json_counter_list(a, cs, n);
	control_json_counter(a, "lan-rx-errors", c->rx_errors);
	control_json_counter(a, "lan-rx-truncated", c->rx_truncated);
	control_json_counter(a, "lan-drop-not-connected", c->send_notconnected);
	control_json_counter(a, "lan-drop-toobig", c->send_toobig);
	control_json_counter(a, "lan-drop-queue-full", c->send_full);
	control_json_counter(a, "lan-paused", c->pauses);
	control_json_counter(a, "lan-tx-frames", c->frames);
	control_json_counter(a, "lan-tx-bytes", c->bytes);
	control_json_counter(a, "lan-tx-drop-link-down", c->drop_down);
	control_json_counter(a, "lan-tx-drop-error", c->drop_error);
	control_json_counter(a, "lan-tx-drop-no-socket", c->drop_nosocket);
	control_json_counter(a, "lan-socket-checks", c->pkt_checks);
	control_json_counter(a, "lan-socket-reopened", c->pkt_reopened);
	n = mssclamp_counters_export(&env->mss, cs, nitems(cs));
	control_json_counter_list(a, cs, n);
	n = cam_counters_export(env->cam, cs, nitems(cs));
	control_json_counter_list(a, cs, n);
	control_json_counter(a, "cam-frames-sent", c->cam_sent);
	control_json_counter(a, "cam-frames-failed", c->cam_errors);
	n = uplink_counters_export(env->up, cs, nitems(cs));
	control_json_counter_list(a, cs, n);
	control_json_counters(a, env->ctl);
	return (o);
}

static const struct control_show gateway_shows[] = {
	{ IMSG_CTL_SHOW_STATUS, show_status },
	{ IMSG_CTL_SHOW_PEERS, show_peers },
	{ IMSG_CTL_SHOW_COUNTERS, show_counters },
};

/* The control handler of gateway.c's control_init(). */
void
gateway_control(struct ctl_conn *cc, uint32_t type, const void *data,
    size_t len, void *arg)
{
	struct gw_env		*env = arg;

	if (env->up == NULL) {
		control_reply_error(cc, "starting up");
		return;
	}
	daemon_ctl_dispatch(cc, type, data, len, env->p, gateway_shows,
	    nitems(gateway_shows), env);
}
