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
 * The Windows client broker's network interface (clientd/win/netif.h),
 * Windows only (make check-windows, under Wine): the adapter chooser, the
 * plan, the undo list through the fake IP configuration's journal, the
 * fake adapter's message-mode pipe, and the real backends' clear
 * failures where Wine lacks what they need.  On Linux this file is empty.
 */

#ifdef _WIN32

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "compat.h"
/* A relative path: win.mk's flags have no -Iclientd/win. */
#include "../../clientd/win/netif.h"

#define T_IO_MS		5000
#define T_GUID1		"{11111111-1111-1111-1111-111111111111}"
#define T_GUID2		"{22222222-2222-2222-2222-222222222222}"
#define T_GUID3		"{ABCDEF01-2345-6789-ABCD-EF0123456789}"
#define T_NOTAP		"no TAP-Windows6 adapter (component id tap0901) " \
			"is installed: install the TAP-Windows6 driver " \
			"(tap-windows 9.x from the OpenVPN project)"

struct fixture {
	HANDLE			 server;	/* the harness's pipe end */
	char			 pipe[128];
	char			 journal[MAX_PATH];
	struct netif_conf	 conf;
	struct netif		 nif;
	char			 err[1024];
};

static int		 seq;

static const struct netif_adapter_entry ents[] = {
	{ "pci\\ven_8086&dev_15bc", T_GUID1, "Ethernet" },
	{ "tap0901", T_GUID2, "softlan" },
	{ "TAP0901", T_GUID3, "Other TAP" },
	{ "root\\vwifimp", "{44444444-4444-4444-4444-444444444444}", "" },
};

/* A message-mode pipe served by the test, as the harness does. */
static HANDLE
pipe_server(const char *name, int message)
{
	wchar_t	 w[160];
	DWORD	 type;

	(void)swprintf(w, nitems(w), L"\\\\.\\pipe\\%hs", name);
	type = message ? PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE :
	    PIPE_TYPE_BYTE | PIPE_READMODE_BYTE;
	return (CreateNamedPipeW(w, PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED,
	    type | PIPE_WAIT, 1, 65536, 65536, 0, NULL));
}

/* A fresh pipe name and journal path; the journal does not exist. */
static void
fixture_names(struct fixture *fx)
{
	char	 tmp[MAX_PATH];
	DWORD	 n;

	memset(fx, 0, sizeof(*fx));
	seq++;
	(void)snprintf(fx->pipe, sizeof(fx->pipe), "softlan-test-netif-%lu-%d",
	    (unsigned long)GetCurrentProcessId(), seq);
	n = GetTempPathA(sizeof(tmp), tmp);
	cr_assert(n > 0 && n < sizeof(tmp), "GetTempPath");
	(void)snprintf(fx->journal, sizeof(fx->journal),
	    "%ssoftlan-netif-%lu-%d.log", tmp,
	    (unsigned long)GetCurrentProcessId(), seq);
	(void)DeleteFileA(fx->journal);
}

/* The fake adapter on a pipe of ours, the fake ipcfg with a journal. */
static void
fixture_open(struct fixture *fx, const char *nexthop, uint32_t route_if,
    uint32_t fail)
{
	fixture_names(fx);
	fx->server = pipe_server(fx->pipe, 1);
	cr_assert(fx->server != INVALID_HANDLE_VALUE, "CreateNamedPipe: %lu",
	    (unsigned long)GetLastError());
	fx->conf.adapter = NETIF_FAKE;
	(void)strlcpy(fx->conf.name, fx->pipe, sizeof(fx->conf.name));
	fx->conf.ipcfg = NETIF_IPCFG_FAKE;
	(void)strlcpy(fx->conf.journal, fx->journal, sizeof(fx->conf.journal));
	(void)strlcpy(fx->conf.fake_nexthop, nexthop,
	    sizeof(fx->conf.fake_nexthop));
	fx->conf.fake_route_if = route_if;
	fx->conf.fake_fail = fail;
}

static void
fixture_start(struct fixture *fx)
{
	cr_assert_eq(netif_open(&fx->nif, &fx->conf, fx->err,
	    sizeof(fx->err)), 0, "netif_open: %s", fx->err);
}

static void
fixture_end(struct fixture *fx)
{
	netif_close(&fx->nif);
	if (fx->server != NULL && fx->server != INVALID_HANDLE_VALUE)
		CloseHandle(fx->server);
	(void)DeleteFileA(fx->journal);
}

static struct sockaddr_storage *
sa_of(const char *addr, socklen_t *len)
{
	static struct sockaddr_storage	 ss;
	struct sockaddr_in		*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6		*sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(4433);
		*len = sizeof(*sin);
	} else {
		cr_assert_eq(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1,
		    "bad test address %s", addr);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(4433);
		*len = sizeof(*sin6);
	}
	return (&ss);
}

static int
apply(struct fixture *fx, const char *relay, uint32_t metric)
{
	struct sockaddr_storage	*ss;
	socklen_t		 len;

	ss = sa_of(relay, &len);
	return (netif_apply(&fx->nif, (struct sockaddr *)ss, len, metric,
	    fx->err, sizeof(fx->err)));
}

