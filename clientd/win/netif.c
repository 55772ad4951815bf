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
 * The broker's network interface (netif.h): the pure parts, and the
 * calls that tie them to a backend.  Nothing here touches the system
 * itself: the adapter and the IP configuration go through struct
 * netif_adapter_ops and struct netif_ipcfg (netif_tap.c, netif_fake.c).
 *
 *	netif_adapter_pick()	the adapter in a registry listing
 *	netif_plan()		inputs -> the list of changes to make
 *	the undo list		each change made, with what restores it;
 *				run newest first, past failures, once
 */

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "netif.h"

#define NETIF_NOTAP	"no TAP-Windows6 adapter (component id " \
			NETIF_TAP_COMPONENT ") is installed: install the " \
			"TAP-Windows6 driver (tap-windows 9.x from the " \
			"OpenVPN project)"

static int	 ci_eq(const char *, const char *);
static void	 appendf(char *, size_t, const char *, ...)
		    __printflike(3, 4);
static int	 is_tap(const struct netif_adapter_entry *);
static int	 hexval(int);
static size_t	 addr_len(int);
static int	 addr_eq(const struct netif_addr *, const struct netif_addr *);
static int	 addr_loopback(const struct netif_addr *);
static const char *family_str(int);
static const char *ifval_str(const struct netif_ifval *, char *, size_t);
static int	 same_if(uint64_t, uint32_t, uint64_t, uint32_t);
static void	 plan_push(struct netif_plan *, int, int, uint64_t, uint32_t);
static int	 undo_find(const struct netif_undo *,
		    const struct netif_change *);
static int	 apply_plan(struct netif *, struct netif_plan *, char *,
		    size_t);
static void	 netif_release(struct netif *);

/* ASCII case-insensitive equality: names, GUIDs, component ids. */
static int
ci_eq(const char *a, const char *b)
{
	unsigned char	 ca, cb;

	for (;; a++, b++) {
		ca = (unsigned char)*a;
		cb = (unsigned char)*b;
		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return (0);
		if (ca == '\0')
			return (1);
	}
}

