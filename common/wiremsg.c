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
 * The control stream codec: length-prefixed JSON framing, an incremental
 * reader, and the messages of DESIGN section 4 (see wiremsg.h for the wire
 * format).  Sans-I/O: no sockets, no clocks, no logging; every refusal is
 * returned as a message naming the field.
 *
 * Decoding checks each field in the order of the message table, so that
 * the first fault found decides the reject code of a hello (a hello of
 * another version is refused as "version" whatever else it holds).
 * Encoding validates with the same checks first: what wiremsg_encode()
 * writes, wiremsg_decode() accepts.
 */

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "compat.h"
#include "ether.h"
#include "wiremsg.h"

/* Where an error is being reported: message name and reject code. */
struct ctx {
	const char		*msg;
	enum wiremsg_code	 code;
	struct wiremsg_error	*err;
};

#define FIELD_MAX	64	/* "peers[127].peer_id", "counters.<name>" */

static const char *const type_names[] = {
	[WIREMSG_HELLO] = "hello",
	[WIREMSG_WELCOME] = "welcome",
	[WIREMSG_REJECT] = "reject",
	[WIREMSG_PEER_JOINED] = "peer-joined",
	[WIREMSG_PEER_LEFT] = "peer-left",
	[WIREMSG_STATS] = "stats",
	[WIREMSG_DISCONNECT] = "disconnect"
};

static const char *const role_names[] = {
	[WIREMSG_ROLE_CLIENT] = "client",
	[WIREMSG_ROLE_GATEWAY] = "gateway"
};

static const char *const code_names[] = {
	[WIREMSG_CODE_VERSION] = "version",
	[WIREMSG_CODE_BAD_ROOM] = "bad-room",
	[WIREMSG_CODE_BAD_MAC] = "bad-mac",
	[WIREMSG_CODE_BAD_ROLE] = "bad-role",
	[WIREMSG_CODE_UNAUTHORIZED] = "unauthorized",
	[WIREMSG_CODE_DUPLICATE_MAC] = "duplicate-mac",
	[WIREMSG_CODE_GATEWAY_EXISTS] = "gateway-exists",
	[WIREMSG_CODE_ROOM_FULL] = "room-full",
	[WIREMSG_CODE_RELAY_FULL] = "relay-full"
};

static const char *table_name(const char *const *, size_t, int);
static int	 table_lookup(const char *const *, size_t, const char *);
static void	 verror(struct ctx *, const char *, const char *, va_list)
		    __printflike(3, 0);
static int	 msg_error(struct ctx *, const char *, ...)
		    __printflike(2, 3);
static int	 field_error(struct ctx *, const char *, const char *, ...)
		    __printflike(3, 4);
static int	 text_valid(const char *, int);
static int	 counter_name_valid(const char *);
static int	 mac_wire_parse(const char *, struct ether_mac *);
static int	 body_has_nul(const char *, size_t);
static int	 is_json_space(char);
static int	 lookup(struct ctx *, const cJSON *, const char *, const char *,
		    int, const cJSON **);
static int	 item_uint(struct ctx *, const cJSON *, const char *,
		    uint64_t, uint64_t, uint64_t *);
static int	 get_uint(struct ctx *, const cJSON *, const char *,
		    const char *, uint64_t, uint64_t, uint64_t *);
static int	 get_string(struct ctx *, const cJSON *, const char *,
		    const char *, int, const char **);
static int	 check_range(struct ctx *, const char *, uint64_t, uint64_t,
		    uint64_t);
static int	 check_terminated(struct ctx *, const char *, const char *,
		    size_t);
static int	 check_text(struct ctx *, const char *, const char *, size_t,
		    int);
static int	 check_proto(struct ctx *, uint32_t);
static int	 check_role(struct ctx *, const char *, enum wiremsg_role);
static int	 check_mac(struct ctx *, const char *, enum wiremsg_role,
		    const struct ether_mac *);
static int	 check_room(struct ctx *, const char *, size_t);
static int	 room_error(struct ctx *);
static int	 check_peer(struct ctx *, const char *,
		    const struct wiremsg_peer *);
static int	 check_peer_set(struct ctx *, uint32_t,
		    const struct wiremsg_peer *, size_t);
static int	 check_counters(struct ctx *, const struct wiremsg_stats *);
static int	 validate(struct ctx *, const struct wiremsg *);
static int	 decode_peer(struct ctx *, const cJSON *, const char *,
		    struct wiremsg_peer *);
static int	 decode_hello(struct ctx *, const cJSON *,
		    struct wiremsg_hello *);
static int	 decode_welcome(struct ctx *, const cJSON *,
		    struct wiremsg_welcome *);
static int	 decode_reject(struct ctx *, const cJSON *,
		    struct wiremsg_reject *);
static int	 decode_stats(struct ctx *, const cJSON *,
		    struct wiremsg_stats *);
static int	 decode_reason(struct ctx *, const cJSON *, char *, size_t);
static void	 scrub_secrets(cJSON *);
static cJSON	*add_uint(cJSON *, const char *, uint64_t);
static int	 add_peer(cJSON *, const struct wiremsg_peer *);
static cJSON	*build(const struct wiremsg *);
static int	 reader_fail(struct wiremsg_reader *, struct wiremsg_error *,
		    const char *, ...)
		    __printflike(3, 4);

/*
 * Names and codes.
 */

static const char *
table_name(const char *const *names, size_t n, int v)
{
	if (v < 0 || (size_t)v >= n)
		return (NULL);
	return (names[v]);
}

static int
table_lookup(const char *const *names, size_t n, const char *s)
{
	size_t	 i;

	if (s == NULL)
		return (-1);
	for (i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], s) == 0)
			return ((int)i);
	return (-1);
}

