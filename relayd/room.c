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


#include <sys/queue.h>
#include <sys/tree.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "ether.h"
#include "l2class.h"
#include "mtu.h"
#include "room.h"
#include "wiremsg.h"

#define TOKEN_UNIT	1000	/* thousandths of a frame per frame */

static int	 room_conf_cmp(const struct room_conf *,
		    const struct room_conf *);
static int	 peer_id_cmp(const struct peer *, const struct peer *);
static int	 mac_entry_cmp(const struct mac_entry *,
		    const struct mac_entry *);
static int	 room_cmp(const struct room *, const struct room *);
static int	 secret_eq(const char *, const char *);
static int	 reject(struct relay *, enum wiremsg_code, enum wiremsg_code *,
		    char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 6, 7)));
static struct room *room_create(struct relay *, const char *,
		    const struct room_conf *, uint64_t);
static void	 room_destroy(struct relay *, struct room *);
static int	 mac_pin(struct room *, struct peer *);
static void	 mac_unpin_all(struct room *, struct peer *);
static void	 mac_learn(struct relay *, struct room *, struct peer *,
		    const struct ether_mac *, uint64_t);
static int	 mac_stale(const struct relay *, const struct mac_entry *,
		    uint64_t);
static void	 mac_remove(struct room *, struct mac_entry *);
static void	 mac_expire(struct relay *, struct room *,
		    struct mac_entry *);
static int	 bucket_take(const struct relay *, struct peer *, uint64_t);
static void	 fwd_drop(struct relay *, struct peer *, struct fwd_result *,
		    enum fwd_reason);
static void	 fwd_add(struct fwd_result *, struct peer *);
static void	 put_fwd(struct wiremsg_counter *, size_t, size_t *,
		    const struct fwd_counters *);

RB_GENERATE(room_confs, room_conf, entry, room_conf_cmp)
RB_GENERATE(peer_ids, peer, id_entry, peer_id_cmp)
RB_GENERATE(mac_table, mac_entry, entry, mac_entry_cmp)
RB_GENERATE(room_tree, room, entry, room_cmp)

/* Stable: these are counter names on the control socket. */
static const char *const fwd_reason_names[FWD_REASON_MAX] = {
	[FWD_DROP_SOURCE_INVALID] =	"source-invalid",
	[FWD_DROP_SPOOFED] =		"spoofed",
	[FWD_DROP_LOOP] =		"loop",
	[FWD_DROP_HAIRPIN] =		"hairpin",
	[FWD_DROP_NO_GATEWAY] =		"no-gateway",
	[FWD_DROP_GW_UNKNOWN] =		"gw-unknown-unicast",
	[FWD_DROP_RATE_LIMITED] =	"rate-limited",
	[FWD_DROP_NO_RECEIVER] =	"no-receiver",
};

static int
room_conf_cmp(const struct room_conf *a, const struct room_conf *b)
{
	return (strcmp(a->name, b->name));
}

static int
peer_id_cmp(const struct peer *a, const struct peer *b)
{
	if (a->id < b->id)
		return (-1);
	return (a->id > b->id);
}

static int
mac_entry_cmp(const struct mac_entry *a, const struct mac_entry *b)
{
	return (memcmp(a->mac.octet, b->mac.octet, ETHER_ADDR_LEN));
}

static int
room_cmp(const struct room *a, const struct room *b)
{
	return (strcmp(a->name, b->name));
}

const char *
fwd_reason_name(enum fwd_reason r)
{
	if ((unsigned int)r >= FWD_REASON_MAX)
		return ("unknown");
	if ((unsigned int)r < L2_CLASS_MAX)
		return (l2_class_name((enum l2_class)r));
	return (fwd_reason_names[r]);
}