/* The journal's lines from line first on, compared one by one. */
static void
expect_journal(const char *path, size_t first, const char *const *want,
    size_t n)
{
	FILE	*f;
	char	 line[512];
	size_t	 i = 0, len;

	f = fopen(path, "rb");
	cr_assert_not_null(f, "journal %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (i >= first && i - first < n)
			cr_expect_str_eq(line, want[i - first],
			    "journal line %zu", i + 1);
		else if (i >= first)
			cr_expect_fail("journal line %zu too many: %s", i + 1,
			    line);
		i++;
	}
	fclose(f);
	cr_expect_eq(i, first + n, "journal has %zu lines, expected %zu", i,
	    first + n);
}

static size_t
journal_lines(const char *path)
{
	FILE	*f;
	int	 c;
	size_t	 n = 0;

	if ((f = fopen(path, "rb")) == NULL)
		return (0);
	while ((c = fgetc(f)) != EOF)
		if (c == '\n')
			n++;
	fclose(f);
	return (n);
}

/* One overlapped read or write, waited for: 0 or the error. */
static DWORD
io(HANDLE h, int write, void *buf, DWORD len, DWORD *got)
{
	OVERLAPPED	 ov;
	DWORD		 err = 0;
	BOOL		 ok;

	*got = 0;
	memset(&ov, 0, sizeof(ov));
	ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	cr_assert_not_null(ov.hEvent);
	ok = write ? WriteFile(h, buf, len, NULL, &ov) :
	    ReadFile(h, buf, len, NULL, &ov);
	if (!ok)
		err = GetLastError();
	if (ok || err == ERROR_IO_PENDING || err == ERROR_MORE_DATA) {
		if (WaitForSingleObject(ov.hEvent, T_IO_MS) != WAIT_OBJECT_0) {
			(void)CancelIoEx(h, &ov);
			(void)GetOverlappedResult(h, &ov, got, TRUE);
			CloseHandle(ov.hEvent);
			return (WAIT_TIMEOUT);
		}
		err = GetOverlappedResult(h, &ov, got, FALSE) ? 0 :
		    GetLastError();
	}
	CloseHandle(ov.hEvent);
	return (err);
}

/* The adapter chooser. */

