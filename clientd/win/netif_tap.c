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
 * The real backends of netif.h: the TAP-Windows6 adapter (found in the
 * registry, opened as \\.\Global\{GUID}.tap) and the IP Helper calls.
 * NOT RUN under Wine, which has neither the TAP driver nor most of these
 * IP Helper functions: only the registry listing and the checks for
 * missing functions are exercised there (regress/unit/test_netif.c).
 *
 * IP Helper is never imported: every function is looked up in
 * iphlpapi.dll with GetProcAddress, and a missing one (Wine lacks
 * CreateIpForwardEntry2, InitializeIpForwardEntry, Get/SetIpInterfaceEntry)
 * is an error naming it when the backend starts, not an abort at load
 * time or a failure half-way.
 *
 * The host route is made in the active store only (no persistent route):
 * if the broker dies without undoing it, it goes at the next reboot.
 */

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <winioctl.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "log.h"
#include "netif.h"

#define NETIF_NETCLASS	L"{4D36E972-E325-11CE-BFC1-08002BE10318}"
#define NETIF_CLASS_KEY	L"SYSTEM\\CurrentControlSet\\Control\\Class\\" \
			NETIF_NETCLASS
#define NETIF_NET_KEY	L"SYSTEM\\CurrentControlSet\\Control\\Network\\" \
			NETIF_NETCLASS

/* TAP-Windows6's tap-windows.h: TAP_WIN_CONTROL_CODE(n, METHOD_BUFFERED) */
#define TAP_IOCTL(n)	CTL_CODE(FILE_DEVICE_UNKNOWN, (n), METHOD_BUFFERED, \
			    FILE_ANY_ACCESS)
#define TAP_IOCTL_GET_MAC		TAP_IOCTL(1)
#define TAP_IOCTL_GET_VERSION		TAP_IOCTL(2)
#define TAP_IOCTL_GET_MTU		TAP_IOCTL(3)
#define TAP_IOCTL_SET_MEDIA_STATUS	TAP_IOCTL(6)
#define TAP_IOCTL_MS	5000

/* The IP Helper functions, in the order they are checked. */
enum {
	FN_GETBESTROUTE2,
	FN_INITFORWARD,
	FN_CREATEFORWARD2,
	FN_DELETEFORWARD2,
	FN_INITIPIF,
	FN_GETIPIF,
	FN_SETIPIF,
	FN_GUIDTOLUID,
	FN_LUIDTOINDEX,
	FN_COUNT
};

static const struct {
	const char	*name;
	const char	*purpose;
} iphlp_names[FN_COUNT] = {
	[FN_GETBESTROUTE2] = { "GetBestRoute2",
	    "find the route to the relay" },
	[FN_INITFORWARD] = { "InitializeIpForwardEntry",
	    "pin the host route to the relay" },
	[FN_CREATEFORWARD2] = { "CreateIpForwardEntry2",
	    "pin the host route to the relay" },
	[FN_DELETEFORWARD2] = { "DeleteIpForwardEntry2",
	    "remove the host route to the relay" },
	[FN_INITIPIF] = { "InitializeIpInterfaceEntry",
	    "read the adapter's metric and MTU" },
	[FN_GETIPIF] = { "GetIpInterfaceEntry",
	    "read the adapter's metric and MTU" },
	[FN_SETIPIF] = { "SetIpInterfaceEntry",
	    "set the adapter's metric and MTU" },
	[FN_GUIDTOLUID] = { "ConvertInterfaceGuidToLuid",
	    "find the adapter's network interface" },
	[FN_LUIDTOINDEX] = { "ConvertInterfaceLuidToIndex",
	    "find the adapter's network interface" },
};

typedef NETIO_STATUS (WINAPI *getbestroute2_fn)(NET_LUID *, NET_IFINDEX,
    const SOCKADDR_INET *, const SOCKADDR_INET *, ULONG, PMIB_IPFORWARD_ROW2,
    SOCKADDR_INET *);
typedef VOID (WINAPI *initforward_fn)(PMIB_IPFORWARD_ROW2);
typedef NETIO_STATUS (WINAPI *forward2_fn)(const MIB_IPFORWARD_ROW2 *);
typedef VOID (WINAPI *initipif_fn)(PMIB_IPINTERFACE_ROW);
typedef NETIO_STATUS (WINAPI *ipif_fn)(PMIB_IPINTERFACE_ROW);
typedef NETIO_STATUS (WINAPI *guidtoluid_fn)(const GUID *, PNET_LUID);
typedef NETIO_STATUS (WINAPI *luidtoindex_fn)(const NET_LUID *,
    PNET_IFINDEX);