void
relay_conf_init(struct relay_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->max_rooms = RELAY_MAX_ROOMS_DEFAULT;
	conf->max_peers = RELAY_MAX_PEERS_DEFAULT;
	conf->max_clients = ROOM_MAX_CLIENTS_DEFAULT;
	conf->open_rooms = 0;
	conf->mtu = MTU_ROOM_DEFAULT;
	conf->mac_age = ROOM_MAC_AGE_DEFAULT;
	conf->max_learned = ROOM_MAX_LEARNED_DEFAULT;
	conf->bcast_rate = PEER_BCAST_RATE_DEFAULT;
	conf->bcast_burst = PEER_BCAST_BURST_DEFAULT;
}

/*
 * A relay with the given settings, or NULL with the reason in err (an
 * invalid setting, or no memory).
 */
struct relay *
relay_new(const struct relay_conf *conf, char *err, size_t errlen)
{
	struct relay	*r;
	const char	*bad = NULL;

	if (conf->max_rooms == 0)
		bad = "max rooms must be at least 1";
	else if (conf->max_peers == 0)
		bad = "max peers must be at least 1";
	else if (conf->max_clients == 0 ||
	    conf->max_clients > WIREMSG_MAX_PEERS)
		bad = "max clients must be 1-128";
	else if (conf->mtu < MTU_ROOM_MIN || conf->mtu > MTU_ROOM_MAX)
		bad = "mtu must be 576-1500";
	else if (conf->mac_age == 0)
		bad = "mac age must be at least 1 ms";
	else if (conf->max_learned == 0)
		bad = "max learned MACs must be at least 1";
	else if (conf->bcast_rate != 0 && conf->bcast_burst == 0)
		bad = "broadcast burst must be at least 1";
	if (bad != NULL) {
		snprintf(err, errlen, "%s", bad);
		errno = EINVAL;
		return (NULL);
	}

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return (NULL);
	}
	r->conf = *conf;
	RB_INIT(&r->declared);
	RB_INIT(&r->rooms);
	RB_INIT(&r->peers);
	r->next_id = 1;
	return (r);
}

/* Frees the relay, its rooms and peers; secrets are wiped. */
void
relay_free(struct relay *r)
{
	struct room_conf	*rc, *nrc;
	struct peer		*p;

	if (r == NULL)
		return;
	/* A room goes with its last member. */
	while ((p = RB_ROOT(&r->peers)) != NULL)
		relay_leave(r, p, NULL, NULL, 0);
	RB_FOREACH_SAFE(rc, room_confs, &r->declared, nrc) {
		RB_REMOVE(room_confs, &r->declared, rc);
		freezero(rc, sizeof(*rc));
	}
	free(r);
}

/*
 * Declare a room: its code, a secret ("" or NULL for none), an MTU and
 * a client limit (0 for the relay's).  -1 with the reason in err for an
 * invalid value or a room declared twice.
 */
int
relay_declare(struct relay *r, const char *name, const char *secret,
    uint16_t mtu, uint32_t max_clients, char *err, size_t errlen)
{
	struct room_conf	*rc;

	if (!wiremsg_room_valid(name)) {
		snprintf(err, errlen, "room \"%s\": invalid room code "
		    "(1-32 characters of A-Z a-z 0-9 _ -)", name);
		return (-1);
	}
	if (secret == NULL)
		secret = "";
	if (strlen(secret) > WIREMSG_SECRET_MAX) {
		snprintf(err, errlen, "room \"%s\": secret longer than %d "
		    "characters", name, WIREMSG_SECRET_MAX);
		return (-1);
	}
	if (mtu != 0 && (mtu < MTU_ROOM_MIN || mtu > MTU_ROOM_MAX)) {
		snprintf(err, errlen, "room \"%s\": mtu %u out of range "
		    "%d-%d", name, mtu, MTU_ROOM_MIN, MTU_ROOM_MAX);
		return (-1);
	}
	if (max_clients > WIREMSG_MAX_PEERS) {
		snprintf(err, errlen, "room \"%s\": max clients %u out of "
		    "range 1-%d", name, max_clients, WIREMSG_MAX_PEERS);
		return (-1);
	}
	if ((rc = calloc(1, sizeof(*rc))) == NULL) {
		snprintf(err, errlen, "room \"%s\": %s", name,
		    strerror(errno));
		return (-1);
	}
	/* Both lengths were checked above; secret stays zero-padded. */
	strlcpy(rc->name, name, sizeof(rc->name));
	strlcpy(rc->secret, secret, sizeof(rc->secret));
	rc->mtu = mtu;
	rc->max_clients = max_clients;
	if (RB_INSERT(room_confs, &r->declared, rc) != NULL) {
		freezero(rc, sizeof(*rc));
		snprintf(err, errlen, "room \"%s\": declared twice", name);
		return (-1);
	}
	return (0);
}