/* The wire name of a message type, or NULL if t is not one. */
const char *
wiremsg_type_name(enum wiremsg_type t)
{
	return (table_name(type_names, nitems(type_names), t));
}

/* "client" or "gateway"; NULL if r is not a role. */
const char *
wiremsg_role_name(enum wiremsg_role r)
{
	return (table_name(role_names, nitems(role_names), r));
}

/* Returns 0 and sets *r, or -1 if s is not exactly a role name. */
int
wiremsg_role_parse(const char *s, enum wiremsg_role *r)
{
	int	 v;

	if ((v = table_lookup(role_names, nitems(role_names), s)) == -1)
		return (-1);
	*r = (enum wiremsg_role)v;
	return (0);
}

/* The wire name of a reject code ("bad-room"); NULL if c is not one. */
const char *
wiremsg_code_name(enum wiremsg_code c)
{
	return (table_name(code_names, nitems(code_names), c));
}

/* Returns 0 and sets *c, or -1 if s is not exactly a reject code. */
int
wiremsg_code_parse(const char *s, enum wiremsg_code *c)
{
	int	 v;

	if ((v = table_lookup(code_names, nitems(code_names), s)) == -1)
		return (-1);
	*c = (enum wiremsg_code)v;
	return (0);
}

/*
 * Value checks.
 */

/* A room code: 1-32 characters of [A-Za-z0-9_-].  Returns 1 if valid. */
int
wiremsg_room_valid(const char *s)
{
	size_t	 i;
	char	 ch;

	if (s == NULL)
		return (0);
	for (i = 0; s[i] != '\0'; i++) {
		if (i == WIREMSG_ROOM_MAX)
			return (0);
		ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return (0);
	}
	return (i > 0);
}

/*
 * Whether mac may be the own address of a peer of the given role: unicast
 * and non-zero, and for a client also locally administered.  Returns 1, or
 * 0 with the reason in *why (if why is not NULL).
 */
int
wiremsg_mac_valid(enum wiremsg_role role, const struct ether_mac *mac,
    const char **why)
{
	const char	*dummy;

	if (why == NULL)
		why = &dummy;
	if (wiremsg_role_name(role) == NULL) {
		*why = "no valid role to check the MAC address against";
		return (0);
	}
	if (ether_mac_is_zero(mac)) {
		*why = "zero MAC address";
		return (0);
	}
	if (ether_mac_is_broadcast(mac)) {
		*why = "broadcast MAC address";
		return (0);
	}
	if (ether_mac_is_multicast(mac)) {
		*why = "multicast MAC address";
		return (0);
	}
	if (role == WIREMSG_ROLE_CLIENT && !ether_mac_is_local(mac)) {
		*why = "client MAC address must be locally administered";
		return (0);
	}
	*why = NULL;
	return (1);
}

/* 1 if s has no control characters; with ascii, only 0x20-0x7e. */
static int
text_valid(const char *s, int ascii)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return (0);
		if (ascii && *p > 0x7e)
			return (0);
	}
	return (1);
}

/* 1-32 characters of [A-Za-z0-9_.-]. */
static int
counter_name_valid(const char *s)
{
	size_t	 i;
	char	 ch;

	if (s == NULL)
		return (0);
	for (i = 0; s[i] != '\0'; i++) {
		if (i == WIREMSG_COUNTER_NAME_MAX)
			return (0);
		ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
		    ch == '.'))
			return (0);
	}
	return (i > 0);
}

/* The wire form is exactly "xx:xx:xx:xx:xx:xx". */
static int
mac_wire_parse(const char *s, struct ether_mac *mac)
{
	if (strlen(s) != ETHER_MAC_STRLEN - 1 || s[2] != ':')
		return (-1);
	return (ether_mac_parse(s, mac));
}

/*
 * Errors.
 */

/* "<message>: field \"<field>\": <what>", or without a field. */
static void
verror(struct ctx *c, const char *field, const char *fmt, va_list ap)
{
	char	*msg = c->err->msg;
	size_t	 size = sizeof(c->err->msg);
	int	 n;

	c->err->code = c->code;
	if (field != NULL)
		n = snprintf(msg, size, "%s: field \"%s\": ", c->msg, field);
	else
		n = snprintf(msg, size, "%s: ", c->msg);
	if (n < 0 || (size_t)n >= size)
		return;
	(void)vsnprintf(msg + n, size - (size_t)n, fmt, ap);
}

static int
msg_error(struct ctx *c, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	verror(c, NULL, fmt, ap);
	va_end(ap);
	return (-1);
}

static int
field_error(struct ctx *c, const char *field, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	verror(c, field, fmt, ap);
	va_end(ap);
	return (-1);
}

/*
 * Checks shared by the decoder and wiremsg_validate().  The field names
 * are the wire names.
 */

static int
check_range(struct ctx *c, const char *field, uint64_t v, uint64_t min,
    uint64_t max)
{
	if (v < min || v > max)
		return (field_error(c, field, "out of range %llu-%llu",
		    (unsigned long long)min, (unsigned long long)max));
	return (0);
}

static int
check_terminated(struct ctx *c, const char *field, const char *s,
    size_t size)
{
	if (memchr(s, '\0', size) == NULL)
		return (field_error(c, field, "not NUL-terminated"));
	return (0);
}

/* A string field of a struct: terminated and of the allowed characters. */
static int
check_text(struct ctx *c, const char *field, const char *s, size_t size,
    int ascii)
{
	if (check_terminated(c, field, s, size) == -1)
		return (-1);
	if (!text_valid(s, ascii))
		return (field_error(c, field, ascii ?
		    "not printable ASCII" : "contains control characters"));
	return (0);
}

