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
 * The broker's own work, before and while the worker runs: the
 * configuration (the same grammar as Linux: clientd/parse.y), the
 * virtual MAC, the CA certificate, the relay's address, the adapter and
 * the IP configuration (netif.h: TAP-Windows6 and IP Helper, or the
 * tests' fakes), the UDP socket; then what the worker is sent, and its
 * requests for the MTU and a reload.  Every change to the system goes
 * on netif's undo list, run by broker_exit() whatever ends the broker
 * (a stop, a lost worker, a broken request).
 */

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "clientconf.h"
#include "ether.h"
#include "log.h"
#include "netif.h"

#define BROKER_METRIC		1	/* the adapter's interface metric */
#define BROKER_CA_CHUNK		8192
#define BROKER_FAKE_NEXTHOP	"198.18.99.1"	/* -T journal= */

static uint8_t	*read_ca(const char *, size_t *);
static const char *addr_str(const struct sockaddr *);

/*
 * Everything the broker prepares before it starts the worker; -1 after
 * logging why (the caller exits 1: the service manager then restarts
 * the service, as systemd restarts the Linux daemon).
 */
int
broker_setup(struct broker *b)
{
	struct clientd_conf	*c;
	struct client_reconf	*r = &b->reconf;
	struct netif_conf	 nc;
	struct ether_mac	 adapter;
	char			 id[64], err[512];
	char			 m1[ETHER_MAC_STRLEN], m2[ETHER_MAC_STRLEN];
	const char		*path;

	path = b->opts.conffile[0] != '\0' ? b->opts.conffile :
	    clientd_conf_path();
	if (path == NULL) {
		log_warnx("no configuration file: %%ProgramData%% unknown");
		return (-1);
	}
	if ((c = b->conf = parse_config(path, NULL, 0)) == NULL)
		return (-1);
	if (b->opts.noaction) {
		if (b->opts.verbose)
			print_config(c);
		else
			fprintf(stderr, "configuration OK\n");
		exit(0);
	}

	memset(r, 0, sizeof(*r));
	r->mss_clamp = c->mss_clamp;
	if (c->mac_set)
		r->mac = c->mac;
	else {
		if (client_machine_id(id, sizeof(id), err, sizeof(err)) ==
		    -1 || client_mac_derive(id, strlen(id), &r->mac) == -1) {
			log_warnx("no virtual-mac configured and %s", err);
			return (-1);
		}
		log_info("virtual MAC %s (derived from the MachineGuid; set "
		    "virtual-mac to choose another)", ether_mac_str(&r->mac));
	}
	if ((b->ca = read_ca(c->ca_certificate, &b->calen)) == NULL)
		return (-1);
	if (client_resolve_relay(c, &r->addr, err, sizeof(err)) == -1) {
		log_warnx("relay %s: %s", c->relay, err);
		return (-1);
	}
	log_info("relay %s is %s", c->relay,
	    addr_str((struct sockaddr *)&r->addr.ss));

	memset(&nc, 0, sizeof(nc));
	if (b->opts.fakenic[0] != '\0') {
		nc.adapter = NETIF_FAKE;
		(void)strlcpy(nc.name, b->opts.fakenic, sizeof(nc.name));
	} else {
		nc.adapter = NETIF_TAP;
		(void)strlcpy(nc.name, c->tap, sizeof(nc.name));
	}
	if (b->opts.journal[0] != '\0') {
		/* The fake's default route, for the tests. */
		nc.ipcfg = NETIF_IPCFG_FAKE;
		(void)strlcpy(nc.journal, b->opts.journal,
		    sizeof(nc.journal));
		(void)strlcpy(nc.fake_nexthop, BROKER_FAKE_NEXTHOP,
		    sizeof(nc.fake_nexthop));
	} else
		nc.ipcfg = NETIF_IPCFG_IPHLP;
	if (netif_open(&b->nif, &nc, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return (-1);
	}
	b->nif_open = 1;
	/*
	 * What Windows sends through TAP-Windows6 carries the adapter's
	 * own MAC, which the driver decides (its "MAC Address" property):
	 * the TAP filter would drop every frame under another source MAC.
	 * So the adapter's MAC is the one used; a virtual-mac or derived
	 * MAC that differs is only advice.  (The fake adapter has no such
	 * constraint: the tests set their end to the configured MAC.)
	 */
	if (nc.adapter == NETIF_TAP && b->nif.mac_set &&
	    memcmp(b->nif.mac, r->mac.octet, sizeof(b->nif.mac)) != 0) {
		memcpy(adapter.octet, b->nif.mac, sizeof(adapter.octet));
		log_warnx("adapter %s has MAC %s, not %s: using the adapter's "
		    "(to use the other, set it as the adapter's \"MAC "
		    "Address\" property in the Device Manager)", c->tap,
		    ether_mac_format(&adapter, m1, sizeof(m1)),
		    ether_mac_format(&r->mac, m2, sizeof(m2)));
		r->mac = adapter;
	}
	if (netif_media(&b->nif, 1, err, sizeof(err)) == -1 ||
	    netif_apply(&b->nif, c->pin_route ?
	    (struct sockaddr *)&r->addr.ss : NULL, r->addr.sslen,
	    BROKER_METRIC, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return (-1);
	}
	r->pinned = c->pin_route;

	if (strlcpy(r->relay, c->relay, sizeof(r->relay)) >=
	    sizeof(r->relay) ||
	    strlcpy(r->server_name, c->server_name[0] != '\0' ?
	    c->server_name : c->relay, sizeof(r->server_name)) >=
	    sizeof(r->server_name) ||
	    strlcpy(r->room, c->room, sizeof(r->room)) >= sizeof(r->room) ||
	    strlcpy(r->secret, c->secret, sizeof(r->secret)) >=
	    sizeof(r->secret) ||
	    strlcpy(r->tap, c->tap, sizeof(r->tap)) >= sizeof(r->tap)) {
		log_warnx("configuration string too long");
		return (-1);
	}
	r->tap_mtu = CLIENT_MTU_DEFAULT;
	return (broker_udp(b));
}

/* The CA certificate: a regular file of 1 byte to CLIENT_CA_MAX. */
static uint8_t *
read_ca(const char *path, size_t *lenp)
{
	FILE		*f;
	uint8_t		*buf;
	size_t		 n;

	if ((f = fopen(path, "rb")) == NULL) {
		log_warn("ca-certificate %s", path);
		return (NULL);
	}
	if ((buf = malloc(CLIENT_CA_MAX + 1)) == NULL) {
		fclose(f);
		log_warn("%s", __func__);
		return (NULL);
	}
	n = fread(buf, 1, CLIENT_CA_MAX + 1, f);
	if (ferror(f) || n == 0 || n > CLIENT_CA_MAX) {
		log_warnx("ca-certificate %s: not a file of 1 to %d bytes",
		    path, CLIENT_CA_MAX);
		fclose(f);
		free(buf);
		return (NULL);
	}
	fclose(f);
	*lenp = n;
	return (buf);
}

static const char *
addr_str(const struct sockaddr *sa)
{
	static char	 buf[NI_MAXHOST + 16];
	char		 h[NI_MAXHOST], s[NI_MAXSERV];
	socklen_t	 len;

	len = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
	if (getnameinfo(sa, len, h, sizeof(h), s, sizeof(s),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return ("?");
	(void)snprintf(buf, sizeof(buf), "%s port %s", h, s);
	return (buf);
}

/*
 * The uplink's socket: UDP, bound to the wildcard address of the
 * relay's family (as on Linux), handed over later with
 * WSADuplicateSocket.  The broker keeps its own descriptor until it
 * exits.
 */
int
broker_udp(struct broker *b)
{
	struct sockaddr_storage	 any;

	b->udp = WSASocketW(b->reconf.addr.ss.ss_family, SOCK_DGRAM,
	    IPPROTO_UDP, NULL, 0, WSA_FLAG_OVERLAPPED |
	    WSA_FLAG_NO_HANDLE_INHERIT);
	if (b->udp == INVALID_SOCKET) {
		log_warnx("udp socket: %s", win_strerror(WSAGetLastError()));
		return (-1);
	}
	memset(&any, 0, sizeof(any));
	any.ss_family = b->reconf.addr.ss.ss_family;
	if (bind(b->udp, (struct sockaddr *)&any, b->reconf.addr.sslen) ==
	    SOCKET_ERROR) {
		log_warnx("udp socket: bind: %s",
		    win_strerror(WSAGetLastError()));
		return (-1);
	}
	return (0);
}

/*
 * What the worker gets after the round trips: the configuration, the CA,
 * the control pipe's name, the adapter and the socket, then
 * IMSG_RECONF_END.
 */
void
broker_send_config(struct broker *b)
{
	struct win_pipename	 pn;
	struct win_handle	 wh;
	WSAPROTOCOL_INFOW	 info;
	const char		*ctl;
	size_t			 off, n;
	DWORD			 access = GENERIC_READ | GENERIC_WRITE;

	if (imsg_compose(&b->ibuf, IMSG_RECONF_CONF, 0, 0, -1, &b->reconf,
	    sizeof(b->reconf)) == -1)
		broker_fail(b, "IMSG_RECONF_CONF: %s", strerror(errno));
	explicit_bzero(b->reconf.secret, sizeof(b->reconf.secret));
	for (off = 0; off < b->calen; off += n) {
		n = MINIMUM(b->calen - off, BROKER_CA_CHUNK);
		if (imsg_compose(&b->ibuf, IMSG_RECONF_CA, 0, 0, -1,
		    b->ca + off, n) == -1)
			broker_fail(b, "IMSG_RECONF_CA: %s", strerror(errno));
	}
	memset(&pn, 0, sizeof(pn));
	ctl = b->conf->control[0] != '\0' ? b->conf->control : CLIENTD_SOCKET;
	if (strlcpy(pn.name, ctl, sizeof(pn.name)) >= sizeof(pn.name))
		broker_fail(b, "control %s: name too long", ctl);
	if (imsg_compose(&b->ibuf, IMSG_CONTROL_PIPE, 0, 0, -1, &pn,
	    sizeof(pn)) == -1)
		broker_fail(b, "IMSG_CONTROL_PIPE: %s", strerror(errno));

	memset(&wh, 0, sizeof(wh));
	if (pipe_handle_give(b->proc, b->nif.dev, access, &wh.value) == -1)
		broker_fail(b, "adapter: DuplicateHandle: %s",
		    win_strerror(GetLastError()));
	if (imsg_compose(&b->ibuf, IMSG_TAP_HANDLE, 0, 0, -1, &wh,
	    sizeof(wh)) == -1) {
		pipe_handle_revoke(b->proc, wh.value);
		broker_fail(b, "IMSG_TAP_HANDLE: %s", strerror(errno));
	}
	if (pipe_socket_give(b->udp, b->pid, &info) == -1)
		broker_fail(b, "udp socket: WSADuplicateSocket: %s",
		    win_strerror(GetLastError()));
	if (imsg_compose(&b->ibuf, IMSG_UDP_SOCKET, 0, 0, -1, &info,
	    sizeof(info)) == -1 ||
	    imsg_compose(&b->ibuf, IMSG_RECONF_END, 0, 0, -1, NULL, 0) == -1)
		broker_fail(b, "IMSG_RECONF_END: %s", strerror(errno));
	log_info("adapter %s (handle 0x%llx) and udp socket handed to worker "
	    "%lu", b->reconf.tap, (unsigned long long)wh.value,
	    (unsigned long)b->pid);
}

/* IMSG_REQ_SET_MTU: the room MTU on the adapter (undone at exit). */
void
broker_req_set_mtu(struct broker *b, struct imsg *imsg)
{
	struct client_mtu	 m;
	uint32_t		 mtu;
	char			 err[512];

	if (imsg_get_data(imsg, &mtu, sizeof(mtu)) == -1)
		broker_fail(b, "IMSG_REQ_SET_MTU: %s", strerror(errno));
	if (mtu < CLIENT_MTU_MIN || mtu > CLIENT_MTU_MAX)
		broker_fail(b, "worker sent IMSG_REQ_SET_MTU %u: out of %d..%d",
		    mtu, CLIENT_MTU_MIN, CLIENT_MTU_MAX);
	memset(&m, 0, sizeof(m));
	m.mtu = mtu;
	if (netif_set_mtu(&b->nif, mtu, err, sizeof(err)) == -1)
		log_warnx("%s", err);
	else {
		m.ok = 1;
		log_info("adapter %s: MTU %u", b->reconf.tap, mtu);
	}
	if (imsg_compose(&b->ibuf, IMSG_MTU_DONE, 0, 0, -1, &m,
	    sizeof(m)) == -1)
		broker_fail(b, "IMSG_MTU_DONE: %s", strerror(errno));
}

/* IMSG_REQ_VERBOSE: softlanctl log verbose N. */
void
broker_req_verbose(struct broker *b, struct imsg *imsg)
{
	int32_t	 level;

	if (imsg_get_data(imsg, &level, sizeof(level)) == -1)
		broker_fail(b, "IMSG_REQ_VERBOSE: %s", strerror(errno));
	if (level < 0 || level > 3)
		broker_fail(b, "worker sent IMSG_REQ_VERBOSE %d: out of 0..3",
		    (int)level);
	log_setverbose(level);
	log_info("log level %d", (int)level);
}

/*
 * IMSG_REQ_RELOAD: softlanctl reload.  As SIGHUP on Linux: the relay's
 * name is resolved again, for the next connection attempt.  The pinned
 * host route stays the one made at start (restart the service to move
 * it).
 */
void
broker_req_reload(struct broker *b, struct imsg *imsg)
{
	struct client_relay	 r;
	char			 err[256];

	(void)imsg;
	if (client_resolve_relay(b->conf, &r, err, sizeof(err)) == -1) {
		log_warnx("reload: relay %s: %s", b->conf->relay, err);
		return;
	}
	log_info("reload: relay %s is %s", b->conf->relay,
	    addr_str((struct sockaddr *)&r.ss));
	if (imsg_compose(&b->ibuf, IMSG_RELAY_ADDR, 0, 0, -1, &r,
	    sizeof(r)) == -1)
		broker_fail(b, "IMSG_RELAY_ADDR: %s", strerror(errno));
}

/* At exit, whatever the reason: every change to the system undone. */
void
broker_undo(struct broker *b)
{
	int	 n;

	if (!b->nif_open)
		return;
	b->nif_open = 0;
	if ((n = netif_undo(&b->nif)) > 0)
		log_warnx("%d change%s to the system not undone", n,
		    n == 1 ? "" : "s");
	netif_close(&b->nif);
}