/*
 * Constant-time comparison of a declared secret (want: a zero-padded
 * buffer of WIREMSG_SECRET_MAX + 1 bytes) with the one a hello carried:
 * the time taken depends on neither the content nor the length of the
 * declared secret.  (Debian 12's libbsd has no timingsafe_bcmp.)
 */
static int
secret_eq(const char *want, const char *got)
{
	char		 b[WIREMSG_SECRET_MAX + 1];
	volatile uint8_t diff = 0;
	size_t		 i;

	memset(b, 0, sizeof(b));
	memcpy(b, got, strnlen(got, WIREMSG_SECRET_MAX));
	for (i = 0; i < sizeof(b); i++)
		diff |= (uint8_t)(want[i] ^ b[i]);
	explicit_bzero(b, sizeof(b));
	return (diff == 0);
}

static int
reject(struct relay *r, enum wiremsg_code code, enum wiremsg_code *codep,
    char *reason, size_t reasonlen, const char *fmt, ...)
{
	va_list	 ap;

	if (reasonlen > 0) {
		va_start(ap, fmt);
		vsnprintf(reason, reasonlen, fmt, ap);
		va_end(ap);
	}
	*codep = code;
	r->rejected[code]++;
	return (-1);
}

/*
 * Admit a peer that sent hello at time now (ms).  On success returns 0
 * and the new peer in *out: the caller sends it relay_welcome() and tells
 * relay_others() with peer-joined.  On failure returns -1 with the reject
 * code in *code and a reason for the reject message.
 *
 * Checks, in order: version, room code, role, MAC, secret (declared
 * rooms), open rooms (undeclared ones), one gateway, duplicate MAC, the
 * room's client limit, the relay's peer and room limits.
 */
int
relay_admit(struct relay *r, const struct wiremsg_hello *h, uint64_t now,
    struct peer **out, enum wiremsg_code *code, char *reason, size_t rlen)
{
	struct room_conf	 key, *rc;
	struct room		*room;
	struct peer		*p;
	struct mac_entry	*me;
	const char		*why;
	int			 created = 0;

	*out = NULL;
	*code = WIREMSG_CODE_NONE;
	if (rlen > 0)
		reason[0] = '\0';

	if (h->proto != WIREMSG_PROTO)
		return (reject(r, WIREMSG_CODE_VERSION, code, reason, rlen,
		    "protocol version %u not supported (this relay speaks %d)",
		    h->proto, WIREMSG_PROTO));
	if (!wiremsg_room_valid(h->room))
		return (reject(r, WIREMSG_CODE_BAD_ROOM, code, reason, rlen,
		    "invalid room code (1-32 characters of A-Z a-z 0-9 _ -)"));
	if (h->role != WIREMSG_ROLE_CLIENT && h->role != WIREMSG_ROLE_GATEWAY)
		return (reject(r, WIREMSG_CODE_BAD_ROLE, code, reason, rlen,
		    "role must be client or gateway"));
	if (!wiremsg_mac_valid(h->role, &h->mac, &why))
		return (reject(r, WIREMSG_CODE_BAD_MAC, code, reason, rlen,
		    "mac %s: %s", ether_mac_str(&h->mac), why));