static int
check_proto(struct ctx *c, uint32_t proto)
{
	if (proto != WIREMSG_PROTO)
		return (field_error(c, "proto",
		    "unsupported protocol version %u (expected %d)",
		    proto, WIREMSG_PROTO));
	return (0);
}

static int
check_role(struct ctx *c, const char *field, enum wiremsg_role role)
{
	if (wiremsg_role_name(role) == NULL)
		return (field_error(c, field,
		    "invalid role (expected \"client\" or \"gateway\")"));
	return (0);
}

static int
check_mac(struct ctx *c, const char *field, enum wiremsg_role role,
    const struct ether_mac *mac)
{
	const char	*why;

	if (!wiremsg_mac_valid(role, mac, &why))
		return (field_error(c, field, "%s", why));
	return (0);
}

static int
check_room(struct ctx *c, const char *room, size_t size)
{
	if (check_terminated(c, "room", room, size) == -1)
		return (-1);
	if (!wiremsg_room_valid(room))
		return (room_error(c));
	return (0);
}

static int
room_error(struct ctx *c)
{
	return (field_error(c, "room", "invalid room code "
	    "(1-%d characters of [A-Za-z0-9_-])", WIREMSG_ROOM_MAX));
}

/* One room member; prefix is "" or "peers[N].". */
static int
check_peer(struct ctx *c, const char *prefix, const struct wiremsg_peer *p)
{
	char	 f[FIELD_MAX];

	(void)snprintf(f, sizeof(f), "%srole", prefix);
	if (check_role(c, f, p->role) == -1)
		return (-1);
	(void)snprintf(f, sizeof(f), "%smac", prefix);
	return (check_mac(c, f, p->role, &p->mac));
}

/*
 * welcome's peers, as a set: the others of one room, so distinct ids and
 * MACs, not the receiver itself, and at most one gateway.
 */
static int
check_peer_set(struct ctx *c, uint32_t self, const struct wiremsg_peer *p,
    size_t n)
{
	char	 f[FIELD_MAX];
	size_t	 i, j, gateway = n;

	for (i = 0; i < n; i++) {
		(void)snprintf(f, sizeof(f), "peers[%zu].peer_id", i);
		if (p[i].peer_id == self)
			return (field_error(c, f,
			    "is the receiving peer's own id %u", self));
		for (j = 0; j < i; j++)
			if (p[j].peer_id == p[i].peer_id)
				return (field_error(c, f,
				    "duplicate of peers[%zu]", j));
		(void)snprintf(f, sizeof(f), "peers[%zu].mac", i);
		for (j = 0; j < i; j++)
			if (ether_mac_eq(&p[j].mac, &p[i].mac))
				return (field_error(c, f,
				    "duplicate of peers[%zu]", j));
		if (p[i].role == WIREMSG_ROLE_GATEWAY) {
			(void)snprintf(f, sizeof(f), "peers[%zu].role", i);
			if (gateway != n)
				return (field_error(c, f, "a second gateway "
				    "(peers[%zu] is one)", gateway));
			gateway = i;
		}
	}
	return (0);
}

static int
check_counters(struct ctx *c, const struct wiremsg_stats *s)
{
	char	 f[FIELD_MAX];
	size_t	 i, j;

	if (!s->reply)
		return (0);
	if (s->ncounters > WIREMSG_MAX_COUNTERS)
		return (field_error(c, "counters", "too many counters "
		    "(max %d)", WIREMSG_MAX_COUNTERS));
	for (i = 0; i < s->ncounters; i++) {
		if (memchr(s->counters[i].name, '\0',
		    sizeof(s->counters[i].name)) == NULL ||
		    !counter_name_valid(s->counters[i].name))
			return (field_error(c, "counters", "counter %zu: "
			    "invalid name (1-%d characters of "
			    "[A-Za-z0-9_.-])", i, WIREMSG_COUNTER_NAME_MAX));
		(void)snprintf(f, sizeof(f), "counters.%s",
		    s->counters[i].name);
		for (j = 0; j < i; j++)
			if (strcmp(s->counters[j].name,
			    s->counters[i].name) == 0)
				return (field_error(c, f,
				    "appears more than once"));
	}
	return (0);
}