/* Append to a NUL-terminated buffer; the end is cut if it is full. */
static void
appendf(char *buf, size_t len, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 n;

	n = strnlen(buf, len);
	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

static int
is_tap(const struct netif_adapter_entry *e)
{
	return (ci_eq(e->component, NETIF_TAP_COMPONENT));
}

/*
 * The adapter called want (a connection name, or a GUID "{...}", both
 * compared without case) among the n of the registry: *index is the
 * TAP-Windows6 one.  Otherwise -1 and why: none installed, no such name
 * (with the list of those that exist), a name of another kind of
 * adapter, or a name that several TAP adapters share.
 */
int
netif_adapter_pick(const struct netif_adapter_entry *e, size_t n,
    const char *want, size_t *index, char *err, size_t errlen)
{
	GUID	 g;
	size_t	 i, ntap = 0, nmatch = 0, first = 0, other = SIZE_MAX;
	int	 byguid;

	if (want == NULL || want[0] == '\0') {
		(void)snprintf(err, errlen, "no TAP-Windows6 adapter given: "
		    "name it by its connection name or its GUID {...}");
		return (-1);
	}
	byguid = want[0] == '{';
	if (byguid && netif_guid_parse(want, &g) == -1) {
		(void)snprintf(err, errlen, "adapter %s: not a GUID "
		    "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}", want);
		return (-1);
	}

	for (i = 0; i < n; i++) {
		if (is_tap(&e[i]))
			ntap++;
		if (!ci_eq(byguid ? e[i].guid : e[i].name, want))
			continue;
		if (is_tap(&e[i])) {
			if (nmatch++ == 0)
				first = i;
		} else if (other == SIZE_MAX)
			other = i;
	}

	if (nmatch == 1) {
		*index = first;
		return (0);
	}
	if (nmatch > 1) {
		(void)snprintf(err, errlen, "adapter \"%s\": %zu TAP-Windows6 "
		    "adapters have this name (", want, nmatch);
		for (i = 0, nmatch = 0; i < n; i++)
			if (is_tap(&e[i]) && ci_eq(e[i].name, want))
				appendf(err, errlen, "%s%s", nmatch++ ? ", " :
				    "", e[i].guid);
		appendf(err, errlen, "): give the GUID of the one to use");
		return (-1);
	}
	if (other != SIZE_MAX) {
		(void)snprintf(err, errlen, "adapter \"%s\" %s is not a "
		    "TAP-Windows6 adapter (component id %s)", e[other].name,
		    e[other].guid, e[other].component);
		if (ntap == 0)
			appendf(err, errlen, "; and %s", NETIF_NOTAP);
		return (-1);
	}
	if (ntap == 0) {
		(void)snprintf(err, errlen, "%s", NETIF_NOTAP);
		return (-1);
	}
	if (byguid)
		(void)snprintf(err, errlen, "no TAP-Windows6 adapter has the "
		    "GUID %s", want);
	else
		(void)snprintf(err, errlen, "no TAP-Windows6 adapter is named "
		    "\"%s\"", want);
	appendf(err, errlen, ": the TAP-Windows6 adapter%s ", ntap > 1 ?
	    "s are" : " is");
	for (i = 0, nmatch = 0; i < n; i++) {
		if (!is_tap(&e[i]))
			continue;
		if (e[i].name[0] == '\0')
			appendf(err, errlen, "%s(no name) %s", nmatch++ ?
			    ", " : "", e[i].guid);
		else
			appendf(err, errlen, "%s\"%s\" %s", nmatch++ ? ", " :
			    "", e[i].name, e[i].guid);
	}
	return (-1);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* "{4D36E972-E325-11CE-BFC1-08002BE10318}", any case. */
int
netif_guid_parse(const char *s, GUID *g)
{
	static const char	 form[] =
	    "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}";
	uint8_t			 b[16];
	size_t			 i, nb = 0;
	int			 hi = -1, v;

	if (strlen(s) != sizeof(form) - 1)
		return (-1);
	for (i = 0; form[i] != '\0'; i++) {
		if (form[i] != 'x') {
			if (s[i] != form[i])
				return (-1);
			continue;
		}
		if ((v = hexval((unsigned char)s[i])) == -1)
			return (-1);
		if (hi == -1)
			hi = v;
		else {
			b[nb++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	g->Data1 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
	g->Data2 = (uint16_t)(b[4] << 8 | b[5]);
	g->Data3 = (uint16_t)(b[6] << 8 | b[7]);
	memcpy(g->Data4, b + 8, 8);
	return (0);
}

static size_t
addr_len(int family)
{
	return (family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0);
}

/* An IPv4-mapped IPv6 address (a dual-stack socket's) is IPv4. */
int
netif_addr_from_sa(struct netif_addr *a, const struct sockaddr *sa,
    socklen_t len)
{
	static const uint8_t		 mapped[12] = { 0, 0, 0, 0, 0, 0, 0,
					    0, 0, 0, 0xff, 0xff };
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	memset(a, 0, sizeof(*a));
	if (sa == NULL)
		return (-1);
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(*sin)) {
		sin = (const struct sockaddr_in *)sa;
		a->family = AF_INET;
		memcpy(a->a, &sin->sin_addr, 4);
		return (0);
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(*sin6)) {
		sin6 = (const struct sockaddr_in6 *)sa;
		if (memcmp(&sin6->sin6_addr, mapped, sizeof(mapped)) == 0) {
			a->family = AF_INET;
			memcpy(a->a, (const uint8_t *)&sin6->sin6_addr + 12, 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->a, &sin6->sin6_addr, 16);
		}
		return (0);
	}
	return (-1);
}

int
netif_addr_parse(struct netif_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->a) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, s, a->a) == 1)
		a->family = AF_INET6;
	else
		return (-1);
	return (0);
}

const char *
netif_addr_str(const struct netif_addr *a, char *buf, size_t len)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		(void)snprintf(buf, len, "none");
	else if (inet_ntop(a->family, a->a, buf, len) == NULL)
		(void)snprintf(buf, len, "?");
	return (buf);
}