	memset(&key, 0, sizeof(key));
	strlcpy(key.name, h->room, sizeof(key.name));
	rc = RB_FIND(room_confs, &r->declared, &key);
	if (rc != NULL && rc->secret[0] != '\0') {
		if (h->secret[0] == '\0')
			return (reject(r, WIREMSG_CODE_UNAUTHORIZED, code,
			    reason, rlen, "room %s requires a secret",
			    h->room));
		if (!secret_eq(rc->secret, h->secret))
			return (reject(r, WIREMSG_CODE_UNAUTHORIZED, code,
			    reason, rlen, "wrong secret for room %s",
			    h->room));
	}
	if (rc == NULL && !r->conf.open_rooms)
		return (reject(r, WIREMSG_CODE_UNAUTHORIZED, code, reason, rlen,
		    "room %s is not declared and this relay admits declared "
		    "rooms only", h->room));

	room = relay_room_find(r, h->room);
	if (room != NULL) {
		if (h->role == WIREMSG_ROLE_GATEWAY && room->gateway != NULL)
			return (reject(r, WIREMSG_CODE_GATEWAY_EXISTS, code,
			    reason, rlen, "room %s already has a gateway "
			    "(peer %u)", h->room, room->gateway->id));
		if ((me = room_mac_find(room, &h->mac)) != NULL) {
			if (me->learned && mac_stale(r, me, now))
				mac_expire(r, room, me);
			else if (me->learned)
				return (reject(r, WIREMSG_CODE_DUPLICATE_MAC,
				    code, reason, rlen, "mac %s is in use "
				    "behind the gateway of room %s",
				    ether_mac_str(&h->mac), h->room));
			else
				return (reject(r, WIREMSG_CODE_DUPLICATE_MAC,
				    code, reason, rlen, "mac %s is in use by "
				    "peer %u in room %s",
				    ether_mac_str(&h->mac), me->owner->id,
				    h->room));
		}
		if (h->role == WIREMSG_ROLE_CLIENT &&
		    room->nclients >= room->max_clients)
			return (reject(r, WIREMSG_CODE_ROOM_FULL, code, reason,
			    rlen, "room %s is full (%u clients)", h->room,
			    room->max_clients));
	}
	if (r->npeers >= r->conf.max_peers)
		return (reject(r, WIREMSG_CODE_RELAY_FULL, code, reason, rlen,
		    "relay is full (%u peers)", r->conf.max_peers));
	if (room == NULL && r->nrooms >= r->conf.max_rooms)
		return (reject(r, WIREMSG_CODE_RELAY_FULL, code, reason, rlen,
		    "relay is full (%u rooms)", r->conf.max_rooms));
	if (r->next_id == 0)
		return (reject(r, WIREMSG_CODE_RELAY_FULL, code, reason, rlen,
		    "relay has run out of peer ids, restart it"));

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (reject(r, WIREMSG_CODE_RELAY_FULL, code, reason, rlen,
		    "out of memory"));
	if (room == NULL) {
		if ((room = room_create(r, h->room, rc, now)) == NULL) {
			free(p);
			return (reject(r, WIREMSG_CODE_RELAY_FULL, code,
			    reason, rlen, "out of memory"));
		}
		created = 1;
	}
	p->role = h->role;
	p->mac = h->mac;
	p->datagram_budget = h->datagram_budget;
	snprintf(p->software, sizeof(p->software), "%.*s",
	    WIREMSG_SOFTWARE_MAX, h->software);
	p->room = room;
	p->joined = now;
	p->tokens = (uint64_t)r->conf.bcast_burst * TOKEN_UNIT;
	p->tokens_last = now;
	if (mac_pin(room, p) == -1) {
		free(p);
		if (created)
			room_destroy(r, room);
		return (reject(r, WIREMSG_CODE_RELAY_FULL, code, reason, rlen,
		    "out of memory"));
	}

	p->id = r->next_id++;	/* wraps to 0: no more ids */
	RB_INSERT(peer_ids, &r->peers, p);
	r->npeers++;
	TAILQ_INSERT_TAIL(&room->members, p, entry);
	room->nmembers++;
	if (p->role == WIREMSG_ROLE_GATEWAY)
		room->gateway = p;
	else
		room->nclients++;
	r->admitted++;
	*out = p;
	return (0);
}