static int
validate(struct ctx *c, const struct wiremsg *m)
{
	const struct wiremsg_hello	*h;
	const struct wiremsg_welcome	*w;
	char				 f[FIELD_MAX];
	size_t				 i;

	c->msg = wiremsg_type_name(m->type);
	c->code = WIREMSG_CODE_NONE;
	if (c->msg == NULL) {
		c->msg = "control message";
		return (msg_error(c, "unknown message type %d", m->type));
	}

	switch (m->type) {
	case WIREMSG_HELLO:
		h = &m->u.hello;
		c->code = WIREMSG_CODE_VERSION;
		if (check_proto(c, h->proto) == -1)
			return (-1);
		c->code = WIREMSG_CODE_BAD_ROLE;
		if (check_role(c, "role", h->role) == -1)
			return (-1);
		c->code = WIREMSG_CODE_BAD_ROOM;
		if (check_room(c, h->room, sizeof(h->room)) == -1)
			return (-1);
		c->code = WIREMSG_CODE_BAD_MAC;
		if (check_mac(c, "mac", h->role, &h->mac) == -1)
			return (-1);
		c->code = WIREMSG_CODE_VERSION;
		if (check_range(c, "datagram_budget", h->datagram_budget,
		    WIREMSG_BUDGET_MIN, WIREMSG_BUDGET_MAX) == -1)
			return (-1);
		c->code = WIREMSG_CODE_UNAUTHORIZED;
		if (check_text(c, "secret", h->secret, sizeof(h->secret),
		    0) == -1)
			return (-1);
		c->code = WIREMSG_CODE_VERSION;
		return (check_text(c, "software", h->software,
		    sizeof(h->software), 1));
	case WIREMSG_WELCOME:
		w = &m->u.welcome;
		if (check_range(c, "room_mtu", w->room_mtu, WIREMSG_MTU_MIN,
		    WIREMSG_MTU_MAX) == -1)
			return (-1);
		if (w->npeers > WIREMSG_MAX_PEERS)
			return (field_error(c, "peers", "too many peers "
			    "(max %d)", WIREMSG_MAX_PEERS));
		for (i = 0; i < w->npeers; i++) {
			(void)snprintf(f, sizeof(f), "peers[%zu].", i);
			if (check_peer(c, f, &w->peers[i]) == -1)
				return (-1);
		}
		return (check_peer_set(c, w->peer_id, w->peers, w->npeers));
	case WIREMSG_REJECT:
		if (wiremsg_code_name(m->u.reject.code) == NULL)
			return (field_error(c, "code", "unknown reject code"));
		return (check_text(c, "reason", m->u.reject.reason,
		    sizeof(m->u.reject.reason), 0));
	case WIREMSG_PEER_JOINED:
	case WIREMSG_PEER_LEFT:
		return (check_peer(c, "", &m->u.peer));
	case WIREMSG_STATS:
		return (check_counters(c, &m->u.stats));
	case WIREMSG_DISCONNECT:
		return (check_text(c, "reason", m->u.disconnect.reason,
		    sizeof(m->u.disconnect.reason), 0));
	default:
		return (msg_error(c, "unknown message type %d", m->type));
	}
}

/*
 * Whether m may be sent: the checks the decoder applies to what it
 * receives.  Returns 0, or -1 with err filled (err may be NULL).
 */
int
wiremsg_validate(const struct wiremsg *m, struct wiremsg_error *err)
{
	struct wiremsg_error	 scratch;
	struct ctx		 c;

	if (err == NULL)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	c.err = err;
	return (validate(&c, m));
}

/*
 * Decoding.
 */

/*
 * A NUL byte, raw or escaped as \u0000 inside a string, would silently cut
 * a C string short ("room\u0000junk" read as "room"): refuse the text.
 */
static int
body_has_nul(const char *s, size_t len)
{
	size_t	 i;
	int	 instr = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\0')
			return (1);
		if (!instr) {
			if (s[i] == '"')
				instr = 1;
			continue;
		}
		if (s[i] == '"')
			instr = 0;
		else if (s[i] == '\\') {
			if (len - i > 5 && memcmp(s + i + 1, "u0000", 5) == 0)
				return (1);
			if (i + 1 < len && s[i + 1] == '\0')
				return (1);
			i++;	/* the escaped character */
		}
	}
	return (0);
}