/* No address, or 0.0.0.0 or :: (a next hop: on-link). */
int
netif_addr_unspec(const struct netif_addr *a)
{
	size_t	 i;

	for (i = 0; i < addr_len(a->family); i++)
		if (a->a[i] != 0)
			return (0);
	return (1);
}

static int
addr_eq(const struct netif_addr *a, const struct netif_addr *b)
{
	return (a->family == b->family &&
	    memcmp(a->a, b->a, addr_len(a->family)) == 0);
}

static int
addr_loopback(const struct netif_addr *a)
{
	static const uint8_t	 lo6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0, 0, 0, 0, 1 };

	if (a->family == AF_INET)
		return (a->a[0] == 127);
	if (a->family == AF_INET6)
		return (memcmp(a->a, lo6, 16) == 0);
	return (0);
}

static const char *
family_str(int family)
{
	return (family == AF_INET ? "ipv4" : family == AF_INET6 ? "ipv6" :
	    "?");
}

static const char *
ifval_str(const struct netif_ifval *v, char *buf, size_t len)
{
	if (v->automatic)
		(void)snprintf(buf, len, "auto");
	else
		(void)snprintf(buf, len, "%lu", (unsigned long)v->value);
	return (buf);
}

/* The same interface: by LUID when both are known, else by index. */
static int
same_if(uint64_t luid1, uint32_t if1, uint64_t luid2, uint32_t if2)
{
	if (luid1 != 0 && luid2 != 0)
		return (luid1 == luid2);
	return (if1 != 0 && if1 == if2);
}

/*
 * A change as a line, the same for the log and the fake's journal:
 *	route add 198.18.0.1/32 via 198.18.99.1 if 1
 *	metric ipv4 if 42: 1 (was auto)
 *	mtu ipv6 if 42: restored 1500			(undo)
 */
const char *
netif_change_str(const struct netif_change *ch, int undo, char *buf,
    size_t len)
{
	char		 a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const char	*what;

	switch (ch->op) {
	case NETIF_OP_ROUTE:
		(void)snprintf(buf, len, "route %s %s/%zu via %s if %lu",
		    undo ? "delete" : "add",
		    netif_addr_str(&ch->dst, a, sizeof(a)),
		    addr_len(ch->dst.family) * 8,
		    netif_addr_str(&ch->nexthop, b, sizeof(b)),
		    (unsigned long)ch->ifindex);
		return (buf);
	case NETIF_OP_METRIC:
	case NETIF_OP_MTU:
		what = ch->op == NETIF_OP_METRIC ? "metric" : "mtu";
		if (undo)
			(void)snprintf(buf, len, "%s %s if %lu: restored %s",
			    what, family_str(ch->family),
			    (unsigned long)ch->ifindex,
			    ifval_str(&ch->was, a, sizeof(a)));
		else
			(void)snprintf(buf, len, "%s %s if %lu: %s (was %s)",
			    what, family_str(ch->family),
			    (unsigned long)ch->ifindex,
			    ifval_str(&ch->want, a, sizeof(a)),
			    ifval_str(&ch->was, b, sizeof(b)));
		return (buf);
	}
	(void)snprintf(buf, len, "unknown change %d", ch->op);
	return (buf);
}

static void
plan_push(struct netif_plan *p, int op, int family, uint64_t luid,
    uint32_t ifindex)
{
	struct netif_change	*ch = &p->ch[p->n++];

	memset(ch, 0, sizeof(*ch));
	ch->op = op;
	ch->family = family;
	ch->luid = luid;
	ch->ifindex = ifindex;
}

