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
 * The tests' backends of netif.h.
 *
 * The fake adapter: the client end of a message-mode pipe a test
 * harness serves, \\.\pipe\NAME, overlapped and in message read mode, so
 * one ReadFile or WriteFile is one Ethernet frame as on TAP-Windows6.
 * It is interface NETIF_FAKE_IFINDEX with MAC 02:53:4c:00:00:01 and MTU
 * 1500; opening, media changes and closing are journal lines.
 *
 * The fake IP configuration: one interface (the adapter's) with an
 * automatic metric and MTU 1500 for IPv4 and IPv6 (conf.fake_noipv6: no
 * IPv6), a route table of the host routes added, and a best route given
 * by the configuration.  Each change is a journal line (netif_change_str()
 * of netif.c, the line the broker logs), "failed: " and the line if it
 * failed.  conf.fake_fail = K fails the Kth change (counting those of
 * undo), to test what is undone after a step in the middle failed.
 */

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netif.h"

#define FAKE_PIPE_PREFIX	"\\\\.\\pipe\\"
#define FAKE_IFTYPE_ETHERNET	6	/* IF_TYPE_ETHERNET_CSMACD */

static const uint8_t	 fake_mac[6] = { 0x02, 0x53, 0x4c, 0x00, 0x00, 0x01 };

struct fake_if {
	int			 present;
	struct netif_ifval	 metric;
	uint32_t		 mtu;
};

struct fake_ipcfg {
	struct netif		*nif;		/* the journal, the ifindex */
	struct netif_route	 best;
	struct fake_if		 fam[2];	/* IPv4, IPv6 */
	struct netif_change	 routes[NETIF_UNDO_MAX];
	size_t			 nroutes;
	uint32_t		 nchanges;
	uint32_t		 fail;
};

static uint64_t	 fake_luid(uint32_t);
static int	 fake_open(struct netif *, const struct netif_conf *, char *,
		    size_t);
static int	 fake_media(struct netif *, int, char *, size_t);
static void	 fake_close(struct netif *);
static int	 fake_init(struct netif *, const struct netif_conf *, void **,
		    char *, size_t);
static int	 fake_best_route(void *, const struct netif_addr *,
		    struct netif_route *, char *, size_t);
static struct fake_if *fake_if(struct fake_ipcfg *,
		    const struct netif_change *, char *, size_t);
static int	 fake_get(void *, const struct netif_change *,
		    struct netif_ifval *, char *, size_t);
static int	 fake_route_find(struct fake_ipcfg *,
		    const struct netif_change *);
static int	 fake_change(void *, const struct netif_change *, int, char *,
		    size_t);
static void	 fake_free(void *);

const struct netif_adapter_ops netif_fake_ops = {
	"fake", fake_open, fake_media, fake_close
};

const struct netif_ipcfg netif_ipcfg_fake = {
	"fake", fake_init, fake_best_route, fake_get, fake_change, fake_free
};

/* A line in the fakes' journal, flushed at once: tests read it live. */
void
netif_journal(struct netif *nif, const char *fmt, ...)
{
	va_list	 ap;

	if (nif->journal == NULL)
		return;
	va_start(ap, fmt);
	(void)vfprintf(nif->journal, fmt, ap);
	va_end(ap);
	(void)fputc('\n', nif->journal);
	(void)fflush(nif->journal);
}

/* A LUID as Windows makes them: interface type, then a net LUID index. */
static uint64_t
fake_luid(uint32_t ifindex)
{
	return ((uint64_t)FAKE_IFTYPE_ETHERNET << 48 |
	    (uint64_t)(ifindex & 0xffffff) << 24);
}

static int
fake_open(struct netif *nif, const struct netif_conf *conf, char *err,
    size_t errlen)
{
	wchar_t		 wpath[300];
	char		 path[300], we[128];
	const char	*hint;
	DWORD		 e, flags = 0, mode = PIPE_READMODE_MESSAGE;
	int		 n;

	nif->dev = INVALID_HANDLE_VALUE;
	if (conf->name[0] == '\0') {
		(void)snprintf(err, errlen, "fake adapter: no pipe name");
		return (-1);
	}
	if (strncmp(conf->name, FAKE_PIPE_PREFIX,
	    strlen(FAKE_PIPE_PREFIX)) == 0)
		n = snprintf(path, sizeof(path), "%s", conf->name);
	else
		n = snprintf(path, sizeof(path), "%s%s", FAKE_PIPE_PREFIX,
		    conf->name);
	if (n < 0 || (size_t)n >= sizeof(nif->name) ||
	    MultiByteToWideChar(CP_UTF8, 0, path, -1, wpath,
	    nitems(wpath)) == 0) {
		(void)snprintf(err, errlen, "fake adapter %s: pipe name too "
		    "long or not UTF-8", conf->name);
		return (-1);
	}

	nif->dev = CreateFileW(wpath, GENERIC_READ | GENERIC_WRITE, 0, NULL,
	    OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
	if (nif->dev == INVALID_HANDLE_VALUE) {
		e = GetLastError();
		if (e == ERROR_FILE_NOT_FOUND)
			hint = " (no test harness serves it)";
		else if (e == ERROR_PIPE_BUSY)
			hint = " (every instance is taken)";
		else
			hint = "";
		(void)snprintf(err, errlen, "fake adapter %s: %s%s", path,
		    win_strerror_r(e, we, sizeof(we)), hint);
		return (-1);
	}
	if (!GetNamedPipeInfo(nif->dev, &flags, NULL, NULL, NULL)) {
		(void)snprintf(err, errlen, "fake adapter %s: %s", path,
		    win_strerror_r(GetLastError(), we, sizeof(we)));
		goto fail;
	}
	if (!(flags & PIPE_TYPE_MESSAGE)) {
		(void)snprintf(err, errlen, "fake adapter %s: not a "
		    "message-mode pipe: frames would lose their boundaries",
		    path);
		goto fail;
	}
	if (!SetNamedPipeHandleState(nif->dev, &mode, NULL, NULL)) {
		(void)snprintf(err, errlen, "fake adapter %s: message read "
		    "mode: %s", path, win_strerror_r(GetLastError(), we,
		    sizeof(we)));
		goto fail;
	}

	(void)strlcpy(nif->name, path, sizeof(nif->name));
	nif->guid[0] = '\0';
	nif->ifindex = NETIF_FAKE_IFINDEX;
	nif->luid = fake_luid(nif->ifindex);
	memcpy(nif->mac, fake_mac, sizeof(nif->mac));
	nif->mac_set = 1;
	nif->devmtu = NETIF_FAKE_MTU;
	netif_journal(nif, "adapter %s if %lu mac "
	    "%02x:%02x:%02x:%02x:%02x:%02x", path, (unsigned long)nif->ifindex,
	    nif->mac[0], nif->mac[1], nif->mac[2], nif->mac[3], nif->mac[4],
	    nif->mac[5]);
	return (0);

fail:
	CloseHandle(nif->dev);
	nif->dev = INVALID_HANDLE_VALUE;
	return (-1);
}

static int
fake_media(struct netif *nif, int connected, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	netif_journal(nif, "media %s", connected ? "connected" :
	    "disconnected");
	return (0);
}

static void
fake_close(struct netif *nif)
{
	if (nif->dev != INVALID_HANDLE_VALUE && nif->dev != NULL)
		CloseHandle(nif->dev);
	nif->dev = INVALID_HANDLE_VALUE;
	netif_journal(nif, "adapter closed");
}

static int
fake_init(struct netif *nif, const struct netif_conf *conf, void **ctx,
    char *err, size_t errlen)
{
	struct fake_ipcfg	*f;
	size_t			 i;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		(void)snprintf(err, errlen, "fake ipcfg: out of memory");
		return (-1);
	}
	f->nif = nif;
	f->fail = conf->fake_fail;
	if (conf->fake_nexthop[0] != '\0' &&
	    netif_addr_parse(&f->best.nexthop, conf->fake_nexthop) == -1) {
		(void)snprintf(err, errlen, "fake ipcfg: next hop %s: not an "
		    "IPv4 or IPv6 address", conf->fake_nexthop);
		free(f);
		return (-1);
	}
	f->best.ifindex = conf->fake_route_if != 0 ? conf->fake_route_if :
	    NETIF_FAKE_ROUTE_IF;
	f->best.luid = fake_luid(f->best.ifindex);
	for (i = 0; i < nitems(f->fam); i++) {
		f->fam[i].present = i == 0 || !conf->fake_noipv6;
		f->fam[i].metric.automatic = 1;
		f->fam[i].metric.value = NETIF_FAKE_METRIC;
		f->fam[i].mtu = NETIF_FAKE_MTU;
	}
	*ctx = f;
	return (0);
}

/* The configured route; no next hop or an unspecified one: on-link. */
static int
fake_best_route(void *ctx, const struct netif_addr *dst,
    struct netif_route *r, char *err, size_t errlen)
{
	struct fake_ipcfg	*f = ctx;
	char			 a[INET6_ADDRSTRLEN], h[INET6_ADDRSTRLEN];

	*r = f->best;
	if (r->nexthop.family == AF_UNSPEC)
		r->nexthop.family = dst->family;
	if (r->nexthop.family != dst->family) {
		(void)snprintf(err, errlen, "fake ipcfg: no route to %s (the "
		    "fake's next hop %s is of another family)",
		    netif_addr_str(dst, a, sizeof(a)),
		    netif_addr_str(&f->best.nexthop, h, sizeof(h)));
		return (-1);
	}
	return (0);
}

static struct fake_if *
fake_if(struct fake_ipcfg *f, const struct netif_change *ch, char *err,
    size_t errlen)
{
	if (ch->ifindex != f->nif->ifindex || ch->luid != f->nif->luid) {
		(void)snprintf(err, errlen, "fake ipcfg: no interface %lu "
		    "(the fake's is %lu)", (unsigned long)ch->ifindex,
		    (unsigned long)f->nif->ifindex);
		return (NULL);
	}
	return (&f->fam[ch->family == AF_INET6 ? 1 : 0]);
}

static int
fake_get(void *ctx, const struct netif_change *ch, struct netif_ifval *v,
    char *err, size_t errlen)
{
	struct fake_if	*fi;

	if ((fi = fake_if(ctx, ch, err, errlen)) == NULL)
		return (-1);
	if (!fi->present)
		return (1);
	memset(v, 0, sizeof(*v));
	if (ch->op == NETIF_OP_METRIC)
		*v = fi->metric;
	else
		v->value = fi->mtu;
	return (0);
}

static int
fake_route_find(struct fake_ipcfg *f, const struct netif_change *ch)
{
	const struct netif_change	*o;
	size_t				 i;

	for (i = 0; i < f->nroutes; i++) {
		o = &f->routes[i];
		if (o->ifindex == ch->ifindex && o->family == ch->family &&
		    memcmp(&o->dst, &ch->dst, sizeof(o->dst)) == 0 &&
		    memcmp(&o->nexthop, &ch->nexthop, sizeof(o->nexthop)) == 0)
			return ((int)i);
	}
	return (-1);
}

static int
fake_change(void *ctx, const struct netif_change *ch, int undo, char *err,
    size_t errlen)
{
	struct fake_ipcfg		*f = ctx;
	struct fake_if			*fi = NULL;
	const struct netif_ifval	*v = undo ? &ch->was : &ch->want;
	char				 line[256];
	int				 i;

	(void)netif_change_str(ch, undo, line, sizeof(line));
	if (++f->nchanges == f->fail) {
		(void)snprintf(err, errlen, "fake failure (change %lu)",
		    (unsigned long)f->nchanges);
		goto failed;
	}
	switch (ch->op) {
	case NETIF_OP_ROUTE:
		i = fake_route_find(f, ch);
		if (undo && i == -1) {
			(void)snprintf(err, errlen, "fake ipcfg: no such "
			    "route");
			goto failed;
		}
		if (!undo && i != -1) {
			(void)snprintf(err, errlen, "fake ipcfg: the route "
			    "exists");
			goto failed;
		}
		if (!undo && f->nroutes == nitems(f->routes)) {
			(void)snprintf(err, errlen, "fake ipcfg: route table "
			    "full");
			goto failed;
		}
		if (undo)
			f->routes[i] = f->routes[--f->nroutes];
		else
			f->routes[f->nroutes++] = *ch;
		break;
	case NETIF_OP_METRIC:
	case NETIF_OP_MTU:
		if ((fi = fake_if(f, ch, err, errlen)) == NULL)
			goto failed;
		if (!fi->present) {
			(void)snprintf(err, errlen, "fake ipcfg: the "
			    "interface has no IPv6");
			goto failed;
		}
		if (ch->op == NETIF_OP_METRIC) {
			fi->metric.automatic = v->automatic;
			fi->metric.value = v->automatic ? NETIF_FAKE_METRIC :
			    v->value;
		} else
			fi->mtu = v->value;
		break;
	default:
		(void)snprintf(err, errlen, "fake ipcfg: unknown change %d",
		    ch->op);
		goto failed;
	}
	netif_journal(f->nif, "%s", line);
	return (0);

failed:
	netif_journal(f->nif, "failed: %s", line);
	return (-1);
}

static void
fake_free(void *ctx)
{
	free(ctx);
}