static struct room *
room_create(struct relay *r, const char *name, const struct room_conf *rc,
    uint64_t now)
{
	struct room	*room;

	if ((room = calloc(1, sizeof(*room))) == NULL)
		return (NULL);
	strlcpy(room->name, name, sizeof(room->name));
	room->conf = rc;
	room->mtu = rc != NULL && rc->mtu != 0 ? rc->mtu : r->conf.mtu;
	room->max_clients = rc != NULL && rc->max_clients != 0 ?
	    rc->max_clients : r->conf.max_clients;
	room->created = now;
	TAILQ_INIT(&room->members);
	RB_INIT(&room->macs);
	RB_INSERT(room_tree, &r->rooms, room);
	r->nrooms++;
	r->rooms_created++;
	return (room);
}

/*
 * A room goes when its last member leaves, so its MAC table is empty by
 * then; it is emptied here anyway.
 */
static void
room_destroy(struct relay *r, struct room *room)
{
	struct mac_entry	*me, *nme;

	RB_FOREACH_SAFE(me, mac_table, &room->macs, nme)
		mac_remove(room, me);
	RB_REMOVE(room_tree, &r->rooms, room);
	r->nrooms--;
	free(room);
}

struct room *
relay_room_find(struct relay *r, const char *name)
{
	struct room	 key;

	if (strlcpy(key.name, name, sizeof(key.name)) >= sizeof(key.name))
		return (NULL);
	return (RB_FIND(room_tree, &r->rooms, &key));
}

struct peer *
relay_peer_find(struct relay *r, uint32_t id)
{
	struct peer	 key;

	key.id = id;
	return (RB_FIND(peer_ids, &r->peers, &key));
}

struct mac_entry *
room_mac_find(struct room *room, const struct ether_mac *mac)
{
	struct mac_entry	 key;

	key.mac = *mac;
	return (RB_FIND(mac_table, &room->macs, &key));
}

void
peer_info(const struct peer *p, struct wiremsg_peer *cp)
{
	memset(cp, 0, sizeof(*cp));
	cp->peer_id = p->id;
	cp->role = p->role;
	cp->mac = p->mac;
}

/* The welcome for a newly admitted peer: the other members, join order. */
void
relay_welcome(const struct peer *p, struct wiremsg_welcome *w)
{
	const struct peer	*q;

	memset(w, 0, sizeof(*w));
	w->peer_id = p->id;
	w->room_mtu = p->room->mtu;
	TAILQ_FOREACH(q, &p->room->members, entry) {
		if (q == p)
			continue;
		if (w->npeers == nitems(w->peers))
			break;	/* not reached: rooms are bounded */
		peer_info(q, &w->peers[w->npeers++]);
	}
}

/*
 * The other members of p's room, in join order, at most max of them: whom
 * to send peer-joined after admission.  Returns how many.
 */
size_t
relay_others(const struct peer *p, struct peer **out, size_t max)
{
	struct peer	*q;
	size_t		 n = 0;

	TAILQ_FOREACH(q, &p->room->members, entry) {
		if (q == p)
			continue;
		if (n == max)
			break;
		out[n++] = q;
	}
	return (n);
}

/*
 * Remove p from its room and from every MAC index, and free it.  If gone
 * is not NULL it receives p's id, role and MAC; notify receives the
 * remaining members (at most max) to tell with peer-left.  An empty room
 * is destroyed.  Returns the number of peers in notify.
 */
size_t
relay_leave(struct relay *r, struct peer *p, struct wiremsg_peer *gone,
    struct peer **notify, size_t max)
{
	struct room	*room = p->room;
	size_t		 n = 0;

	if (gone != NULL)
		peer_info(p, gone);
	if (notify != NULL)
		n = relay_others(p, notify, max);