/*
 * What to change, in order: the host route to the relay (when relay is
 * set), the adapter's metric for IPv4 then IPv6 (when metric is not 0),
 * its MTU for IPv4 then IPv6 (when mtu is not 0).
 *
 * The host route keeps the tunnel's own packets to the relay on the
 * route they take now, whatever routes the LAN behind the adapter brings.
 * It is skipped, with a note, when:
 *  - the relay is a loopback address: nothing can take that elsewhere;
 *  - the route to the relay already goes through the adapter itself: a
 *    host route via the adapter would send the tunnel into itself, and
 *    there is no other route to pin (guessing another interface would be
 *    worse).  This is a warning: the relay is unreachable as long as
 *    that route wins, which the operator has to fix;
 *  - the relay is on-link (the route has no next hop): there is no
 *    gateway to pin, and a host route without one would only repeat the
 *    route of the relay's own subnet.
 * The metric is set (not automatic) on both families so that broadcasts
 * to 255.255.255.255, which leave by the interface with the lowest
 * metric, leave through the adapter.  The IPv6 MTU is left alone when
 * the MTU is below IPv6's minimum (1280).
 */
int
netif_plan(const struct netif_plan_in *in, struct netif_plan *p, char *err,
    size_t errlen)
{
	struct netif_change	*ch;
	char			 a[INET6_ADDRSTRLEN], h[INET6_ADDRSTRLEN];

	memset(p, 0, sizeof(*p));
	if (in->metric > NETIF_METRIC_MAX) {
		(void)snprintf(err, errlen, "metric %lu is out of range "
		    "1-%d", (unsigned long)in->metric, NETIF_METRIC_MAX);
		return (-1);
	}
	if (in->mtu != 0 && (in->mtu < NETIF_MTU_MIN ||
	    in->mtu > NETIF_MTU_MAX)) {
		(void)snprintf(err, errlen, "mtu %lu is out of range %d-%d",
		    (unsigned long)in->mtu, NETIF_MTU_MIN, NETIF_MTU_MAX);
		return (-1);
	}
	if (in->mtu != 0 && in->devmtu != 0 && in->mtu > in->devmtu) {
		(void)snprintf(err, errlen, "mtu %lu is above the adapter's "
		    "own mtu %lu", (unsigned long)in->mtu,
		    (unsigned long)in->devmtu);
		return (-1);
	}

	if (in->relay.family != AF_UNSPEC) {
		(void)netif_addr_str(&in->relay, a, sizeof(a));
		(void)netif_addr_str(&in->best.nexthop, h, sizeof(h));
		if (addr_len(in->relay.family) == 0 ||
		    netif_addr_unspec(&in->relay)) {
			(void)snprintf(err, errlen, "relay address %s: not a "
			    "host address", a);
			return (-1);
		}
		if (addr_loopback(&in->relay))
			appendf(p->note, sizeof(p->note), "relay %s is a "
			    "loopback address: no host route", a);
		else if (same_if(in->best.luid, in->best.ifindex, in->luid,
		    in->ifindex)) {
			appendf(p->note, sizeof(p->note), "the route to the "
			    "relay %s goes through the adapter itself (if "
			    "%lu): no host route, and the relay cannot be "
			    "reached until another route to it wins", a,
			    (unsigned long)in->ifindex);
			p->warn = 1;
		} else if (netif_addr_unspec(&in->best.nexthop))
			appendf(p->note, sizeof(p->note), "relay %s is on-link "
			    "(if %lu): no host route needed", a,
			    (unsigned long)in->best.ifindex);
		else if (in->best.nexthop.family != in->relay.family) {
			(void)snprintf(err, errlen, "the route to the relay "
			    "%s has a next hop %s of another family", a, h);
			return (-1);
		} else {
			plan_push(p, NETIF_OP_ROUTE, in->relay.family,
			    in->best.luid, in->best.ifindex);
			ch = &p->ch[p->n - 1];
			ch->dst = in->relay;
			ch->nexthop = in->best.nexthop;
		}
	}

	if (in->metric != 0) {
		plan_push(p, NETIF_OP_METRIC, AF_INET, in->luid, in->ifindex);
		p->ch[p->n - 1].want.value = in->metric;
		plan_push(p, NETIF_OP_METRIC, AF_INET6, in->luid, in->ifindex);
		p->ch[p->n - 1].want.value = in->metric;
	}

	if (in->mtu != 0) {
		plan_push(p, NETIF_OP_MTU, AF_INET, in->luid, in->ifindex);
		p->ch[p->n - 1].want.value = in->mtu;
		if (in->mtu >= NETIF_MTU_MIN6) {
			plan_push(p, NETIF_OP_MTU, AF_INET6, in->luid,
			    in->ifindex);
			p->ch[p->n - 1].want.value = in->mtu;
		} else
			appendf(p->note, sizeof(p->note), "%smtu %lu is below "
			    "IPv6's minimum %d: the IPv6 mtu is left alone",
			    p->note[0] != '\0' ? "; " : "",
			    (unsigned long)in->mtu, NETIF_MTU_MIN6);
	}
	return (0);
}