/* void (*)(void) converts to any function pointer type without warning. */
typedef void	(*anyfn)(void);
#define IPHLP(type, fn)	((type)iphlp_fn[(fn)])

static HMODULE	 iphlp_dll;
static anyfn	 iphlp_fn[FN_COUNT];

static int	 iphlp_need(const int *, size_t, char *, size_t);
static int	 reg_str(HKEY, const wchar_t *, const wchar_t *, wchar_t *,
		    DWORD);
static int	 to_utf8(const wchar_t *, char *, size_t);
static int	 tap_ioctl(HANDLE, DWORD, void *, DWORD, void *, DWORD,
		    DWORD *);
static int	 tap_open(struct netif *, const struct netif_conf *, char *,
		    size_t);
static int	 tap_media(struct netif *, int, char *, size_t);
static void	 tap_close(struct netif *);
static void	 to_sockinet(SOCKADDR_INET *, const struct netif_addr *);
static void	 from_sockinet(struct netif_addr *, const SOCKADDR_INET *);
static int	 iphlp_init(struct netif *, const struct netif_conf *,
		    void **, char *, size_t);
static int	 iphlp_best_route(void *, const struct netif_addr *,
		    struct netif_route *, char *, size_t);
static int	 iphlp_ifrow(const struct netif_change *,
		    MIB_IPINTERFACE_ROW *, char *, size_t);
static int	 iphlp_get(void *, const struct netif_change *,
		    struct netif_ifval *, char *, size_t);
static int	 iphlp_change(void *, const struct netif_change *, int,
		    char *, size_t);
static void	 iphlp_free(void *);

const struct netif_adapter_ops netif_tap_ops = {
	"tap-windows6", tap_open, tap_media, tap_close
};

const struct netif_ipcfg netif_ipcfg_iphlp = {
	"iphlpapi", iphlp_init, iphlp_best_route, iphlp_get, iphlp_change,
	iphlp_free
};

/*
 * Look up the IP Helper functions fns[] (FN_*).  Missing ones: -1, the
 * first named with what it is needed for, the others listed.
 */
static int
iphlp_need(const int *fns, size_t n, char *err, size_t errlen)
{
	char	 we[128];
	size_t	 i, missing = 0;
	int	 f;

	if (iphlp_dll == NULL &&
	    (iphlp_dll = LoadLibraryW(L"iphlpapi.dll")) == NULL) {
		(void)snprintf(err, errlen, "iphlpapi.dll: %s: cannot change "
		    "routes or interfaces", win_strerror_r(GetLastError(), we,
		    sizeof(we)));
		return (-1);
	}
	for (i = 0; i < n; i++) {
		f = fns[i];
		if (iphlp_fn[f] == NULL)
			iphlp_fn[f] = (anyfn)GetProcAddress(iphlp_dll,
			    iphlp_names[f].name);
		if (iphlp_fn[f] != NULL)
			continue;
		if (missing++ == 0)
			(void)snprintf(err, errlen, "iphlpapi.dll has no %s "
			    "(needs Windows Vista or later; Wine does not "
			    "implement it): cannot %s", iphlp_names[f].name,
			    iphlp_names[f].purpose);
		else {
			(void)strlcat(err, missing == 2 ? " (also missing: " :
			    ", ", errlen);
			(void)strlcat(err, iphlp_names[f].name, errlen);
		}
	}
	if (missing > 1)
		(void)strlcat(err, ")", errlen);
	return (missing > 0 ? -1 : 0);
}

/* Every function the IP Helper backend uses: it fails at start, or never. */
int
netif_iphlp_load(char *err, size_t errlen)
{
	int	 fns[FN_COUNT];
	size_t	 i;

	for (i = 0; i < FN_COUNT; i++)
		fns[i] = (int)i;
	return (iphlp_need(fns, FN_COUNT, err, errlen));
}

/* A REG_SZ value of key\sub; -1 if absent, too long or of another type. */
static int
reg_str(HKEY key, const wchar_t *sub, const wchar_t *value, wchar_t *buf,
    DWORD nchars)
{
	DWORD	 size = nchars * sizeof(wchar_t);

	if (RegGetValueW(key, sub, value, RRF_RT_REG_SZ, NULL, buf, &size) !=
	    ERROR_SUCCESS)
		return (-1);
	return (0);
}

