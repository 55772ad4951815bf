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
 * The relay child's answers on the control socket (common/control.c
 * serves it): show status, rooms, peers and counters, as JSON that
 * softlanctl renders; "log verbose", "reload" and the rest are
 * daemon_ctl_common()'s.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>

#include <cjson/cJSON.h>
#include <event.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "compat.h"
#include "control.h"
#include "daemon.h"
#include "egress.h"
#include "log.h"
#include "overlay.h"
#include "quic.h"
#include "relayd.h"
#include "room.h"

static uint64_t	 fwd_drops(const struct fwd_counters *);
static cJSON	*show_status(void *);
static cJSON	*show_rooms(void *);
static cJSON	*show_peers(void *);
static cJSON	*show_counters(void *);

static uint64_t
fwd_drops(const struct fwd_counters *fc)
{
	uint64_t	 n = 0;
	size_t		 i;

	for (i = 0; i < FWD_REASON_MAX; i++)
		n += fc->drops[i];
	return (n);
}

static cJSON *
show_status(void *arg)
{
	struct relay_env	*env = arg;
	const struct relay	*r = env->relay;
	cJSON			*o;
	char			 buf[RELAYD_MAX_LISTEN * (INET6_ADDRSTRLEN + 10)];
	size_t			 i;

	buf[0] = '\0';
	for (i = 0; i < env->nlisten; i++) {
		if (i > 0)
			strlcat(buf, " ", sizeof(buf));
		strlcat(buf, env->listens[i].name, sizeof(buf));
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "daemon", "relayd");
	cJSON_AddStringToObject(o, "version", RELAYD_VERSION);
	control_json_num(o, "uptime", (clock_ns() - env->start_ns) / QUIC_NSEC);
	cJSON_AddStringToObject(o, "listen", buf);
	cJSON_AddStringToObject(o, "open_rooms",
	    r->conf.open_rooms ? "yes" : "no");
	control_json_num(o, "rooms", r->nrooms);
	control_json_num(o, "peers", r->npeers);
	control_json_num(o, "connections", env->nconns);
	control_json_num(o, "handshakes", env->nhsq);
	control_json_num(o, "handshakes_unvalidated", env->nhandshakes);
	control_json_num(o, "frames_in", r->counters.frames_in);
	control_json_num(o, "frames_out", r->counters.frames_out);
	control_json_num(o, "drops", fwd_drops(&r->counters));
	control_json_num(o, "log_level", log_getverbose());
	return (o);
}

static cJSON *
show_rooms(void *arg)
{
	struct relay_env	*env = arg;
	struct room	*room;
	cJSON		*o, *a, *e;

	o = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(o, "rooms");
	RB_FOREACH(room, room_tree, &env->relay->rooms) {
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "room", room->name);
		control_json_num(e, "mtu", room->mtu);
		control_json_num(e, "members", room->nmembers);
		control_json_num(e, "clients", room->nclients);
		cJSON_AddStringToObject(e, "gateway",
		    room->gateway != NULL ? "yes" : "no");
		cJSON_AddStringToObject(e, "declared",
		    room->conf != NULL ? "yes" : "no");
		control_json_num(e, "macs_learned", room->nlearned);
		control_json_num(e, "frames_in", room->counters.frames_in);
		control_json_num(e, "frames_out", room->counters.frames_out);
		control_json_num(e, "drops", fwd_drops(&room->counters));
		cJSON_AddItemToArray(a, e);
	}
	return (o);
}

static cJSON *
show_peers(void *arg)
{
	struct relay_env	*env = arg;
	struct peer	*p;
	struct rconn	*c;
	cJSON		*o, *a, *e;

	o = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(o, "peers");
	RB_FOREACH(p, peer_ids, &env->relay->peers) {
		c = p->cookie;
		e = cJSON_CreateObject();
		control_json_num(e, "peer_id", p->id);
		cJSON_AddStringToObject(e, "room", p->room->name);
		cJSON_AddStringToObject(e, "role", wiremsg_role_name(p->role));
		cJSON_AddStringToObject(e, "mac", ether_mac_str(&p->mac));
		cJSON_AddStringToObject(e, "address", c->addr);
		control_json_num(e, "budget",
		    quic_conn_frame_budget(c->qc));
		control_json_num(e, "rtt_us", quic_conn_rtt(c->qc) / 1000);
		control_json_num(e, "frames_in", p->counters.frames_in);
		control_json_num(e, "bytes_in", p->counters.bytes_in);
		control_json_num(e, "frames_out", p->counters.frames_out);
		control_json_num(e, "bytes_out", p->counters.bytes_out);
		control_json_num(e, "drops", fwd_drops(&p->counters) +
		    egress_drops(&c->eg));
		cJSON_AddStringToObject(e, "software", p->software);
		cJSON_AddItemToArray(a, e);
	}
	return (o);
}