	mac_unpin_all(room, p);
	TAILQ_REMOVE(&room->members, p, entry);
	room->nmembers--;
	if (room->gateway == p)
		room->gateway = NULL;
	else
		room->nclients--;
	RB_REMOVE(peer_ids, &r->peers, p);
	r->npeers--;
	r->left++;
	free(p);

	if (room->nmembers == 0)
		room_destroy(r, room);
	return (n);
}

/* Pin p's own MAC in its room; the caller checked it is not there. */
static int
mac_pin(struct room *room, struct peer *p)
{
	struct mac_entry	*me;

	if ((me = calloc(1, sizeof(*me))) == NULL)
		return (-1);
	me->mac = p->mac;
	me->owner = p;
	if (RB_INSERT(mac_table, &room->macs, me) != NULL) {
		free(me);
		return (-1);
	}
	return (0);
}

/*
 * Remove every entry owned by p: its own MAC and, for a gateway, all
 * MACs learned behind it.
 */
static void
mac_unpin_all(struct room *room, struct peer *p)
{
	struct mac_entry	*me, *nme;

	if (p->role == WIREMSG_ROLE_GATEWAY) {
		RB_FOREACH_SAFE(me, mac_table, &room->macs, nme)
			if (me->owner == p)
				mac_remove(room, me);
	} else if ((me = room_mac_find(room, &p->mac)) != NULL &&
	    me->owner == p)
		mac_remove(room, me);
}

static void
mac_remove(struct room *room, struct mac_entry *me)
{
	RB_REMOVE(mac_table, &room->macs, me);
	if (me->learned)
		room->nlearned--;
	free(me);
}

/* Remove a learned entry that has aged out, and count it. */
static void
mac_expire(struct relay *r, struct room *room, struct mac_entry *me)
{
	mac_remove(room, me);
	room->expired++;
	r->expired++;
}

static int
mac_stale(const struct relay *r, const struct mac_entry *me, uint64_t now)
{
	return (me->learned && now >= me->seen &&
	    now - me->seen >= r->conf.mac_age);
}

/* Learn (or refresh) a source MAC seen behind the gateway gw. */
static void
mac_learn(struct relay *r, struct room *room, struct peer *gw,
    const struct ether_mac *mac, uint64_t now)
{
	struct mac_entry	*me;

	if ((me = room_mac_find(room, mac)) != NULL) {
		if (me->learned && now > me->seen)
			me->seen = now;
		return;
	}
	if (room->nlearned >= r->conf.max_learned ||
	    (me = calloc(1, sizeof(*me))) == NULL) {
		room->learn_full++;
		r->learn_full++;
		return;
	}
	me->mac = *mac;
	me->owner = gw;
	me->learned = 1;
	me->seen = now;
	RB_INSERT(mac_table, &room->macs, me);
	room->nlearned++;
	room->learned_total++;
	r->learned_total++;
}

/*
 * Age out MACs learned behind gateways that have not been seen as a
 * source for the configured age.  Returns how many were removed.
 */
size_t
room_expire(struct relay *r, uint64_t now)
{
	struct room		*room;
	struct mac_entry	*me, *nme;
	size_t			 n = 0;

	RB_FOREACH(room, room_tree, &r->rooms) {
		RB_FOREACH_SAFE(me, mac_table, &room->macs, nme) {
			if (!mac_stale(r, me, now))
				continue;
			mac_expire(r, room, me);
			n++;
		}
	}
	return (n);
}

/*
 * Take one broadcast/multicast token from p's bucket, refilled at
 * bcast_rate frames per second up to bcast_burst.  0 if empty.
 */
static int
bucket_take(const struct relay *r, struct peer *p, uint64_t now)
{
	uint64_t	 max, add;

	if (r->conf.bcast_rate == 0)
		return (1);
	max = (uint64_t)r->conf.bcast_burst * TOKEN_UNIT;
	if (now > p->tokens_last) {
		/* rate frames/s is rate thousandths of a frame per ms. */
		if (now - p->tokens_last > max / r->conf.bcast_rate)
			add = max;	/* full anyway; and no overflow */
		else
			add = (now - p->tokens_last) * r->conf.bcast_rate;
		p->tokens = MINIMUM(max, p->tokens + add);
		p->tokens_last = now;
	}
	if (p->tokens < TOKEN_UNIT)
		return (0);
	p->tokens -= TOKEN_UNIT;
	return (1);
}