static int
to_utf8(const wchar_t *w, char *buf, size_t len)
{
	if (WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)len, NULL,
	    NULL) == 0) {
		buf[0] = '\0';
		return (-1);
	}
	return (0);
}

/*
 * The network adapters of the registry: each subkey of the network class
 * with a ComponentId and a NetCfgInstanceId, and its connection name.
 * Subkeys that cannot be read (Properties) are not adapters: skipped.
 */
int
netif_tap_list(struct netif_adapter_entry *e, size_t max, size_t *n,
    char *err, size_t errlen)
{
	struct netif_adapter_entry	*x;
	HKEY				 cls;
	wchar_t				 sub[256], path[512], comp[64];
	wchar_t				 guid[40], name[256];
	char				 we[128];
	DWORD				 i, len;
	LSTATUS				 r;

	*n = 0;
	r = RegOpenKeyExW(HKEY_LOCAL_MACHINE, NETIF_CLASS_KEY, 0, KEY_READ,
	    &cls);
	if (r == ERROR_FILE_NOT_FOUND)		/* no adapter at all (Wine) */
		return (0);
	if (r != ERROR_SUCCESS) {
		(void)snprintf(err, errlen, "registry HKLM\\%ls: %s: cannot "
		    "list the network adapters", NETIF_CLASS_KEY,
		    win_strerror_r(r, we, sizeof(we)));
		return (-1);
	}
	for (i = 0;; i++) {
		len = nitems(sub);
		r = RegEnumKeyExW(cls, i, sub, &len, NULL, NULL, NULL, NULL);
		if (r == ERROR_NO_MORE_ITEMS)
			break;
		if (r == ERROR_MORE_DATA)	/* not an NNNN key */
			continue;
		if (r != ERROR_SUCCESS) {
			(void)snprintf(err, errlen, "registry HKLM\\%ls: %s: "
			    "cannot list the network adapters",
			    NETIF_CLASS_KEY, win_strerror_r(r, we, sizeof(we)));
			RegCloseKey(cls);
			return (-1);
		}
		if (reg_str(cls, sub, L"ComponentId", comp, nitems(comp)) ==
		    -1 || reg_str(cls, sub, L"NetCfgInstanceId", guid,
		    nitems(guid)) == -1)
			continue;
		if (*n == max) {
			log_warnx("more than %zu network adapters: the others "
			    "are not looked at", max);
			break;
		}
		x = &e[*n];
		memset(x, 0, sizeof(*x));
		if (to_utf8(comp, x->component, sizeof(x->component)) == -1 ||
		    to_utf8(guid, x->guid, sizeof(x->guid)) == -1)
			continue;
		(void)swprintf(path, nitems(path), L"%ls\\%ls\\Connection",
		    NETIF_NET_KEY, guid);
		if (reg_str(HKEY_LOCAL_MACHINE, path, L"Name", name,
		    nitems(name)) == -1 || to_utf8(name, x->name,
		    sizeof(x->name)) == -1)
			x->name[0] = '\0';
		(*n)++;
	}
	RegCloseKey(cls);
	return (0);
}