/* The entry of the undo list for the same setting (or route), or -1. */
static int
undo_find(const struct netif_undo *u, const struct netif_change *ch)
{
	const struct netif_change	*o;
	size_t				 i;

	for (i = 0; i < u->n; i++) {
		o = &u->ch[i];
		if (o->op != ch->op || o->family != ch->family ||
		    o->luid != ch->luid || o->ifindex != ch->ifindex)
			continue;
		if (ch->op == NETIF_OP_ROUTE && (!addr_eq(&o->dst, &ch->dst) ||
		    !addr_eq(&o->nexthop, &ch->nexthop)))
			continue;
		return ((int)i);
	}
	return (-1);
}

/*
 * Undo, newest first.  Each entry leaves the list before it is tried: a
 * failure is logged and counted, the rest still run, and a second call
 * finds nothing to do.  Returns the number of failures.
 */
int
netif_undo_run(struct netif_undo *u, const struct netif_ipcfg *ops,
    void *ctx)
{
	struct netif_change	 ch;
	char			 line[256], e[256];
	int			 fails = 0;

	while (u->n > 0) {
		ch = u->ch[--u->n];
		(void)netif_change_str(&ch, 1, line, sizeof(line));
		e[0] = '\0';
		if (ops->change(ctx, &ch, 1, e, sizeof(e)) == -1) {
			log_warnx("undo: %s: %s", line, e);
			fails++;
		} else
			log_info("%s", line);
	}
	return (fails);
}

/*
 * Make the plan's changes in order, stopping at the first failure.  Each
 * one made goes on the undo list, unless the list has the same setting
 * already: then its old value there is the original one, kept.
 */
static int
apply_plan(struct netif *nif, struct netif_plan *plan, char *err,
    size_t errlen)
{
	struct netif_change	*ch;
	char			 line[256], e[256];
	const char		*what;
	size_t			 i;
	int			 known, r;

	(void)strlcpy(nif->note, plan->note, sizeof(nif->note));
	if (plan->note[0] != '\0') {
		if (plan->warn)
			log_warnx("%s", plan->note);
		else
			log_info("%s", plan->note);
	}

	for (i = 0; i < plan->n; i++) {
		ch = &plan->ch[i];
		known = undo_find(&nif->undo, ch) != -1;
		what = ch->op == NETIF_OP_METRIC ? "metric" : "mtu";
		if (ch->op == NETIF_OP_ROUTE && known) {
			log_info("%s: there already",
			    netif_change_str(ch, 0, line, sizeof(line)));
			continue;
		}
		if (ch->op != NETIF_OP_ROUTE) {
			e[0] = '\0';
			r = nif->ipcfg->get(nif->ipcfg_ctx, ch, &ch->was, e,
			    sizeof(e));
			if (r == -1) {
				(void)snprintf(err, errlen, "%s %s if %lu: %s",
				    what, family_str(ch->family),
				    (unsigned long)ch->ifindex, e);
				return (-1);
			}
			if (r == 1) {
				appendf(nif->note, sizeof(nif->note), "%sif "
				    "%lu has no %s: its %s is left alone",
				    nif->note[0] != '\0' ? "; " : "",
				    (unsigned long)ch->ifindex,
				    family_str(ch->family), what);
				log_info("if %lu has no %s: its %s is left "
				    "alone", (unsigned long)ch->ifindex,
				    family_str(ch->family), what);
				continue;
			}
			if (!ch->was.automatic &&
			    ch->was.value == ch->want.value) {
				log_info("%s %s if %lu: %lu already", what,
				    family_str(ch->family),
				    (unsigned long)ch->ifindex,
				    (unsigned long)ch->want.value);
				continue;
			}
		}
		(void)netif_change_str(ch, 0, line, sizeof(line));
		if (!known && nif->undo.n == NETIF_UNDO_MAX) {
			(void)snprintf(err, errlen, "%s: not made, the undo "
			    "list is full (%d changes)", line, NETIF_UNDO_MAX);
			return (-1);
		}
		e[0] = '\0';
		r = nif->ipcfg->change(nif->ipcfg_ctx, ch, 0, e, sizeof(e));
		if (r == -1) {
			(void)snprintf(err, errlen, "%s: %s", line, e);
			return (-1);
		}
		if (r == 1) {
			log_info("%s: there already, not ours: left at undo",
			    line);
			continue;
		}
		log_info("%s", line);
		if (!known)
			nif->undo.ch[nif->undo.n++] = *ch;
	}
	return (0);
}