static int
is_json_space(char ch)
{
	return (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r');
}

/*
 * The member key of obj (field names it in errors): NULL if absent, which
 * is an error if required; a key that appears twice is an error.
 */
static int
lookup(struct ctx *c, const cJSON *obj, const char *key, const char *field,
    int required, const cJSON **out)
{
	const cJSON	*it, *found = NULL;

	for (it = obj->child; it != NULL; it = it->next) {
		if (it->string == NULL || strcmp(it->string, key) != 0)
			continue;
		if (found != NULL)
			return (field_error(c, field,
			    "appears more than once"));
		found = it;
	}
	if (found == NULL && required)
		return (field_error(c, field, "missing"));
	*out = found;
	return (0);
}

/*
 * An exact integer in min..max (max <= WIREMSG_COUNTER_MAX).  JSON numbers
 * are doubles in cJSON: anything non-finite, negative, fractional, or
 * beyond 2^53 - 1 (where doubles stop being exact) is refused.
 */
static int
item_uint(struct ctx *c, const cJSON *it, const char *field, uint64_t min,
    uint64_t max, uint64_t *out)
{
	double		 d;
	uint64_t	 v;

	if (!cJSON_IsNumber(it))
		return (field_error(c, field, "not a number"));
	d = it->valuedouble;
	if (!isfinite(d))
		return (field_error(c, field, "not an integer"));
	if (d < 0.0 || d > (double)WIREMSG_COUNTER_MAX)
		return (field_error(c, field, "out of range %llu-%llu",
		    (unsigned long long)min, (unsigned long long)max));
	v = (uint64_t)d;
	if ((double)v != d)
		return (field_error(c, field, "not an integer"));
	if (check_range(c, field, v, min, max) == -1)
		return (-1);
	*out = v;
	return (0);
}

static int
get_uint(struct ctx *c, const cJSON *obj, const char *key, const char *field,
    uint64_t min, uint64_t max, uint64_t *out)
{
	const cJSON	*it;

	if (lookup(c, obj, key, field, 1, &it) == -1)
		return (-1);
	return (item_uint(c, it, field, min, max, out));
}

/* *out is NULL when an optional field is absent. */
static int
get_string(struct ctx *c, const cJSON *obj, const char *key,
    const char *field, int required, const char **out)
{
	const cJSON	*it;

	*out = NULL;
	if (lookup(c, obj, key, field, required, &it) == -1)
		return (-1);
	if (it == NULL)
		return (0);
	if (!cJSON_IsString(it) || it->valuestring == NULL)
		return (field_error(c, field, "not a string"));
	*out = it->valuestring;
	return (0);
}

/* peer_id, role, mac of obj; prefix is "" or "peers[N].". */
static int
decode_peer(struct ctx *c, const cJSON *obj, const char *prefix,
    struct wiremsg_peer *p)
{
	char		 f[FIELD_MAX];
	const char	*s;
	uint64_t	 v;

	(void)snprintf(f, sizeof(f), "%speer_id", prefix);
	if (get_uint(c, obj, "peer_id", f, 0, UINT32_MAX, &v) == -1)
		return (-1);
	p->peer_id = (uint32_t)v;

	(void)snprintf(f, sizeof(f), "%srole", prefix);
	if (get_string(c, obj, "role", f, 1, &s) == -1)
		return (-1);
	if (wiremsg_role_parse(s, &p->role) == -1)
		return (check_role(c, f, WIREMSG_ROLE_NONE));

	(void)snprintf(f, sizeof(f), "%smac", prefix);
	if (get_string(c, obj, "mac", f, 1, &s) == -1)
		return (-1);
	if (mac_wire_parse(s, &p->mac) == -1)
		return (field_error(c, f, "invalid MAC address "
		    "(expected xx:xx:xx:xx:xx:xx)"));
	return (check_mac(c, f, p->role, &p->mac));
}

static int
decode_hello(struct ctx *c, const cJSON *obj, struct wiremsg_hello *h)
{
	const char	*s;
	uint64_t	 v;

	c->code = WIREMSG_CODE_VERSION;
	if (get_uint(c, obj, "proto", "proto", 0, UINT32_MAX, &v) == -1)
		return (-1);
	h->proto = (uint32_t)v;
	if (check_proto(c, h->proto) == -1)
		return (-1);

	c->code = WIREMSG_CODE_BAD_ROLE;
	if (get_string(c, obj, "role", "role", 1, &s) == -1)
		return (-1);
	if (wiremsg_role_parse(s, &h->role) == -1)
		return (check_role(c, "role", WIREMSG_ROLE_NONE));

	c->code = WIREMSG_CODE_BAD_ROOM;
	if (get_string(c, obj, "room", "room", 1, &s) == -1)
		return (-1);
	if (!wiremsg_room_valid(s))
		return (room_error(c));
	(void)strlcpy(h->room, s, sizeof(h->room));

	c->code = WIREMSG_CODE_BAD_MAC;
	if (get_string(c, obj, "mac", "mac", 1, &s) == -1)
		return (-1);
	if (mac_wire_parse(s, &h->mac) == -1)
		return (field_error(c, "mac", "invalid MAC address "
		    "(expected xx:xx:xx:xx:xx:xx)"));
	if (check_mac(c, "mac", h->role, &h->mac) == -1)
		return (-1);

	c->code = WIREMSG_CODE_VERSION;
	if (get_uint(c, obj, "datagram_budget", "datagram_budget",
	    WIREMSG_BUDGET_MIN, WIREMSG_BUDGET_MAX, &v) == -1)
		return (-1);
	h->datagram_budget = (uint32_t)v;

	c->code = WIREMSG_CODE_UNAUTHORIZED;
	if (get_string(c, obj, "secret", "secret", 0, &s) == -1)
		return (-1);
	if (s != NULL) {
		if (strlcpy(h->secret, s, sizeof(h->secret)) >=
		    sizeof(h->secret))
			return (field_error(c, "secret", "too long "
			    "(max %d bytes)", WIREMSG_SECRET_MAX));
		if (check_text(c, "secret", h->secret, sizeof(h->secret),
		    0) == -1)
			return (-1);
	}

	c->code = WIREMSG_CODE_VERSION;
	if (get_string(c, obj, "software", "software", 1, &s) == -1)
		return (-1);
	if (strlcpy(h->software, s, sizeof(h->software)) >=
	    sizeof(h->software))
		return (field_error(c, "software", "too long (max %d bytes)",
		    WIREMSG_SOFTWARE_MAX));
	return (check_text(c, "software", h->software, sizeof(h->software),
	    1));
}

static int
decode_welcome(struct ctx *c, const cJSON *obj, struct wiremsg_welcome *w)
{
	const cJSON	*arr, *it;
	char		 prefix[FIELD_MAX], f[FIELD_MAX];
	uint64_t	 v;
	size_t		 n;

	if (get_uint(c, obj, "peer_id", "peer_id", 0, UINT32_MAX, &v) == -1)
		return (-1);
	w->peer_id = (uint32_t)v;
	if (get_uint(c, obj, "room_mtu", "room_mtu", WIREMSG_MTU_MIN,
	    WIREMSG_MTU_MAX, &v) == -1)
		return (-1);
	w->room_mtu = (uint32_t)v;

	if (lookup(c, obj, "peers", "peers", 1, &arr) == -1)
		return (-1);
	if (!cJSON_IsArray(arr))
		return (field_error(c, "peers", "not an array"));
	n = 0;
	for (it = arr->child; it != NULL; it = it->next) {
		if (n == WIREMSG_MAX_PEERS)
			return (field_error(c, "peers", "too many peers "
			    "(max %d)", WIREMSG_MAX_PEERS));
		(void)snprintf(f, sizeof(f), "peers[%zu]", n);
		if (!cJSON_IsObject(it))
			return (field_error(c, f, "not an object"));
		(void)snprintf(prefix, sizeof(prefix), "peers[%zu].", n);
		if (decode_peer(c, it, prefix, &w->peers[n]) == -1)
			return (-1);
		n++;
	}
	w->npeers = n;
	return (check_peer_set(c, w->peer_id, w->peers, w->npeers));
}

/* reason of reject and disconnect. */
static int
decode_reason(struct ctx *c, const cJSON *obj, char *reason, size_t size)
{
	const char	*s;

	if (get_string(c, obj, "reason", "reason", 1, &s) == -1)
		return (-1);
	if (strlcpy(reason, s, size) >= size)
		return (field_error(c, "reason", "too long (max %zu bytes)",
		    size - 1));
	return (check_text(c, "reason", reason, size, 0));
}

static int
decode_reject(struct ctx *c, const cJSON *obj, struct wiremsg_reject *r)
{
	const char	*s;

	if (get_string(c, obj, "code", "code", 1, &s) == -1)
		return (-1);
	if (wiremsg_code_parse(s, &r->code) == -1)
		return (field_error(c, "code", "unknown reject code"));
	return (decode_reason(c, obj, r->reason, sizeof(r->reason)));
}

static int
decode_stats(struct ctx *c, const cJSON *obj, struct wiremsg_stats *s)
{
	const cJSON		*counters, *it;
	struct wiremsg_counter	*ct;
	char			 f[FIELD_MAX];
	size_t			 j;

	if (lookup(c, obj, "counters", "counters", 0, &counters) == -1)
		return (-1);
	if (counters == NULL)
		return (0);	/* a request */
	if (!cJSON_IsObject(counters))
		return (field_error(c, "counters", "not an object"));
	s->reply = 1;
	for (it = counters->child; it != NULL; it = it->next) {
		if (s->ncounters == WIREMSG_MAX_COUNTERS)
			return (field_error(c, "counters", "too many "
			    "counters (max %d)", WIREMSG_MAX_COUNTERS));
		if (!counter_name_valid(it->string))
			return (field_error(c, "counters", "counter %zu: "
			    "invalid name (1-%d characters of "
			    "[A-Za-z0-9_.-])", s->ncounters,
			    WIREMSG_COUNTER_NAME_MAX));
		/* The name is known to be short and harmless now. */
		(void)snprintf(f, sizeof(f), "counters.%s", it->string);
		for (j = 0; j < s->ncounters; j++)
			if (strcmp(s->counters[j].name, it->string) == 0)
				return (field_error(c, f,
				    "appears more than once"));
		ct = &s->counters[s->ncounters];
		if (item_uint(c, it, f, 0, WIREMSG_COUNTER_MAX,
		    &ct->value) == -1)
			return (-1);
		(void)strlcpy(ct->name, it->string, sizeof(ct->name));
		s->ncounters++;
	}
	return (0);
}

/* cJSON_Delete() does not clear memory: wipe secret strings first. */
static void
scrub_secrets(cJSON *root)
{
	cJSON	*it;

	if (root == NULL || !cJSON_IsObject(root))
		return;
	for (it = root->child; it != NULL; it = it->next)
		if (it->string != NULL && strcmp(it->string, "secret") == 0 &&
		    cJSON_IsString(it) && it->valuestring != NULL)
			explicit_bzero(it->valuestring,
			    strlen(it->valuestring));
}

/*
 * Decode one JSON body (len bytes, no length prefix, need not be
 * NUL-terminated) into m.  Returns 0, or -1 with err filled and m zeroed.
 * err may be NULL.
 */
int
wiremsg_decode(const char *json, size_t len, struct wiremsg *m,
    struct wiremsg_error *err)
{
	struct wiremsg_error	 scratch;
	struct ctx		 c;
	cJSON			*root;
	const char		*end = NULL, *s;
	size_t			 i;
	int			 t, rv;

	if (err == NULL)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	memset(m, 0, sizeof(*m));
	c.msg = "control message";
	c.code = WIREMSG_CODE_NONE;
	c.err = err;

	if (len == 0 || len > WIREMSG_MAX)
		return (msg_error(&c, "length %zu out of range 1-%d", len,
		    WIREMSG_MAX));
	if (body_has_nul(json, len))
		return (msg_error(&c, "NUL character in the JSON text"));
	root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (root == NULL) {
		if (end != NULL && end >= json && end <= json + len)
			return (msg_error(&c, "invalid JSON at byte %zu",
			    (size_t)(end - json)));
		return (msg_error(&c, "invalid JSON"));
	}

	rv = -1;
	for (i = (size_t)(end - json); i < len; i++)
		if (!is_json_space(json[i])) {
			(void)msg_error(&c, "trailing data after the JSON "
			    "value at byte %zu", i);
			goto done;
		}
	if (!cJSON_IsObject(root)) {
		(void)msg_error(&c, "not a JSON object");
		goto done;
	}
	if (get_string(&c, root, "type", "type", 1, &s) == -1)
		goto done;
	if ((t = table_lookup(type_names, nitems(type_names), s)) == -1) {
		(void)field_error(&c, "type", "unknown message type");
		goto done;
	}
	m->type = (enum wiremsg_type)t;
	c.msg = type_names[t];

	switch (m->type) {
	case WIREMSG_HELLO:
		rv = decode_hello(&c, root, &m->u.hello);
		break;
	case WIREMSG_WELCOME:
		rv = decode_welcome(&c, root, &m->u.welcome);
		break;
	case WIREMSG_REJECT:
		rv = decode_reject(&c, root, &m->u.reject);
		break;
	case WIREMSG_PEER_JOINED:
	case WIREMSG_PEER_LEFT:
		rv = decode_peer(&c, root, "", &m->u.peer);
		break;
	case WIREMSG_STATS:
		rv = decode_stats(&c, root, &m->u.stats);
		break;
	case WIREMSG_DISCONNECT:
		rv = decode_reason(&c, root, m->u.disconnect.reason,
		    sizeof(m->u.disconnect.reason));
		break;
	default:
		(void)msg_error(&c, "unhandled message type");
		break;
	}

 done:
	scrub_secrets(root);
	cJSON_Delete(root);
	if (rv == -1)
		explicit_bzero(m, sizeof(*m));
	return (rv);
}

/*
 * Encoding.
 */

/*
 * Integers are written by hand: cJSON prints a double with 15 significant
 * digits when that reads back "close enough", so 2^53 - 1 would come out
 * as 9.00719925474099e+15.
 */
static cJSON *
add_uint(cJSON *obj, const char *key, uint64_t v)
{
	char	 num[24];

	(void)snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	return (cJSON_AddRawToObject(obj, key, num));
}

static int
add_peer(cJSON *obj, const struct wiremsg_peer *p)
{
	char	 mac[ETHER_MAC_STRLEN];

	if (ether_mac_format(&p->mac, mac, sizeof(mac)) == NULL)
		return (-1);
	if (add_uint(obj, "peer_id", p->peer_id) ==
	    NULL ||
	    cJSON_AddStringToObject(obj, "role",
	    wiremsg_role_name(p->role)) == NULL ||
	    cJSON_AddStringToObject(obj, "mac", mac) == NULL)
		return (-1);
	return (0);
}

/* The JSON tree of a validated message; NULL when out of memory. */
static cJSON *
build(const struct wiremsg *m)
{
	const struct wiremsg_hello	*h;
	const struct wiremsg_stats	*st;
	cJSON				*root, *arr, *o;
	char				 mac[ETHER_MAC_STRLEN];
	size_t				 i;

	if ((root = cJSON_CreateObject()) == NULL)
		return (NULL);
	if (cJSON_AddStringToObject(root, "type",
	    wiremsg_type_name(m->type)) == NULL)
		goto fail;

	switch (m->type) {
	case WIREMSG_HELLO:
		h = &m->u.hello;
		if (ether_mac_format(&h->mac, mac, sizeof(mac)) == NULL)
			goto fail;
		if (add_uint(root, "proto", h->proto) == NULL ||
		    cJSON_AddStringToObject(root, "role",
		    wiremsg_role_name(h->role)) == NULL ||
		    cJSON_AddStringToObject(root, "room", h->room) == NULL ||
		    cJSON_AddStringToObject(root, "mac", mac) == NULL ||
		    add_uint(root, "datagram_budget",
		    h->datagram_budget) == NULL)
			goto fail;
		if (h->secret[0] != '\0' &&
		    cJSON_AddStringToObject(root, "secret", h->secret) == NULL)
			goto fail;
		if (cJSON_AddStringToObject(root, "software",
		    h->software) == NULL)
			goto fail;
		break;
	case WIREMSG_WELCOME:
		if (add_uint(root, "peer_id", m->u.welcome.peer_id) == NULL ||
		    add_uint(root, "room_mtu", m->u.welcome.room_mtu) == NULL ||
		    (arr = cJSON_AddArrayToObject(root, "peers")) == NULL)
			goto fail;
		for (i = 0; i < m->u.welcome.npeers; i++) {
			if ((o = cJSON_CreateObject()) == NULL)
				goto fail;
			if (!cJSON_AddItemToArray(arr, o)) {
				cJSON_Delete(o);
				goto fail;
			}
			if (add_peer(o, &m->u.welcome.peers[i]) == -1)
				goto fail;
		}
		break;
	case WIREMSG_REJECT:
		if (cJSON_AddStringToObject(root, "code",
		    wiremsg_code_name(m->u.reject.code)) == NULL ||
		    cJSON_AddStringToObject(root, "reason",
		    m->u.reject.reason) == NULL)
			goto fail;
		break;
	case WIREMSG_PEER_JOINED:
	case WIREMSG_PEER_LEFT:
		if (add_peer(root, &m->u.peer) == -1)
			goto fail;
		break;
	case WIREMSG_STATS:
		st = &m->u.stats;
		if (!st->reply)
			break;
		if ((o = cJSON_AddObjectToObject(root, "counters")) == NULL)
			goto fail;
		for (i = 0; i < st->ncounters; i++)
			if (add_uint(o, st->counters[i].name,
			    MINIMUM(st->counters[i].value,
			    WIREMSG_COUNTER_MAX)) == NULL)
				goto fail;
		break;
	case WIREMSG_DISCONNECT:
		if (cJSON_AddStringToObject(root, "reason",
		    m->u.disconnect.reason) == NULL)
			goto fail;
		break;
	default:
		goto fail;
	}
	return (root);

 fail:
	scrub_secrets(root);
	cJSON_Delete(root);
	return (NULL);
}

/*
 * Write m as one frame (length prefix + JSON) into buf (bufsz bytes;
 * WIREMSG_FRAME_MAX always suffices) and its size into *outlen.  m is
 * validated first.  Counter values above WIREMSG_COUNTER_MAX are written
 * as WIREMSG_COUNTER_MAX.  Returns 0, or -1 with err filled (err may be
 * NULL).
 */
int
wiremsg_encode(const struct wiremsg *m, uint8_t *buf, size_t bufsz,
    size_t *outlen, struct wiremsg_error *err)
{
	struct wiremsg_error	 scratch;
	struct ctx		 c;
	cJSON			*root;
	/* cJSON asks for a few bytes more than it writes. */
	char			 text[WIREMSG_MAX + 64];
	size_t			 len;
	int			 rv = -1;

	if (err == NULL)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	*outlen = 0;
	c.err = err;
	if (validate(&c, m) == -1)
		return (-1);
	c.code = WIREMSG_CODE_NONE;

	if ((root = build(m)) == NULL)
		return (msg_error(&c, "out of memory"));
	if (!cJSON_PrintPreallocated(root, text, (int)sizeof(text), 0)) {
		(void)msg_error(&c, "encoded message longer than %d bytes",
		    WIREMSG_MAX);
		goto done;
	}
	len = strlen(text);
	if (len > WIREMSG_MAX) {
		(void)msg_error(&c, "encoded message is %zu bytes, longer "
		    "than %d", len, WIREMSG_MAX);
		goto done;
	}
	if (bufsz < WIREMSG_HDRLEN + len) {
		(void)msg_error(&c, "buffer of %zu bytes too small for %zu",
		    bufsz, WIREMSG_HDRLEN + len);
		goto done;
	}
	buf[0] = (uint8_t)(len >> 24);
	buf[1] = (uint8_t)(len >> 16);
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	memcpy(buf + WIREMSG_HDRLEN, text, len);
	*outlen = WIREMSG_HDRLEN + len;
	rv = 0;

 done:
	explicit_bzero(text, sizeof(text));
	scrub_secrets(root);
	cJSON_Delete(root);
	return (rv);
}

/* Wipe a message that may hold a secret. */
void
wiremsg_clear(struct wiremsg *m)
{
	explicit_bzero(m, sizeof(*m));
}

/*
 * The incremental reader.
 */

void
wiremsg_reader_init(struct wiremsg_reader *r)
{
	memset(r, 0, sizeof(*r));
}

/* Wipe the reader, a partial message included. */
void
wiremsg_reader_clear(struct wiremsg_reader *r)
{
	explicit_bzero(r, sizeof(*r));
}

static int
reader_fail(struct wiremsg_reader *r, struct wiremsg_error *err,
    const char *fmt, ...)
{
	va_list	 ap;

	memset(&r->error, 0, sizeof(r->error));
	va_start(ap, fmt);
	(void)vsnprintf(r->error.msg, sizeof(r->error.msg), fmt, ap);
	va_end(ap);
	r->failed = 1;
	*err = r->error;
	return (-1);
}

/*
 * Feed len bytes of the stream.  Bytes are consumed up to the end of the
 * first message completed, *used says how many:
 *   1   a message was decoded into m; feed the remaining len - *used
 *       bytes (possibly none) again;
 *   0   all len bytes were taken, no message is complete yet;
 *  -1   err says why (a bad length prefix, or the message does not
 *       decode; err->code is set for a bad hello).  The reader stays
 *       failed and the connection must be closed.
 * err may be NULL.
 */
int
wiremsg_reader_feed(struct wiremsg_reader *r, const uint8_t *data, size_t len,
    size_t *used, struct wiremsg *m, struct wiremsg_error *err)
{
	struct wiremsg_error	 scratch;
	size_t			 off = 0, n;
	int			 rv;

	if (err == NULL)
		err = &scratch;
	*used = 0;
	if (r->failed) {
		*err = r->error;
		return (-1);
	}

	while (off < len) {
		if (r->hdrlen < WIREMSG_HDRLEN) {
			n = MINIMUM(WIREMSG_HDRLEN - r->hdrlen, len - off);
			memcpy(r->hdr + r->hdrlen, data + off, n);
			r->hdrlen += n;
			off += n;
			*used = off;
			if (r->hdrlen < WIREMSG_HDRLEN)
				break;
			r->bodylen = (size_t)r->hdr[0] << 24 |
			    (size_t)r->hdr[1] << 16 |
			    (size_t)r->hdr[2] << 8 | (size_t)r->hdr[3];
			r->have = 0;
			if (r->bodylen == 0)
				return (reader_fail(r, err, "control stream: "
				    "message length 0"));
			if (r->bodylen > WIREMSG_MAX)
				return (reader_fail(r, err, "control stream: "
				    "message length %zu exceeds %d",
				    r->bodylen, WIREMSG_MAX));
			continue;
		}

		n = MINIMUM(r->bodylen - r->have, len - off);
		memcpy(r->body + r->have, data + off, n);
		r->have += n;
		off += n;
		*used = off;
		if (r->have < r->bodylen)
			break;

		rv = wiremsg_decode((const char *)r->body, r->bodylen, m, err);
		explicit_bzero(r->body, r->bodylen);
		r->hdrlen = r->bodylen = r->have = 0;
		if (rv == -1) {
			r->failed = 1;
			r->error = *err;
			return (-1);
		}
		return (1);
	}
	*used = off;
	return (0);
}

/*
 * The stream ended: 0 if that happened between messages, -1 with err
 * filled if inside one or after a failure.  err may be NULL.
 */
int
wiremsg_reader_eof(const struct wiremsg_reader *r, struct wiremsg_error *err)
{
	struct wiremsg_error	 scratch;

	if (err == NULL)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	if (r->failed) {
		*err = r->error;
		return (-1);
	}
	if (r->hdrlen < WIREMSG_HDRLEN && r->hdrlen > 0) {
		(void)snprintf(err->msg, sizeof(err->msg), "control stream: "
		    "end of stream inside a length prefix (%zu of %d bytes)",
		    r->hdrlen, WIREMSG_HDRLEN);
		return (-1);
	}
	if (r->hdrlen == WIREMSG_HDRLEN) {
		(void)snprintf(err->msg, sizeof(err->msg), "control stream: "
		    "end of stream inside a message (%zu of %zu bytes)",
		    r->have, r->bodylen);
		return (-1);
	}
	return (0);
}

/*
 * One counter into out[*n] (name and value) unless out is full, as every
 * *_counters_export() fills its array for the control socket.
 */
void
wiremsg_counter_put(struct wiremsg_counter *out, size_t max, size_t *n,
    const char *name, uint64_t value)
{
	if (*n >= max)
		return;
	/* Names are short constants: never truncated. */
	(void)strlcpy(out[*n].name, name, sizeof(out[*n].name));
	out[*n].value = value;
	(*n)++;
}