/* One IOCTL on the overlapped handle, waited for (TAP_IOCTL_MS at most). */
static int
tap_ioctl(HANDLE h, DWORD code, void *in, DWORD inlen, void *out,
    DWORD outlen, DWORD *got)
{
	OVERLAPPED	 ov;
	DWORD		 err = ERROR_SUCCESS;

	*got = 0;
	memset(&ov, 0, sizeof(ov));
	if ((ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL)
		return (-1);
	if (!DeviceIoControl(h, code, in, inlen, out, outlen, got, &ov)) {
		err = GetLastError();
		if (err == ERROR_IO_PENDING) {
			if (WaitForSingleObject(ov.hEvent, TAP_IOCTL_MS) !=
			    WAIT_OBJECT_0) {
				(void)CancelIoEx(h, &ov);
				(void)GetOverlappedResult(h, &ov, got, TRUE);
				err = WAIT_TIMEOUT;
			} else if (!GetOverlappedResult(h, &ov, got, FALSE))
				err = GetLastError();
			else
				err = ERROR_SUCCESS;
		}
	}
	CloseHandle(ov.hEvent);
	SetLastError(err);
	return (err == ERROR_SUCCESS ? 0 : -1);
}

static int
tap_open(struct netif *nif, const struct netif_conf *conf, char *err,
    size_t errlen)
{
	static const int		 fns[] = { FN_GUIDTOLUID,
					    FN_LUIDTOINDEX };
	struct netif_adapter_entry	*ents;
	wchar_t				 path[128], wguid[40];
	char				 we[128];
	const char			*hint;
	GUID				 g;
	NET_LUID			 luid;
	NET_IFINDEX			 index;
	ULONG				 ver[3], mtu;
	DWORD				 got, e;
	NETIO_STATUS			 st;
	size_t				 n, i;

	nif->dev = INVALID_HANDLE_VALUE;
	if (iphlp_need(fns, nitems(fns), err, errlen) == -1)
		return (-1);
	if ((ents = calloc(NETIF_ADAPTERS_MAX, sizeof(*ents))) == NULL) {
		(void)snprintf(err, errlen, "adapter list: out of memory");
		return (-1);
	}
	if (netif_tap_list(ents, NETIF_ADAPTERS_MAX, &n, err, errlen) == -1 ||
	    netif_adapter_pick(ents, n, conf->name, &i, err, errlen) == -1) {
		free(ents);
		return (-1);
	}
	(void)strlcpy(nif->guid, ents[i].guid, sizeof(nif->guid));
	(void)strlcpy(nif->name, ents[i].name, sizeof(nif->name));
	free(ents);
	if (netif_guid_parse(nif->guid, &g) == -1 ||
	    MultiByteToWideChar(CP_UTF8, 0, nif->guid, -1, wguid,
	    nitems(wguid)) == 0) {
		(void)snprintf(err, errlen, "adapter \"%s\": its "
		    "NetCfgInstanceId %s is not a GUID", nif->name, nif->guid);
		return (-1);
	}

	(void)swprintf(path, nitems(path), L"\\\\.\\Global\\%ls.tap", wguid);
	nif->dev = CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL,
	    OPEN_EXISTING, FILE_ATTRIBUTE_SYSTEM | FILE_FLAG_OVERLAPPED, NULL);
	if (nif->dev == INVALID_HANDLE_VALUE) {
		e = GetLastError();
		if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND)
			hint = " (is the adapter disabled, or its driver not "
			    "running?)";
		else if (e == ERROR_ACCESS_DENIED || e == ERROR_GEN_FAILURE ||
		    e == ERROR_SHARING_VIOLATION)
			hint = " (is another program, OpenVPN for one, using "
			    "it?)";
		else
			hint = "";
		(void)snprintf(err, errlen, "adapter \"%s\": cannot open "
		    "\\\\.\\Global\\%s.tap: %s%s", nif->name, nif->guid,
		    win_strerror_r(e, we, sizeof(we)), hint);
		return (-1);
	}

	memset(ver, 0, sizeof(ver));
	if (tap_ioctl(nif->dev, TAP_IOCTL_GET_VERSION, ver, sizeof(ver), ver,
	    sizeof(ver), &got) == -1) {
		(void)snprintf(err, errlen, "adapter \"%s\": TAP get version: "
		    "%s", nif->name, win_strerror_r(GetLastError(), we,
		    sizeof(we)));
		goto fail;
	}
	memcpy(nif->version, ver, sizeof(nif->version));
	if (tap_ioctl(nif->dev, TAP_IOCTL_GET_MAC, nif->mac, sizeof(nif->mac),
	    nif->mac, sizeof(nif->mac), &got) == -1 ||
	    got != sizeof(nif->mac)) {
		(void)snprintf(err, errlen, "adapter \"%s\": TAP get mac: %s",
		    nif->name, got != sizeof(nif->mac) && GetLastError() ==
		    ERROR_SUCCESS ? "short answer" : win_strerror_r(
		    GetLastError(), we, sizeof(we)));
		goto fail;
	}
	nif->mac_set = 1;
	mtu = 0;
	if (tap_ioctl(nif->dev, TAP_IOCTL_GET_MTU, &mtu, sizeof(mtu), &mtu,
	    sizeof(mtu), &got) == -1) {
		(void)snprintf(err, errlen, "adapter \"%s\": TAP get mtu: %s",
		    nif->name, win_strerror_r(GetLastError(), we, sizeof(we)));
		goto fail;
	}
	nif->devmtu = mtu;

	if ((st = IPHLP(guidtoluid_fn, FN_GUIDTOLUID)(&g, &luid)) !=
	    NO_ERROR) {
		(void)snprintf(err, errlen, "adapter \"%s\" %s: "
		    "ConvertInterfaceGuidToLuid: %s", nif->name, nif->guid,
		    win_strerror_r(st, we, sizeof(we)));
		goto fail;
	}
	if ((st = IPHLP(luidtoindex_fn, FN_LUIDTOINDEX)(&luid, &index)) !=
	    NO_ERROR) {
		(void)snprintf(err, errlen, "adapter \"%s\" %s: "
		    "ConvertInterfaceLuidToIndex: %s", nif->name, nif->guid,
		    win_strerror_r(st, we, sizeof(we)));
		goto fail;
	}
	nif->luid = luid.Value;
	nif->ifindex = index;
	log_info("adapter \"%s\" %s: tap-windows6 driver %lu.%lu%s",
	    nif->name, nif->guid, (unsigned long)ver[0],
	    (unsigned long)ver[1], ver[2] ? " (debug)" : "");
	return (0);