static void
fwd_drop(struct relay *r, struct peer *from, struct fwd_result *res,
    enum fwd_reason reason)
{
	res->reason = reason;
	res->nout = 0;
	from->counters.drops[reason]++;
	from->room->counters.drops[reason]++;
	r->counters.drops[reason]++;
}

static void
fwd_add(struct fwd_result *res, struct peer *p)
{
	if (res->nout < nitems(res->out))
		res->out[res->nout++] = p;
}

/*
 * Decide where the frame of len bytes that peer from sent at time now
 * (ms) goes.  res->reason is FWD_OK and res->out[0..nout) the peers to
 * send it to, or the drop reason (already counted).  See DESIGN.md
 * section 5: filters, source checks, learning, then the destination.
 */
void
room_forward(struct relay *r, struct peer *from, const uint8_t *frame,
    size_t len, uint64_t now, struct fwd_result *res)
{
	struct room		*room = from->room;
	struct mac_entry	*me;
	struct peer		*q;
	struct ether_mac	 dst, src;
	enum l2_class		 c;
	int			 from_client;
	size_t			 i;

	res->reason = FWD_OK;
	res->nout = 0;
	res->parsed = 0;
	from->counters.frames_in++;
	from->counters.bytes_in += len;
	room->counters.frames_in++;
	room->counters.bytes_in += len;
	r->counters.frames_in++;
	r->counters.bytes_in += len;

	from_client = from->role == WIREMSG_ROLE_CLIENT;
	c = l2_classify(frame, len, room->mtu, from_client, &res->ef);
	res->parsed = c != L2_DROP_RUNT;
	if (c != L2_PASS) {
		fwd_drop(r, from, res, (enum fwd_reason)c);
		return;
	}
	dst = res->ef.dst;
	src = res->ef.src;

	if (ether_mac_is_zero(&src) || ether_mac_is_multicast(&src)) {
		fwd_drop(r, from, res, FWD_DROP_SOURCE_INVALID);
		return;
	}
	if (from_client) {
		if (!ether_mac_eq(&src, &from->mac)) {
			fwd_drop(r, from, res, FWD_DROP_SPOOFED);
			return;
		}
	} else {
		me = room_mac_find(room, &src);
		if (me != NULL && me->owner != from) {
			fwd_drop(r, from, res, FWD_DROP_LOOP);
			return;
		}
		mac_learn(r, room, from, &src, now);
	}

	if (ether_mac_is_multicast(&dst)) {
		if (!bucket_take(r, from, now)) {
			fwd_drop(r, from, res, FWD_DROP_RATE_LIMITED);
			return;
		}
		TAILQ_FOREACH(q, &room->members, entry)
			if (q != from)
				fwd_add(res, q);
		if (res->nout == 0) {
			fwd_drop(r, from, res, FWD_DROP_NO_RECEIVER);
			return;
		}
	} else if ((me = room_mac_find(room, &dst)) != NULL &&
	    me->owner == from) {
		fwd_drop(r, from, res, FWD_DROP_HAIRPIN);
		return;
	} else if (me != NULL && me->owner->role == WIREMSG_ROLE_CLIENT) {
		fwd_add(res, me->owner);
	} else if (!from_client) {
		fwd_drop(r, from, res, FWD_DROP_GW_UNKNOWN);
		return;
	} else if (room->gateway == NULL) {
		fwd_drop(r, from, res, FWD_DROP_NO_GATEWAY);
		return;
	} else
		fwd_add(res, room->gateway);

	for (i = 0; i < res->nout; i++) {
		q = res->out[i];
		q->counters.frames_out++;
		q->counters.bytes_out += len;
	}
	room->counters.frames_out += res->nout;
	room->counters.bytes_out += res->nout * len;
	r->counters.frames_out += res->nout;
	r->counters.bytes_out += res->nout * len;
}