int
netif_open(struct netif *nif, const struct netif_conf *conf, char *err,
    size_t errlen)
{
	char	 mac[18];

	memset(nif, 0, sizeof(*nif));
	nif->dev = INVALID_HANDLE_VALUE;
	switch (conf->adapter) {
	case NETIF_TAP:
		nif->adapter = &netif_tap_ops;
		break;
	case NETIF_FAKE:
		nif->adapter = &netif_fake_ops;
		break;
	default:
		(void)snprintf(err, errlen, "unknown adapter kind %d",
		    conf->adapter);
		return (-1);
	}
	switch (conf->ipcfg) {
	case NETIF_IPCFG_IPHLP:
		nif->ipcfg = &netif_ipcfg_iphlp;
		break;
	case NETIF_IPCFG_FAKE:
		nif->ipcfg = &netif_ipcfg_fake;
		break;
	default:
		(void)snprintf(err, errlen, "unknown ipcfg kind %d",
		    conf->ipcfg);
		nif->adapter = NULL;
		return (-1);
	}
	if (conf->adapter == NETIF_FAKE && conf->ipcfg != NETIF_IPCFG_FAKE) {
		(void)snprintf(err, errlen, "the fake adapter needs the fake "
		    "ipcfg: the real one would change interface %d of this "
		    "machine", NETIF_FAKE_IFINDEX);
		netif_release(nif);
		return (-1);
	}

	if (conf->journal[0] != '\0' &&
	    (nif->journal = fopen(conf->journal, "ab")) == NULL) {
		(void)snprintf(err, errlen, "journal %s: %s", conf->journal,
		    strerror(errno));
		netif_release(nif);
		return (-1);
	}
	if (nif->ipcfg->init(nif, conf, &nif->ipcfg_ctx, err, errlen) == -1) {
		netif_release(nif);
		return (-1);
	}
	if (nif->adapter->open(nif, conf, err, errlen) == -1) {
		nif->dev = INVALID_HANDLE_VALUE;
		netif_release(nif);
		return (-1);
	}

	(void)snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
	    nif->mac[0], nif->mac[1], nif->mac[2], nif->mac[3], nif->mac[4],
	    nif->mac[5]);
	log_info("adapter %s \"%s\"%s%s: if %lu, mac %s, mtu %lu, ipcfg %s",
	    nif->adapter->name, nif->name, nif->guid[0] != '\0' ? " " : "",
	    nif->guid,
	    (unsigned long)nif->ifindex, nif->mac_set ? mac : "unknown",
	    (unsigned long)nif->devmtu, nif->ipcfg->name);
	return (0);
}