fail:
	CloseHandle(nif->dev);
	nif->dev = INVALID_HANDLE_VALUE;
	return (-1);
}

static int
tap_media(struct netif *nif, int connected, char *err, size_t errlen)
{
	ULONG	 status = connected ? 1 : 0;
	DWORD	 got;
	char	 we[128];

	if (tap_ioctl(nif->dev, TAP_IOCTL_SET_MEDIA_STATUS, &status,
	    sizeof(status), &status, sizeof(status), &got) == -1) {
		(void)snprintf(err, errlen, "adapter \"%s\": TAP media %s: %s",
		    nif->name, connected ? "connected" : "disconnected",
		    win_strerror_r(GetLastError(), we, sizeof(we)));
		return (-1);
	}
	return (0);
}

static void
tap_close(struct netif *nif)
{
	if (nif->dev != INVALID_HANDLE_VALUE && nif->dev != NULL)
		CloseHandle(nif->dev);
	nif->dev = INVALID_HANDLE_VALUE;
}

static void
to_sockinet(SOCKADDR_INET *s, const struct netif_addr *a)
{
	memset(s, 0, sizeof(*s));
	if (a->family == AF_INET) {
		s->Ipv4.sin_family = AF_INET;
		memcpy(&s->Ipv4.sin_addr, a->a, 4);
	} else if (a->family == AF_INET6) {
		s->Ipv6.sin6_family = AF_INET6;
		memcpy(&s->Ipv6.sin6_addr, a->a, 16);
	}
}

static void
from_sockinet(struct netif_addr *a, const SOCKADDR_INET *s)
{
	memset(a, 0, sizeof(*a));
	if (s->si_family == AF_INET) {
		a->family = AF_INET;
		memcpy(a->a, &s->Ipv4.sin_addr, 4);
	} else if (s->si_family == AF_INET6) {
		a->family = AF_INET6;
		memcpy(a->a, &s->Ipv6.sin6_addr, 16);
	}
}

/* No state: the functions are process-wide, checked here all at once. */
static int
iphlp_init(struct netif *nif, const struct netif_conf *conf, void **ctx,
    char *err, size_t errlen)
{
	(void)nif;
	(void)conf;
	*ctx = NULL;
	return (netif_iphlp_load(err, errlen));
}

static int
iphlp_best_route(void *ctx, const struct netif_addr *dst,
    struct netif_route *r, char *err, size_t errlen)
{
	MIB_IPFORWARD_ROW2	 row;
	SOCKADDR_INET		 to, src;
	NETIO_STATUS		 st;
	char			 a[INET6_ADDRSTRLEN], we[128];

	(void)ctx;
	to_sockinet(&to, dst);
	memset(&row, 0, sizeof(row));
	memset(&src, 0, sizeof(src));
	st = IPHLP(getbestroute2_fn, FN_GETBESTROUTE2)(NULL, 0, NULL, &to, 0,
	    &row, &src);
	if (st != NO_ERROR) {
		(void)snprintf(err, errlen, "no route to the relay %s: "
		    "GetBestRoute2: %s", netif_addr_str(dst, a, sizeof(a)),
		    win_strerror_r(st, we, sizeof(we)));
		return (-1);
	}
	memset(r, 0, sizeof(*r));
	from_sockinet(&r->nexthop, &row.NextHop);
	if (r->nexthop.family == AF_UNSPEC)
		r->nexthop.family = dst->family;
	r->luid = row.InterfaceLuid.Value;
	r->ifindex = row.InterfaceIndex;
	return (0);
}