static void
put_fwd(struct wiremsg_counter *out, size_t max, size_t *n,
    const struct fwd_counters *fc)
{
	char		 name[WIREMSG_COUNTER_NAME_MAX + 1];
	unsigned int	 rs;

	wiremsg_counter_put(out, max, n, "frames-in", fc->frames_in);
	wiremsg_counter_put(out, max, n, "bytes-in", fc->bytes_in);
	wiremsg_counter_put(out, max, n, "frames-out", fc->frames_out);
	wiremsg_counter_put(out, max, n, "bytes-out", fc->bytes_out);
	for (rs = FWD_OK + 1; rs < FWD_REASON_MAX; rs++) {
		snprintf(name, sizeof(name), "drop-%s",
		    fwd_reason_name((enum fwd_reason)rs));
		wiremsg_counter_put(out, max, n, name, fc->drops[rs]);
	}
}

/*
 * Counters as name/value pairs for a stats reply or the control socket,
 * at most max of them; each returns how many it wrote.  The names are
 * stable and valid counter names (wiremsg.h):
 *
 * fwd_counters_export() (a peer's): frames-in, bytes-in, frames-out,
 * bytes-out, then drop-<reason> for every reason of fwd_reason_name().
 */
size_t
fwd_counters_export(const struct fwd_counters *fc, struct wiremsg_counter *out,
    size_t max)
{
	size_t	 n = 0;

	put_fwd(out, max, &n, fc);
	return (n);
}

/*
 * room_counters_export(): members, clients, macs, macs-learned,
 * macs-expired, learn-full, then the room's frame counters.
 */
size_t
room_counters_export(const struct room *room, struct wiremsg_counter *out,
    size_t max)
{
	size_t	 n = 0;

	wiremsg_counter_put(out, max, &n, "members", room->nmembers);
	wiremsg_counter_put(out, max, &n, "clients", room->nclients);
	wiremsg_counter_put(out, max, &n, "macs", room->nlearned);
	wiremsg_counter_put(out, max, &n, "macs-learned", room->learned_total);
	wiremsg_counter_put(out, max, &n, "macs-expired", room->expired);
	wiremsg_counter_put(out, max, &n, "learn-full", room->learn_full);
	put_fwd(out, max, &n, &room->counters);
	return (n);
}

/*
 * relay_counters_export(): peers, rooms, admitted, left, rooms-created,
 * reject-<code> for every reject code, macs-learned, macs-expired,
 * learn-full, then the relay's frame counters.
 */
size_t
relay_counters_export(const struct relay *r, struct wiremsg_counter *out,
    size_t max)
{
	char		 name[WIREMSG_COUNTER_NAME_MAX + 1];
	unsigned int	 c;
	size_t		 n = 0;

	wiremsg_counter_put(out, max, &n, "peers", r->npeers);
	wiremsg_counter_put(out, max, &n, "rooms", r->nrooms);
	wiremsg_counter_put(out, max, &n, "admitted", r->admitted);
	wiremsg_counter_put(out, max, &n, "left", r->left);
	wiremsg_counter_put(out, max, &n, "rooms-created", r->rooms_created);
	for (c = WIREMSG_CODE_NONE + 1; c < RELAY_CODE_MAX; c++) {
		snprintf(name, sizeof(name), "reject-%s",
		    wiremsg_code_name((enum wiremsg_code)c));
		wiremsg_counter_put(out, max, &n, name, r->rejected[c]);
	}
	wiremsg_counter_put(out, max, &n, "macs-learned", r->learned_total);
	wiremsg_counter_put(out, max, &n, "macs-expired", r->expired);
	wiremsg_counter_put(out, max, &n, "learn-full", r->learn_full);
	put_fwd(out, max, &n, &r->counters);
	return (n);
}