Test(netif_pick, by_name_any_case)
{
	char	 err[512];
	size_t	 i = 99;

	cr_assert_eq(netif_adapter_pick(ents, nitems(ents), "softlan", &i, err,
	    sizeof(err)), 0, "%s", err);
	cr_expect_eq(i, 1);
	cr_assert_eq(netif_adapter_pick(ents, nitems(ents), "SoftLAN", &i, err,
	    sizeof(err)), 0, "%s", err);
	cr_expect_eq(i, 1);
	/* Component id "TAP0901": compared without case too. */
	cr_assert_eq(netif_adapter_pick(ents, nitems(ents), "other tap", &i,
	    err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(i, 2);
}

Test(netif_pick, by_guid_any_case)
{
	char	 err[512];
	size_t	 i = 99;

	cr_assert_eq(netif_adapter_pick(ents, nitems(ents), T_GUID2, &i, err,
	    sizeof(err)), 0, "%s", err);
	cr_expect_eq(i, 1);
	cr_assert_eq(netif_adapter_pick(ents, nitems(ents),
	    "{abcdef01-2345-6789-abcd-ef0123456789}", &i, err, sizeof(err)), 0,
	    "%s", err);
	cr_expect_eq(i, 2);
}

Test(netif_pick, not_installed)
{
	char	 err[512];
	size_t	 i;

	cr_expect_eq(netif_adapter_pick(ents, 1, "softlan", &i, err,
	    sizeof(err)), -1);
	cr_expect_str_eq(err, T_NOTAP);
	cr_expect_eq(netif_adapter_pick(NULL, 0, T_GUID2, &i, err,
	    sizeof(err)), -1);
	cr_expect_str_eq(err, T_NOTAP);
}

Test(netif_pick, not_found_lists_the_taps)
{
	char	 err[512];
	size_t	 i;

	cr_assert_eq(netif_adapter_pick(ents, nitems(ents), "nope", &i, err,
	    sizeof(err)), -1);
	cr_expect_str_eq(err, "no TAP-Windows6 adapter is named \"nope\": the "
	    "TAP-Windows6 adapters are \"softlan\" " T_GUID2 ", \"Other TAP\" "
	    T_GUID3);
	cr_assert_eq(netif_adapter_pick(ents, nitems(ents),
	    "{99999999-9999-9999-9999-999999999999}", &i, err, sizeof(err)),
	    -1);
	cr_expect_str_eq(err, "no TAP-Windows6 adapter has the GUID "
	    "{99999999-9999-9999-9999-999999999999}: the TAP-Windows6 adapters "
	    "are \"softlan\" " T_GUID2 ", \"Other TAP\" " T_GUID3);
}

Test(netif_pick, not_a_tap)
{
	char	 err[512];
	size_t	 i;

	cr_assert_eq(netif_adapter_pick(ents, nitems(ents), "ethernet", &i,
	    err, sizeof(err)), -1);
	cr_expect_str_eq(err, "adapter \"Ethernet\" " T_GUID1 " is not a "
	    "TAP-Windows6 adapter (component id pci\\ven_8086&dev_15bc)");
	cr_assert_eq(netif_adapter_pick(ents, nitems(ents), T_GUID1, &i, err,
	    sizeof(err)), -1);
	cr_expect_not_null(strstr(err, "is not a TAP-Windows6 adapter"), "%s",
	    err);
	/* And no TAP at all: both said. */
	cr_assert_eq(netif_adapter_pick(ents, 1, "Ethernet", &i, err,
	    sizeof(err)), -1);
	cr_expect_not_null(strstr(err, "is not a TAP-Windows6 adapter"), "%s",
	    err);
	cr_expect_not_null(strstr(err, T_NOTAP), "%s", err);
}

Test(netif_pick, ambiguous_name)
{
	struct netif_adapter_entry	 two[] = {
		{ "tap0901", T_GUID2, "softlan" },
		{ "pci\\x", T_GUID1, "softlan" },
		{ "tap0901", T_GUID3, "SOFTLAN" },
	};
	char				 err[512];
	size_t				 i;

	cr_assert_eq(netif_adapter_pick(two, nitems(two), "softlan", &i, err,
	    sizeof(err)), -1);
	cr_expect_str_eq(err, "adapter \"softlan\": 2 TAP-Windows6 adapters "
	    "have this name (" T_GUID2 ", " T_GUID3 "): give the GUID of the "
	    "one to use");
	cr_assert_eq(netif_adapter_pick(two, nitems(two), T_GUID3, &i, err,
	    sizeof(err)), 0, "%s", err);
	cr_expect_eq(i, 2);
}

Test(netif_pick, bad_input)
{
	char	 err[512];
	size_t	 i;

	cr_expect_eq(netif_adapter_pick(ents, nitems(ents), "", &i, err,
	    sizeof(err)), -1);
	cr_expect_not_null(strstr(err, "no TAP-Windows6 adapter given"), "%s",
	    err);
	cr_expect_eq(netif_adapter_pick(ents, nitems(ents), "{1234}", &i, err,
	    sizeof(err)), -1);
	cr_expect_str_eq(err, "adapter {1234}: not a GUID "
	    "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}");
}

Test(netif_pick, guid_parse)
{
	GUID	 g;

	cr_assert_eq(netif_guid_parse("{4d36E972-E325-11CE-BFC1-08002BE10318}",
	    &g), 0);
	cr_expect_eq(g.Data1, 0x4d36e972UL);
	cr_expect_eq(g.Data2, 0xe325);
	cr_expect_eq(g.Data3, 0x11ce);
	cr_expect_eq(g.Data4[0], 0xbf);
	cr_expect_eq(g.Data4[1], 0xc1);
	cr_expect_eq(g.Data4[7], 0x18);
	cr_expect_eq(netif_guid_parse("4D36E972-E325-11CE-BFC1-08002BE10318",
	    &g), -1);
	cr_expect_eq(netif_guid_parse("{4D36E972-E325-11CE-BFC1-08002BE1031G}",
	    &g), -1);
	cr_expect_eq(netif_guid_parse("{4D36E972+E325-11CE-BFC1-08002BE10318}",
	    &g), -1);
}

/* The plan. */

static void
plan_in(struct netif_plan_in *in, const char *relay, const char *nexthop,
    uint32_t route_if, uint32_t metric, uint32_t mtu)
{
	memset(in, 0, sizeof(*in));
	if (relay != NULL)
		cr_assert_eq(netif_addr_parse(&in->relay, relay), 0);
	if (nexthop != NULL)
		cr_assert_eq(netif_addr_parse(&in->best.nexthop, nexthop), 0);
	in->best.ifindex = route_if;
	in->best.luid = 1000 + route_if;
	in->ifindex = 42;
	in->luid = 1042;
	in->metric = metric;
	in->mtu = mtu;
	in->devmtu = 1500;
}

Test(netif_plan, host_route_then_metrics)
{
	struct netif_plan_in	 in;
	struct netif_plan	 p;
	char			 err[256], line[256];

	plan_in(&in, "198.18.0.1", "198.18.99.1", 1, 1, 0);
	cr_assert_eq(netif_plan(&in, &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(p.n, 3);
	cr_expect_str_eq(p.note, "");
	cr_expect_eq(p.ch[0].op, NETIF_OP_ROUTE);
	cr_expect_eq(p.ch[0].luid, 1001);
	cr_expect_str_eq(netif_change_str(&p.ch[0], 0, line, sizeof(line)),
	    "route add 198.18.0.1/32 via 198.18.99.1 if 1");
	cr_expect_str_eq(netif_change_str(&p.ch[0], 1, line, sizeof(line)),
	    "route delete 198.18.0.1/32 via 198.18.99.1 if 1");
	cr_expect_eq(p.ch[1].op, NETIF_OP_METRIC);
	cr_expect_eq(p.ch[1].family, AF_INET);
	cr_expect_eq(p.ch[1].ifindex, 42);
	cr_expect_eq(p.ch[1].luid, 1042);
	cr_expect_eq(p.ch[1].want.value, 1);
	cr_expect_eq(p.ch[1].want.automatic, 0);
	cr_expect_eq(p.ch[2].op, NETIF_OP_METRIC);
	cr_expect_eq(p.ch[2].family, AF_INET6);
}

Test(netif_plan, ipv6_relay)
{
	struct netif_plan_in	 in;
	struct netif_plan	 p;
	char			 err[256], line[256];

	plan_in(&in, "2001:db8::1", "fe80::1", 7, 0, 0);
	cr_assert_eq(netif_plan(&in, &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(p.n, 1);
	cr_expect_str_eq(netif_change_str(&p.ch[0], 0, line, sizeof(line)),
	    "route add 2001:db8::1/128 via fe80::1 if 7");
	plan_in(&in, "2001:db8::1", "198.18.99.1", 7, 0, 0);
	cr_expect_eq(netif_plan(&in, &p, err, sizeof(err)), -1);
	cr_expect_not_null(strstr(err, "of another family"), "%s", err);
}

Test(netif_plan, skips_the_host_route)
{
	struct netif_plan_in	 in;
	struct netif_plan	 p;
	char			 err[256];

	/* On-link: no next hop. */
	plan_in(&in, "198.18.0.1", "0.0.0.0", 1, 1, 0);
	cr_assert_eq(netif_plan(&in, &p, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(p.n, 2);
	cr_expect_eq(p.ch[0].op, NETIF_OP_METRIC);
	cr_expect_str_eq(p.note, "relay 198.18.0.1 is on-link (if 1): no host "
	    "route needed");
	cr_expect_eq(p.warn, 0);
	plan_in(&in, "198.18.0.1", NULL, 1, 0, 0);
	cr_assert_eq(netif_plan(&in, &p, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(p.n, 0);

	/* Through the adapter itself: a warning. */
	plan_in(&in, "198.18.0.1", "198.18.99.1", 42, 1, 0);
	in.best.luid = in.luid;
	cr_assert_eq(netif_plan(&in, &p, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(p.n, 2);
	cr_expect_not_null(strstr(p.note, "goes through the adapter itself "
	    "(if 42)"), "%s", p.note);
	cr_expect_eq(p.warn, 1);

	/* Loopback. */
	plan_in(&in, "127.0.0.1", NULL, 0, 0, 0);
	cr_assert_eq(netif_plan(&in, &p, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(p.n, 0);
	cr_expect_not_null(strstr(p.note, "loopback"), "%s", p.note);

	/* Unspecified relay: an error. */
	plan_in(&in, "0.0.0.0", "198.18.99.1", 1, 0, 0);
	cr_expect_eq(netif_plan(&in, &p, err, sizeof(err)), -1);
}

Test(netif_plan, mtu_limits)
{
	struct netif_plan_in	 in;
	struct netif_plan	 p;
	char			 err[256];

	plan_in(&in, NULL, NULL, 0, 0, 1400);
	cr_assert_eq(netif_plan(&in, &p, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(p.n, 2);
	cr_expect_eq(p.ch[0].op, NETIF_OP_MTU);
	cr_expect_eq(p.ch[0].family, AF_INET);
	cr_expect_eq(p.ch[1].family, AF_INET6);
	cr_expect_eq(p.ch[1].want.value, 1400);

	plan_in(&in, NULL, NULL, 0, 0, 1000);
	cr_assert_eq(netif_plan(&in, &p, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(p.n, 1);
	cr_expect_str_eq(p.note, "mtu 1000 is below IPv6's minimum 1280: the "
	    "IPv6 mtu is left alone");

	plan_in(&in, NULL, NULL, 0, 0, 500);
	cr_expect_eq(netif_plan(&in, &p, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "mtu 500 is out of range 576-65535");
	plan_in(&in, NULL, NULL, 0, 0, 1600);
	cr_expect_eq(netif_plan(&in, &p, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "mtu 1600 is above the adapter's own mtu 1500");
	plan_in(&in, NULL, NULL, 0, 10000, 0);
	cr_expect_eq(netif_plan(&in, &p, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "metric 10000 is out of range 1-9999");
}

Test(netif_plan, socket_addresses)
{
	struct netif_addr	 a;
	struct sockaddr_in6	 sin6;
	struct sockaddr_in	 sin;
	char			 buf[64];

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	cr_assert_eq(inet_pton(AF_INET6, "::ffff:198.18.0.1",
	    &sin6.sin6_addr), 1);
	cr_assert_eq(netif_addr_from_sa(&a, (struct sockaddr *)&sin6,
	    sizeof(sin6)), 0);
	cr_expect_eq(a.family, AF_INET);
	cr_expect_str_eq(netif_addr_str(&a, buf, sizeof(buf)), "198.18.0.1");
	cr_expect_eq(netif_addr_from_sa(&a, (struct sockaddr *)&sin6,
	    sizeof(sin)), -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_UNIX;
	cr_expect_eq(netif_addr_from_sa(&a, (struct sockaddr *)&sin,
	    sizeof(sin)), -1);
}

/* The undo list, through the fake ipcfg's journal. */

Test(netif_fake, apply_mtu_close_journal)
{
	static const char *const	 want[] = {
		"media connected",
		"route add 198.18.0.1/32 via 198.18.99.1 if 1",
		"metric ipv4 if 42: 1 (was auto)",
		"metric ipv6 if 42: 1 (was auto)",
		"mtu ipv4 if 42: 1400 (was 1500)",
		"mtu ipv6 if 42: 1400 (was 1500)",
		"mtu ipv4 if 42: 1300 (was 1400)",
		"mtu ipv6 if 42: 1300 (was 1400)",
		"mtu ipv6 if 42: restored 1500",
		"mtu ipv4 if 42: restored 1500",
		"metric ipv6 if 42: restored auto",
		"metric ipv4 if 42: restored auto",
		"route delete 198.18.0.1/32 via 198.18.99.1 if 1",
		"media disconnected",
		"adapter closed",
	};
	struct fixture			 fx;

	fixture_open(&fx, "198.18.99.1", 1, 0);
	fixture_start(&fx);
	cr_expect_eq(fx.nif.ifindex, NETIF_FAKE_IFINDEX);
	cr_expect_eq(fx.nif.mac_set, 1);
	cr_expect_eq(fx.nif.mac[0], 0x02);
	cr_expect_eq(fx.nif.devmtu, 1500);
	cr_assert_eq(netif_media(&fx.nif, 1, fx.err, sizeof(fx.err)), 0);
	cr_assert_eq(apply(&fx, "198.18.0.1", 1), 0, "%s", fx.err);
	cr_expect_str_eq(fx.nif.note, "");
	/* Read while it runs: each line is flushed. */
	cr_expect_eq(journal_lines(fx.journal), 5);
	cr_assert_eq(netif_set_mtu(&fx.nif, 1400, fx.err, sizeof(fx.err)), 0,
	    "%s", fx.err);
	cr_assert_eq(netif_set_mtu(&fx.nif, 1300, fx.err, sizeof(fx.err)), 0,
	    "%s", fx.err);
	cr_expect_eq(fx.nif.undo.n, 5, "the second mtu is not pushed again");
	netif_close(&fx.nif);
	expect_journal(fx.journal, 1, want, nitems(want));
	fixture_end(&fx);
}

Test(netif_fake, first_line_names_the_pipe)
{
	struct fixture	 fx;
	char		 first[256];
	FILE		*f;

	fixture_open(&fx, "198.18.99.1", 1, 0);
	fixture_start(&fx);
	(void)snprintf(first, sizeof(first), "adapter \\\\.\\pipe\\%s if 42 "
	    "mac 02:53:4c:00:00:01\n", fx.pipe);
	f = fopen(fx.journal, "rb");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(fx.err, sizeof(fx.err), f));
	fclose(f);
	cr_expect_str_eq(fx.err, first);
	fixture_end(&fx);
}

Test(netif_fake, undo_is_idempotent)
{
	static const char *const	 want[] = {
		"route add 198.18.0.1/32 via 198.18.99.1 if 1",
		"metric ipv4 if 42: 1 (was auto)",
		"metric ipv6 if 42: 1 (was auto)",
		"metric ipv6 if 42: restored auto",
		"metric ipv4 if 42: restored auto",
		"route delete 198.18.0.1/32 via 198.18.99.1 if 1",
		"adapter closed",
	};
	struct fixture			 fx;

	fixture_open(&fx, "198.18.99.1", 1, 0);
	fixture_start(&fx);
	cr_assert_eq(apply(&fx, "198.18.0.1", 1), 0, "%s", fx.err);
	cr_expect_eq(netif_undo(&fx.nif), 0);
	cr_expect_eq(fx.nif.undo.n, 0);
	cr_expect_eq(netif_undo(&fx.nif), 0);
	netif_close(&fx.nif);
	netif_close(&fx.nif);
	expect_journal(fx.journal, 1, want, nitems(want));
	fixture_end(&fx);
}

Test(netif_fake, failed_step_undoes_what_was_made)
{
	static const char *const	 want[] = {
		"route add 198.18.0.1/32 via 198.18.99.1 if 1",
		"failed: metric ipv4 if 42: 1 (was auto)",
		"route delete 198.18.0.1/32 via 198.18.99.1 if 1",
		"adapter closed",
	};
	struct fixture			 fx;

	fixture_open(&fx, "198.18.99.1", 1, 2);
	fixture_start(&fx);
	cr_assert_eq(apply(&fx, "198.18.0.1", 1), -1);
	cr_expect_str_eq(fx.err, "metric ipv4 if 42: 1 (was auto): fake "
	    "failure (change 2)");
	cr_expect_eq(fx.nif.undo.n, 1);
	cr_expect_eq(netif_undo(&fx.nif), 0);
	netif_close(&fx.nif);
	expect_journal(fx.journal, 1, want, nitems(want));
	fixture_end(&fx);
}

Test(netif_fake, undo_goes_on_past_a_failure)
{
	static const char *const	 want[] = {
		"route add 198.18.0.1/32 via 198.18.99.1 if 1",
		"metric ipv4 if 42: 1 (was auto)",
		"metric ipv6 if 42: 1 (was auto)",
		"metric ipv6 if 42: restored auto",
		"failed: metric ipv4 if 42: restored auto",
		"route delete 198.18.0.1/32 via 198.18.99.1 if 1",
		"adapter closed",
	};
	struct fixture			 fx;

	fixture_open(&fx, "198.18.99.1", 1, 5);
	fixture_start(&fx);
	cr_assert_eq(apply(&fx, "198.18.0.1", 1), 0, "%s", fx.err);
	cr_expect_eq(netif_undo(&fx.nif), 1);
	cr_expect_eq(netif_undo(&fx.nif), 0);
	netif_close(&fx.nif);
	expect_journal(fx.journal, 1, want, nitems(want));
	fixture_end(&fx);
}

Test(netif_fake, applied_twice)
{
	static const char *const	 want[] = {
		"route add 198.18.0.1/32 via 198.18.99.1 if 1",
		"metric ipv4 if 42: 1 (was auto)",
		"metric ipv6 if 42: 1 (was auto)",
		"metric ipv4 if 42: 5 (was 1)",
		"metric ipv6 if 42: 5 (was 1)",
		"metric ipv6 if 42: restored auto",
		"metric ipv4 if 42: restored auto",
		"route delete 198.18.0.1/32 via 198.18.99.1 if 1",
		"adapter closed",
	};
	struct fixture			 fx;

	fixture_open(&fx, "198.18.99.1", 1, 0);
	fixture_start(&fx);
	cr_assert_eq(apply(&fx, "198.18.0.1", 1), 0, "%s", fx.err);
	cr_assert_eq(apply(&fx, "198.18.0.1", 1), 0, "%s", fx.err);
	cr_assert_eq(apply(&fx, "198.18.0.1", 5), 0, "%s", fx.err);
	cr_expect_eq(fx.nif.undo.n, 3);
	netif_close(&fx.nif);
	expect_journal(fx.journal, 1, want, nitems(want));
	fixture_end(&fx);
}

Test(netif_fake, ipv6_relay)
{
	static const char *const	 want[] = {
		"route add 2001:db8::1/128 via fe80::1 if 3",
		"route delete 2001:db8::1/128 via fe80::1 if 3",
		"adapter closed",
	};
	struct fixture			 fx;

	fixture_open(&fx, "fe80::1", 3, 0);
	fixture_start(&fx);
	cr_assert_eq(apply(&fx, "2001:db8::1", 0), 0, "%s", fx.err);
	cr_expect_eq(apply(&fx, "198.18.0.1", 0), -1);
	cr_expect_not_null(strstr(fx.err, "no route to 198.18.0.1"), "%s",
	    fx.err);
	netif_close(&fx.nif);
	expect_journal(fx.journal, 1, want, nitems(want));
	fixture_end(&fx);
}

Test(netif_fake, no_host_route)
{
	static const char *const	 want[] = {
		"metric ipv4 if 42: 1 (was auto)",
		"metric ipv6 if 42: 1 (was auto)",
		"metric ipv6 if 42: restored auto",
		"metric ipv4 if 42: restored auto",
		"adapter closed",
	};
	struct fixture			 fx;

	/* On-link: the fake's best route has no next hop. */
	fixture_open(&fx, "", 1, 0);
	fixture_start(&fx);
	cr_assert_eq(apply(&fx, "198.18.0.1", 1), 0, "%s", fx.err);
	cr_expect_str_eq(fx.nif.note, "relay 198.18.0.1 is on-link (if 1): no "
	    "host route needed");
	netif_close(&fx.nif);
	expect_journal(fx.journal, 1, want, nitems(want));
	fixture_end(&fx);

	/* Through the adapter itself. */
	fixture_open(&fx, "198.18.99.1", NETIF_FAKE_IFINDEX, 0);
	fixture_start(&fx);
	cr_assert_eq(apply(&fx, "198.18.0.1", 1), 0, "%s", fx.err);
	cr_expect_not_null(strstr(fx.nif.note, "goes through the adapter "
	    "itself (if 42)"), "%s", fx.nif.note);
	netif_close(&fx.nif);
	expect_journal(fx.journal, 1, want, nitems(want));
	fixture_end(&fx);
}

Test(netif_fake, interface_without_ipv6)
{
	static const char *const	 want[] = {
		"metric ipv4 if 42: 1 (was auto)",
		"mtu ipv4 if 42: 1400 (was 1500)",
		"mtu ipv4 if 42: restored 1500",
		"metric ipv4 if 42: restored auto",
		"adapter closed",
	};
	struct fixture			 fx;

	fixture_open(&fx, "", 1, 0);
	fx.conf.fake_noipv6 = 1;
	fixture_start(&fx);
	cr_assert_eq(apply(&fx, "198.18.0.1", 1), 0, "%s", fx.err);
	cr_expect_not_null(strstr(fx.nif.note, "if 42 has no ipv6: its metric "
	    "is left alone"), "%s", fx.nif.note);
	cr_assert_eq(netif_set_mtu(&fx.nif, 1400, fx.err, sizeof(fx.err)), 0,
	    "%s", fx.err);
	netif_close(&fx.nif);
	expect_journal(fx.journal, 1, want, nitems(want));
	fixture_end(&fx);
}

Test(netif_fake, bad_calls)
{
	struct fixture	 fx;

	fixture_open(&fx, "198.18.99.1", 1, 0);
	fixture_start(&fx);
	cr_expect_eq(netif_set_mtu(&fx.nif, 9000, fx.err, sizeof(fx.err)), -1);
	cr_expect_str_eq(fx.err, "mtu 9000 is above the adapter's own mtu "
	    "1500");
	cr_expect_eq(netif_apply(&fx.nif, NULL, 0, 1, fx.err, sizeof(fx.err)),
	    -1);
	cr_expect_eq(fx.nif.undo.n, 0);
	fixture_end(&fx);

	/* The fake adapter with the real ipcfg: refused. */
	fixture_open(&fx, "198.18.99.1", 1, 0);
	fx.conf.ipcfg = NETIF_IPCFG_IPHLP;
	cr_expect_eq(netif_open(&fx.nif, &fx.conf, fx.err, sizeof(fx.err)),
	    -1);
	cr_expect_not_null(strstr(fx.err, "the fake adapter needs the fake "
	    "ipcfg"), "%s", fx.err);
	netif_close(&fx.nif);
	fixture_end(&fx);

	/* A next hop that is not an address. */
	fixture_open(&fx, "gateway", 1, 0);
	cr_expect_eq(netif_open(&fx.nif, &fx.conf, fx.err, sizeof(fx.err)),
	    -1);
	cr_expect_str_eq(fx.err, "fake ipcfg: next hop gateway: not an IPv4 "
	    "or IPv6 address");
	fixture_end(&fx);
}

/* The fake adapter: a frame per message, both ways. */

Test(netif_pipe, frames_keep_their_boundaries)
{
	struct fixture	 fx;
	OVERLAPPED	 ov;
	uint8_t		 a[60], b[1514], c[100], d[42], buf[2048];
	DWORD		 got, err;
	BOOL		 ok;

	fixture_open(&fx, "", 1, 0);
	fx.conf.journal[0] = '\0';
	fixture_start(&fx);

	/* The client is there already: ERROR_PIPE_CONNECTED. */
	memset(&ov, 0, sizeof(ov));
	ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	ok = ConnectNamedPipe(fx.server, &ov);
	err = ok ? 0 : GetLastError();
	cr_expect(ok || err == ERROR_PIPE_CONNECTED, "ConnectNamedPipe %lu",
	    (unsigned long)err);
	CloseHandle(ov.hEvent);

	memset(a, 0xaa, sizeof(a));
	memset(b, 0xbb, sizeof(b));
	memset(c, 0xcc, sizeof(c));
	memset(d, 0xdd, sizeof(d));

	/* Harness -> adapter: two frames, two reads. */
	cr_assert_eq(io(fx.server, 1, a, sizeof(a), &got), 0);
	cr_assert_eq(io(fx.server, 1, b, sizeof(b), &got), 0);
	cr_assert_eq(io(fx.nif.dev, 0, buf, sizeof(buf), &got), 0);
	cr_expect_eq(got, sizeof(a));
	cr_expect_eq(memcmp(buf, a, sizeof(a)), 0);
	cr_assert_eq(io(fx.nif.dev, 0, buf, sizeof(buf), &got), 0);
	cr_expect_eq(got, sizeof(b));
	cr_expect_eq(memcmp(buf, b, sizeof(b)), 0);

	/* Adapter -> harness. */
	cr_assert_eq(io(fx.nif.dev, 1, c, sizeof(c), &got), 0);
	cr_assert_eq(io(fx.nif.dev, 1, d, sizeof(d), &got), 0);
	cr_assert_eq(io(fx.server, 0, buf, sizeof(buf), &got), 0);
	cr_expect_eq(got, sizeof(c));
	cr_expect_eq(memcmp(buf, c, sizeof(c)), 0);
	cr_assert_eq(io(fx.server, 0, buf, sizeof(buf), &got), 0);
	cr_expect_eq(got, sizeof(d));
	cr_expect_eq(memcmp(buf, d, sizeof(d)), 0);

	/* A short read buffer: the rest of the message, never the next. */
	cr_assert_eq(io(fx.server, 1, c, sizeof(c), &got), 0);
	cr_assert_eq(io(fx.server, 1, d, sizeof(d), &got), 0);
	cr_expect_eq(io(fx.nif.dev, 0, buf, 50, &got), ERROR_MORE_DATA);
	cr_expect_eq(got, 50);
	cr_assert_eq(io(fx.nif.dev, 0, buf, sizeof(buf), &got), 0);
	cr_expect_eq(got, sizeof(c) - 50);
	cr_assert_eq(io(fx.nif.dev, 0, buf, sizeof(buf), &got), 0);
	cr_expect_eq(got, sizeof(d));
	cr_expect_eq(buf[0], 0xdd);
	fixture_end(&fx);
}

Test(netif_pipe, refused_pipes)
{
	struct fixture	 fx;

	/* Nobody serves it. */
	fixture_names(&fx);
	fx.conf.adapter = NETIF_FAKE;
	fx.conf.ipcfg = NETIF_IPCFG_FAKE;
	(void)strlcpy(fx.conf.name, fx.pipe, sizeof(fx.conf.name));
	cr_expect_eq(netif_open(&fx.nif, &fx.conf, fx.err, sizeof(fx.err)),
	    -1);
	cr_expect_not_null(strstr(fx.err, fx.pipe), "%s", fx.err);
	cr_expect_not_null(strstr(fx.err, "no test harness serves it"), "%s",
	    fx.err);

	/* A byte-mode pipe would merge frames. */
	fx.server = pipe_server(fx.pipe, 0);
	cr_assert(fx.server != INVALID_HANDLE_VALUE);
	cr_expect_eq(netif_open(&fx.nif, &fx.conf, fx.err, sizeof(fx.err)),
	    -1);
	cr_expect_not_null(strstr(fx.err, "not a message-mode pipe"), "%s",
	    fx.err);
	fixture_end(&fx);
}

/* The real backends, where Wine lacks what they need. */

Test(netif_real, iphlpapi_names_the_missing_function)
{
	static const char *const	 names[] = {
		"GetBestRoute2", "InitializeIpForwardEntry",
		"CreateIpForwardEntry2", "DeleteIpForwardEntry2",
		"InitializeIpInterfaceEntry", "GetIpInterfaceEntry",
		"SetIpInterfaceEntry", "ConvertInterfaceGuidToLuid",
		"ConvertInterfaceLuidToIndex",
	};
	struct netif_conf		 conf;
	struct netif			 nif;
	HMODULE				 dll;
	char				 err[1024], want[128];
	const char			*first = NULL;
	size_t				 i;

	dll = LoadLibraryW(L"iphlpapi.dll");
	cr_assert_not_null(dll);
	for (i = 0; i < nitems(names) && first == NULL; i++)
		if (GetProcAddress(dll, names[i]) == NULL)
			first = names[i];
	if (first == NULL) {
		cr_log_info("iphlpapi.dll has every function: real Windows, "
		    "nothing to check");
		cr_expect_eq(netif_iphlp_load(err, sizeof(err)), 0, "%s", err);
		return;
	}
	cr_log_info("first missing from this iphlpapi.dll: %s", first);

	cr_assert_eq(netif_iphlp_load(err, sizeof(err)), -1);
	cr_log_info("%s", err);
	(void)snprintf(want, sizeof(want), "iphlpapi.dll has no %s (needs "
	    "Windows Vista or later; Wine does not implement it): cannot ",
	    first);
	cr_expect_eq(strncmp(err, want, strlen(want)), 0, "%s", err);
	for (i = 0; i < nitems(names); i++)
		if (GetProcAddress(dll, names[i]) == NULL)
			cr_expect_not_null(strstr(err, names[i]),
			    "%s not named: %s", names[i], err);

	/* The broker's way in fails the same, before any adapter. */
	memset(&conf, 0, sizeof(conf));
	conf.adapter = NETIF_TAP;
	(void)strlcpy(conf.name, "softlan", sizeof(conf.name));
	conf.ipcfg = NETIF_IPCFG_IPHLP;
	cr_expect_eq(netif_open(&nif, &conf, err, sizeof(err)), -1);
	cr_expect_eq(strncmp(err, want, strlen(want)), 0, "%s", err);
	netif_close(&nif);
}

Test(netif_real, tap_registry_listing)
{
	struct netif_adapter_entry	*e;
	struct netif_conf		 conf;
	struct netif			 nif;
	char				 err[1024];
	size_t				 n, i, ntap = 0;

	e = calloc(NETIF_ADAPTERS_MAX, sizeof(*e));
	cr_assert_not_null(e);
	cr_expect_eq(netif_tap_list(e, NETIF_ADAPTERS_MAX, &n, err,
	    sizeof(err)), 0, "%s", err);
	for (i = 0; i < n; i++)
		if (strcasecmp(e[i].component, "tap0901") == 0)
			ntap++;
	cr_log_info("registry: %zu network adapters, %zu TAP-Windows6", n,
	    ntap);
	free(e);
	if (ntap > 0)
		return;		/* a real TAP: not for a unit test */

	/* No TAP here (Wine): the real adapter says so. */
	memset(&conf, 0, sizeof(conf));
	conf.adapter = NETIF_TAP;
	(void)strlcpy(conf.name, "softlan", sizeof(conf.name));
	conf.ipcfg = NETIF_IPCFG_FAKE;
	cr_expect_eq(netif_open(&nif, &conf, err, sizeof(err)), -1);
	cr_log_info("%s", err);
	cr_expect_str_eq(err, T_NOTAP);
	netif_close(&nif);
}

#else /* !_WIN32 */

/* clientd/win/netif.h is Windows only: nothing to test here. */
typedef int	 test_netif_windows_only;

#endif /* _WIN32 */