static cJSON *
show_counters(void *arg)
{
	struct relay_env	*env = arg;
	struct wiremsg_counter	 cs[128];
	struct ovl_rx_stats	 rx = env->rx_closed;
	struct ovl_tx_stats	 tx = env->tx_closed;
	struct quic_stats	 qs = env->qst_closed;
	struct egress_stats	 eg = env->eg_closed;
	const struct relay_stats *st = &env->st;
	struct rconn		*c;
	char			 name[64];
	cJSON			*o, *a;
	size_t			 i, n;

	TAILQ_FOREACH(c, &env->conns, entry) {
		ovl_rx_stats_add(&rx, &c->reasm.stats);
		ovl_tx_stats_add(&tx, &c->tx.stats);
		egress_stats_add(&eg, &c->eg);
		if (c->qc != NULL)
			quic_stats_add(&qs, quic_conn_stats(c->qc));
	}

	o = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(o, "counters");
	n = relay_counters_export(env->relay, cs, nitems(cs));
	control_json_counter_list(a, cs, n);
	control_json_counter(a, "udp-recv", st->udp_recv);
	control_json_counter(a, "udp-sent", st->udp_sent);
	control_json_counter(a, "udp-gso-sends", st->udp_gso_sends);
	control_json_counter(a, "udp-gro-reads", st->udp_gro_reads);
	control_json_counter(a, "udp-gso-refused", st->udp_gso_refused);
	control_json_counter(a, "udp-send-errors", st->udp_send_errors);
	control_json_counter(a, "pkt-too-short", st->pkt_short);
	control_json_counter(a, "pkt-garbage", st->pkt_garbage);
	control_json_counter(a, "pkt-version", st->pkt_version);
	control_json_counter(a, "pkt-not-initial", st->pkt_not_initial);
	control_json_counter(a, "pkt-bad", qs.pkt_bad);
	control_json_counter(a, "conn-accepted", st->conn_accepted);
	control_json_counter(a, "conn-closed", st->conn_closed);
	control_json_counter(a, "conn-refused-per-source",
	    st->conn_refused_source);
	control_json_counter(a, "retry-sent", st->retry_sent);
	control_json_counter(a, "retry-validated", st->retry_validated);
	control_json_counter(a, "retry-bad-token", st->retry_bad_token);
	control_json_counter(a, "conn-refused-max", st->conn_refused_max);
	control_json_counter(a, "handshake-refused-full", st->hs_refused_full);
	control_json_counter(a, "handshake-refused-per-source",
	    st->hs_refused_source);
	control_json_counter(a, "handshake-evicted", st->hs_evicted);
	control_json_counter(a, "memory-trims", st->mem_trims);
	control_json_counter(a, "conn-protocol-errors", st->ctl_errors);
	control_json_counter(a, "reset-sent", st->reset_sent);
	control_json_counter(a, "reset-rate-limited", st->reset_limited);
	control_json_counter(a, "reset-trigger-short", st->reset_short);
	control_json_counter(a, "dgram-recv", qs.dgram_recv);
	control_json_counter(a, "dgram-sent", qs.dgram_sent);
	control_json_counter(a, "dgram-lost", qs.dgram_lost);
	control_json_counter(a, "dgram-drop-before-welcome",
	    st->dgram_unadmitted);
	control_json_counter(a, "dgram-drop-queue-full", qs.dgram_drop_full);
	control_json_counter(a, "dgram-drop-toobig", qs.dgram_drop_toobig);
	control_json_counter(a, "dgram-drop-notready", qs.dgram_drop_notready);
	control_json_counter(a, "dgram-drop-refused", qs.dgram_drop_refused);
	for (i = 0; egress_stat_name(i) != NULL; i++) {
		snprintf(name, sizeof(name), "egress-%s", egress_stat_name(i));
		control_json_counter(a, name, egress_stat_value(&eg, i));
	}
	for (i = 0; ovl_rx_stat_name(i) != NULL; i++) {
		snprintf(name, sizeof(name), "ovl-rx-%s", ovl_rx_stat_name(i));
		control_json_counter(a, name, ovl_rx_stat_value(&rx, i));
	}
	for (i = 0; ovl_tx_stat_name(i) != NULL; i++) {
		snprintf(name, sizeof(name), "ovl-tx-%s", ovl_tx_stat_name(i));
		control_json_counter(a, name, ovl_tx_stat_value(&tx, i));
	}
	control_json_counters(a, env->ctl);
	return (o);
}

static const struct control_show relay_shows[] = {
	{ IMSG_CTL_SHOW_STATUS, show_status },
	{ IMSG_CTL_SHOW_ROOMS, show_rooms },
	{ IMSG_CTL_SHOW_PEERS, show_peers },
	{ IMSG_CTL_SHOW_COUNTERS, show_counters },
};

/* The control handler of relay.c's control_init(). */
void
relay_control(struct ctl_conn *cc, uint32_t type, const void *data,
    size_t len, void *arg)
{
	struct relay_env	*env = arg;

	daemon_ctl_dispatch(cc, type, data, len, env->p, relay_shows,
	    nitems(relay_shows), env);
}