/* The interface's row for the change's family, read now. */
static int
iphlp_ifrow(const struct netif_change *ch, MIB_IPINTERFACE_ROW *row,
    char *err, size_t errlen)
{
	NETIO_STATUS	 st;
	char		 we[128];

	IPHLP(initipif_fn, FN_INITIPIF)(row);
	row->Family = (ADDRESS_FAMILY)ch->family;
	row->InterfaceLuid.Value = ch->luid;
	row->InterfaceIndex = ch->ifindex;
	st = IPHLP(ipif_fn, FN_GETIPIF)(row);
	if (st == ERROR_NOT_FOUND)
		return (1);
	if (st != NO_ERROR) {
		(void)snprintf(err, errlen, "GetIpInterfaceEntry: %s",
		    win_strerror_r(st, we, sizeof(we)));
		return (-1);
	}
	return (0);
}

static int
iphlp_get(void *ctx, const struct netif_change *ch, struct netif_ifval *v,
    char *err, size_t errlen)
{
	MIB_IPINTERFACE_ROW	 row;
	int			 r;

	(void)ctx;
	if ((r = iphlp_ifrow(ch, &row, err, errlen)) != 0)
		return (r);
	memset(v, 0, sizeof(*v));
	if (ch->op == NETIF_OP_METRIC) {
		v->automatic = row.UseAutomaticMetric != FALSE;
		v->value = row.Metric;
	} else
		v->value = row.NlMtu;
	return (0);
}

static int
iphlp_change(void *ctx, const struct netif_change *ch, int undo, char *err,
    size_t errlen)
{
	MIB_IPFORWARD_ROW2		 fwd;
	MIB_IPINTERFACE_ROW		 row;
	const struct netif_ifval	*v = undo ? &ch->was : &ch->want;
	NETIO_STATUS			 st;
	char				 we[128];
	int				 r;

	(void)ctx;
	if (ch->op == NETIF_OP_ROUTE) {
		IPHLP(initforward_fn, FN_INITFORWARD)(&fwd);
		fwd.InterfaceLuid.Value = ch->luid;
		fwd.InterfaceIndex = ch->ifindex;
		to_sockinet(&fwd.DestinationPrefix.Prefix, &ch->dst);
		fwd.DestinationPrefix.PrefixLength =
		    ch->dst.family == AF_INET ? 32 : 128;
		to_sockinet(&fwd.NextHop, &ch->nexthop);
		fwd.SitePrefixLength = 0;
		fwd.Metric = 0;
		fwd.Protocol = MIB_IPPROTO_NETMGMT;
		if (undo) {
			st = IPHLP(forward2_fn, FN_DELETEFORWARD2)(&fwd);
			if (st != NO_ERROR) {
				(void)snprintf(err, errlen,
				    "DeleteIpForwardEntry2: %s",
				    win_strerror_r(st, we, sizeof(we)));
				return (-1);
			}
			return (0);
		}
		st = IPHLP(forward2_fn, FN_CREATEFORWARD2)(&fwd);
		if (st == ERROR_OBJECT_ALREADY_EXISTS)
			return (1);
		if (st != NO_ERROR) {
			(void)snprintf(err, errlen, "CreateIpForwardEntry2: %s",
			    win_strerror_r(st, we, sizeof(we)));
			return (-1);
		}
		return (0);
	}

	if ((r = iphlp_ifrow(ch, &row, err, errlen)) == -1)
		return (-1);
	if (r == 1) {
		(void)snprintf(err, errlen, "GetIpInterfaceEntry: the "
		    "interface has no %s", ch->family == AF_INET ? "IPv4" :
		    "IPv6");
		return (-1);
	}
	if (ch->op == NETIF_OP_METRIC) {
		row.UseAutomaticMetric = v->automatic ? TRUE : FALSE;
		row.Metric = v->value;
	} else
		row.NlMtu = v->value;
	/* SetIpInterfaceEntry rejects an IPv4 row with one. */
	if (row.Family == AF_INET)
		row.SitePrefixLength = 0;
	if ((st = IPHLP(ipif_fn, FN_SETIPIF)(&row)) != NO_ERROR) {
		(void)snprintf(err, errlen, "SetIpInterfaceEntry: %s",
		    win_strerror_r(st, we, sizeof(we)));
		return (-1);
	}
	return (0);
}

static void
iphlp_free(void *ctx)
{
	(void)ctx;
}