/* What netif_open() set up besides the adapter's handle. */
static void
netif_release(struct netif *nif)
{
	if (nif->ipcfg != NULL && nif->ipcfg_ctx != NULL)
		nif->ipcfg->free(nif->ipcfg_ctx);
	nif->ipcfg_ctx = NULL;
	if (nif->journal != NULL)
		(void)fclose(nif->journal);
	nif->journal = NULL;
	nif->adapter = NULL;
	nif->ipcfg = NULL;
}

int
netif_media(struct netif *nif, int connected, char *err, size_t errlen)
{
	if (nif->adapter == NULL) {
		(void)snprintf(err, errlen, "adapter not open");
		return (-1);
	}
	if (nif->adapter->media(nif, connected, err, errlen) == -1)
		return (-1);
	nif->media = connected;
	log_info("adapter \"%s\": media %s", nif->name, connected ?
	    "connected" : "disconnected");
	return (0);
}

/*
 * The host route to the relay (skipped in the cases netif_plan() lists,
 * said in nif->note) and the adapter's metric (0: left alone).
 */
int
netif_apply(struct netif *nif, const struct sockaddr *relay, socklen_t len,
    uint32_t metric, char *err, size_t errlen)
{
	struct netif_plan_in	 in;
	struct netif_plan	 plan;

	if (nif->adapter == NULL) {
		(void)snprintf(err, errlen, "adapter not open");
		return (-1);
	}
	memset(&in, 0, sizeof(in));
	if (netif_addr_from_sa(&in.relay, relay, len) == -1) {
		(void)snprintf(err, errlen, "the relay's address is not an "
		    "IPv4 or IPv6 socket address");
		return (-1);
	}
	if (!addr_loopback(&in.relay) && !netif_addr_unspec(&in.relay) &&
	    nif->ipcfg->best_route(nif->ipcfg_ctx, &in.relay, &in.best, err,
	    errlen) == -1)
		return (-1);
	in.luid = nif->luid;
	in.ifindex = nif->ifindex;
	in.metric = metric;
	if (netif_plan(&in, &plan, err, errlen) == -1)
		return (-1);
	return (apply_plan(nif, &plan, err, errlen));
}

/* The adapter's MTU for IPv4 and IPv6 (IPv6: only from 1280 up). */
int
netif_set_mtu(struct netif *nif, uint32_t mtu, char *err, size_t errlen)
{
	struct netif_plan_in	 in;
	struct netif_plan	 plan;

	if (nif->adapter == NULL) {
		(void)snprintf(err, errlen, "adapter not open");
		return (-1);
	}
	if (mtu == 0) {
		(void)snprintf(err, errlen, "mtu 0 is out of range %d-%d",
		    NETIF_MTU_MIN, NETIF_MTU_MAX);
		return (-1);
	}
	memset(&in, 0, sizeof(in));
	in.relay.family = AF_UNSPEC;
	in.luid = nif->luid;
	in.ifindex = nif->ifindex;
	in.mtu = mtu;
	in.devmtu = nif->devmtu;
	if (netif_plan(&in, &plan, err, errlen) == -1)
		return (-1);
	return (apply_plan(nif, &plan, err, errlen));
}

int
netif_undo(struct netif *nif)
{
	if (nif->ipcfg == NULL)
		return (0);
	return (netif_undo_run(&nif->undo, nif->ipcfg, nif->ipcfg_ctx));
}

/* Undo, media disconnected, the handle closed.  Safe to call twice. */
void
netif_close(struct netif *nif)
{
	char	 err[256];
	int	 fails;

	if (nif->adapter == NULL)
		return;
	if ((fails = netif_undo(nif)) > 0)
		log_warnx("adapter \"%s\": %d change%s not undone", nif->name,
		    fails, fails > 1 ? "s" : "");
	if (nif->media) {
		err[0] = '\0';
		if (nif->adapter->media(nif, 0, err, sizeof(err)) == -1)
			log_warnx("adapter \"%s\": media disconnected: %s",
			    nif->name, err);
		nif->media = 0;
	}
	nif->adapter->close(nif);
	nif->dev = INVALID_HANDLE_VALUE;
	netif_release(nif);
}
