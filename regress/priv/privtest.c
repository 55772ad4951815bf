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
 * The privileged operations against real kernel objects.  Run as root
 * inside a network namespace that regress/priv/priv.sh prepared:
 *
 *	privtest packet IF PEER	IF and PEER: the two ends of a veth pair
 *	privtest packet-bad TUN	TUN: a tun (not tap) device
 *	privtest tap NAME	NAME: no such interface yet
 *	privtest route DEV	DEV: 198.18.9.2/24, default via 198.18.9.1,
 *				2001:2:0:9::2/64, default via 2001:2:0:9::1
 *	privtest udp		198.18.3.1 and 2001:2::3 are local
 *
 * Every check prints "ok NAME" or "FAIL NAME: why"; the exit status is
 * the number of failures (at most 100).
 */

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "ether.h"
#include "priv.h"

#define TEST_ETHERTYPE	ETHERTYPE_LOCAL_EXP1
#define TEST_MAGIC	"softlan-privtest"

static int	 nfail;
static int	 npass;

static void	 check(const char *, int, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static int	 contains(const char *, const char *);
static int	 sysfs_read(const char *, const char *, char *, size_t);
static unsigned long sysfs_ulong(const char *, const char *);
static int	 sysfs_mac(const char *, struct ether_mac *);
static int	 fd_count(void);
static long	 now_ms(void);
static int	 raw_open(const char *);
static size_t	 frame_build(uint8_t *, size_t, const struct ether_mac *,
		    const struct ether_mac *, int);
static int	 frame_match(const uint8_t *, ssize_t, int);
static int	 frame_wait(int, int, int, int, int *, int *);
static int	 cmd_out(char *, size_t, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static int	 have_addr(const char *, int, const char *, unsigned int,
		    const char *);
static void	 sin_set(struct sockaddr_in *, const char *, int);
static void	 sin6_set(struct sockaddr_in6 *, const char *, int);
static void	 test_packet(const char *, const char *);
static void	 test_packet_bad(const char *);
static void	 test_tap(const char *);
static void	 test_tap_addr(const char *);
static void	 test_route(const char *);
static void	 test_udp(void);

static void
check(const char *name, int ok, const char *fmt, ...)
{
	va_list		 ap;

	if (ok) {
		printf("ok %s\n", name);
		npass++;
	} else {
		printf("FAIL %s: ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
		nfail++;
	}
	fflush(stdout);
}

static int
contains(const char *s, const char *sub)
{
	return (s != NULL && strstr(s, sub) != NULL);
}

static int
sysfs_read(const char *ifname, const char *attr, char *buf, size_t sz)
{
	char	 path[256];
	FILE	*f;

	buf[0] = '\0';
	(void)snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname,
	    attr);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	if (fgets(buf, (int)sz, f) == NULL) {
		fclose(f);
		return (-1);
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return (0);
}

static unsigned long
sysfs_ulong(const char *ifname, const char *attr)
{
	char	 buf[64], *end;

	if (sysfs_read(ifname, attr, buf, sizeof(buf)) == -1)
		return (~0UL);
	return (strtoul(buf, &end, 0));
}

static int
sysfs_mac(const char *ifname, struct ether_mac *mac)
{
	char	 buf[64];

	if (sysfs_read(ifname, "address", buf, sizeof(buf)) == -1)
		return (-1);
	return (ether_mac_parse(buf, mac));
}

static int
fd_count(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return (n);
}

static long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* A plain packet socket on ifname: the "other side" of each test. */
static int
raw_open(const char *ifname)
{
	struct sockaddr_ll	 sll;
	int			 fd;

	if ((fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    htons(ETH_P_ALL))) == -1)
		return (-1);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

static size_t
frame_build(uint8_t *buf, size_t sz, const struct ether_mac *dst,
    const struct ether_mac *src, int tag)
{
	size_t	 len = ETHER_MIN_FRAME;

	memset(buf, 0, sz);
	memcpy(buf, dst->octet, ETHER_ADDR_LEN);
	memcpy(buf + 6, src->octet, ETHER_ADDR_LEN);
	buf[12] = TEST_ETHERTYPE >> 8;
	buf[13] = TEST_ETHERTYPE & 0xff;
	memcpy(buf + 14, TEST_MAGIC, sizeof(TEST_MAGIC) - 1);
	buf[14 + sizeof(TEST_MAGIC) - 1] = (uint8_t)tag;
	return (len);
}

static int
frame_match(const uint8_t *buf, ssize_t n, int tag)
{
	if (n < (ssize_t)(14 + sizeof(TEST_MAGIC)))
		return (0);
	if (buf[12] != (TEST_ETHERTYPE >> 8) ||
	    buf[13] != (TEST_ETHERTYPE & 0xff))
		return (0);
	if (memcmp(buf + 14, TEST_MAGIC, sizeof(TEST_MAGIC) - 1) != 0)
		return (0);
	return (buf[14 + sizeof(TEST_MAGIC) - 1] == (uint8_t)tag);
}

/*
 * Read frames from fd for at most ms milliseconds until one carries tag.
 * With sock, recvmsg() is used: *aux says whether PACKET_AUXDATA came
 * along and every frame's ifindex must be ifindex (else *foreign counts
 * it).  Without sock, read() (a TAP fd).
 */
static int
frame_wait(int fd, int tag, int ms, int sock, int *aux, int *foreign)
{
	uint8_t			 buf[2048];
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(
				    sizeof(struct tpacket_auxdata))];
	}			 cbuf;
	struct sockaddr_ll	 sll;
	struct msghdr		 msg;
	struct iovec		 iov;
	struct cmsghdr		*cm;
	struct pollfd		 pfd;
	long			 deadline = now_ms() + ms, left;
	ssize_t			 n;
	int			 ifindex = foreign != NULL ? *foreign : 0;

	if (foreign != NULL)
		*foreign = 0;
	while ((left = deadline - now_ms()) > 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if (!sock) {
			if ((n = read(fd, buf, sizeof(buf))) == -1)
				continue;
			if (frame_match(buf, n, tag))
				return (1);
			continue;
		}
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		msg.msg_name = &sll;
		msg.msg_namelen = sizeof(sll);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		if ((n = recvmsg(fd, &msg, 0)) == -1)
			continue;
		if (foreign != NULL && ifindex != 0 &&
		    sll.sll_ifindex != ifindex)
			(*foreign)++;
		if (!frame_match(buf, n, tag))
			continue;
		if (aux != NULL) {
			*aux = 0;
			for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
			    cm = CMSG_NXTHDR(&msg, cm))
				if (cm->cmsg_level == SOL_PACKET &&
				    cm->cmsg_type == PACKET_AUXDATA)
					*aux = 1;
		}
		return (1);
	}
	return (0);
}

/* Run a shell command, keep its first sz - 1 bytes of output. */
static int
cmd_out(char *buf, size_t sz, const char *fmt, ...)
{
	char	 cmd[512];
	va_list	 ap;
	FILE	*p;
	size_t	 n;

	va_start(ap, fmt);
	(void)vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	buf[0] = '\0';
	if ((p = popen(cmd, "r")) == NULL)
		return (-1);
	n = fread(buf, 1, sz - 1, p);
	buf[n] = '\0';
	return (pclose(p));
}

/* Is addr/plen (and brd, if given) configured on ifname? */
static int
have_addr(const char *ifname, int af, const char *addr, unsigned int plen,
    const char *brd)
{
	struct ifaddrs	*ifap, *ifa;
	char		 a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const uint8_t	*m;
	unsigned int	 bits, i, mlen;
	int		 found = 0;

	if (getifaddrs(&ifap) == -1)
		return (0);
	for (ifa = ifap; ifa != NULL; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL || ifa->ifa_netmask == NULL ||
		    ifa->ifa_addr->sa_family != af ||
		    strcmp(ifa->ifa_name, ifname) != 0)
			continue;
		if (af == AF_INET) {
			inet_ntop(af, &((struct sockaddr_in *)
			    ifa->ifa_addr)->sin_addr, a, sizeof(a));
			m = (const uint8_t *)&((struct sockaddr_in *)
			    ifa->ifa_netmask)->sin_addr;
			mlen = 4;
		} else {
			inet_ntop(af, &((struct sockaddr_in6 *)
			    ifa->ifa_addr)->sin6_addr, a, sizeof(a));
			m = (const uint8_t *)&((struct sockaddr_in6 *)
			    ifa->ifa_netmask)->sin6_addr;
			mlen = 16;
		}
		for (bits = 0, i = 0; i < mlen; i++)
			bits += (unsigned int)__builtin_popcount(m[i]);
		if (strcmp(a, addr) != 0 || bits != plen)
			continue;
		if (brd != NULL) {
			if (ifa->ifa_broadaddr == NULL)
				continue;
			inet_ntop(AF_INET, &((struct sockaddr_in *)
			    ifa->ifa_broadaddr)->sin_addr, b, sizeof(b));
			if (strcmp(b, brd) != 0)
				continue;
		}
		found = 1;
	}
	freeifaddrs(ifap);
	return (found);
}

static void
sin_set(struct sockaddr_in *sin, const char *addr, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "bad test address %s\n", addr);
		exit(100);
	}
}

static void
sin6_set(struct sockaddr_in6 *sin6, const char *addr, int port)
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1) {
		fprintf(stderr, "bad test address %s\n", addr);
		exit(100);
	}
}

static void
test_packet(const char *ifname, const char *peer)
{
	struct priv_packet_info	 info;
	struct ether_mac	 mac, peermac;
	uint8_t			 frame[128];
	char			 err[PRIV_ERRLEN];
	socklen_t		 optlen;
	size_t			 len;
	int			 fd, pfd, spy, v, aux = 0, foreign;

	memset(err, 0, sizeof(err));
	fd = priv_packet_open(ifname, &info, err, sizeof(err));
	check("packet_open", fd != -1, "%s", err);
	if (fd == -1)
		return;
	check("packet_ifindex", info.ifindex == (int)if_nametoindex(ifname),
	    "ifindex %d, want %u", info.ifindex, if_nametoindex(ifname));
	check("packet_mtu", info.mtu == sysfs_ulong(ifname, "mtu") &&
	    info.mtu == 1400, "mtu %u, sysfs %lu, want 1400", info.mtu,
	    sysfs_ulong(ifname, "mtu"));
	check("packet_mac", sysfs_mac(ifname, &mac) == 0 &&
	    ether_mac_eq(&mac, &info.hwaddr), "mac %s, sysfs %s",
	    ether_mac_str(&info.hwaddr), ether_mac_str(&mac));
	check("packet_nonblock", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0,
	    "not O_NONBLOCK");
	check("packet_cloexec", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0,
	    "not FD_CLOEXEC");
	check("packet_promisc", (sysfs_ulong(ifname, "flags") & IFF_PROMISC)
	    != 0, "flags %#lx lack IFF_PROMISC", sysfs_ulong(ifname, "flags"));
	v = 0;
	optlen = sizeof(v);
	check("packet_auxdata", getsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &v,
	    &optlen) == 0 && v == 1, "PACKET_AUXDATA %d", v);
	v = 0;
	optlen = sizeof(v);
	check("packet_ignore_outgoing", info.ignore_outgoing == 1 &&
	    getsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &v,
	    &optlen) == 0 && v == 1, "info %d, sockopt %d",
	    info.ignore_outgoing, v);
	check("packet_gro_disabled", info.gro == PRIV_OFFLOAD_DISABLED,
	    "gro %d (%s)", info.gro, info.offload_err);
	/* veth has LRO fixed off. */
	check("packet_lro_off", info.lro == PRIV_OFFLOAD_OFF &&
	    info.offload_err[0] == '\0', "lro %d (%s)", info.lro,
	    info.offload_err);

	if ((pfd = raw_open(peer)) == -1 || (spy = raw_open(ifname)) == -1 ||
	    sysfs_mac(peer, &peermac) == -1) {
		check("packet_peer", 0, "cannot open peer sockets: %s",
		    strerror(errno));
		close(fd);
		return;
	}

	/* Our frame leaves by ifname and arrives at the peer. */
	len = frame_build(frame, sizeof(frame), &peermac, &info.hwaddr, 1);
	check("packet_tx_write", write(fd, frame, len) == (ssize_t)len,
	    "write: %s", strerror(errno));
	check("packet_tx", frame_wait(pfd, 1, 2000, 1, NULL, NULL),
	    "frame not seen on %s", peer);
	/* A plain socket on ifname sees it as outgoing; ours must not. */
	check("packet_tx_spy", frame_wait(spy, 1, 1000, 1, NULL, NULL),
	    "outgoing frame not seen by a plain socket on %s", ifname);
	foreign = info.ifindex;
	check("packet_no_loopback", !frame_wait(fd, 1, 300, 1, NULL,
	    &foreign), "own frame read back");
	/*
	 * The kernel never loops a frame back to the socket that sent it;
	 * PACKET_IGNORE_OUTGOING is about everybody else's outgoing frames.
	 */
	len = frame_build(frame, sizeof(frame), &peermac, &info.hwaddr, 5);
	check("packet_other_tx_write", write(spy, frame, len) ==
	    (ssize_t)len, "write: %s", strerror(errno));
	check("packet_other_tx", frame_wait(pfd, 5, 2000, 1, NULL, NULL),
	    "frame not seen on %s", peer);
	check("packet_ignore_other_outgoing", !frame_wait(fd, 5, 300, 1,
	    NULL, NULL), "outgoing frame of another socket read");

	/* The peer's frame arrives on fd, with PACKET_AUXDATA. */
	len = frame_build(frame, sizeof(frame), &info.hwaddr, &peermac, 2);
	check("packet_rx_write", write(pfd, frame, len) == (ssize_t)len,
	    "write: %s", strerror(errno));
	foreign = info.ifindex;
	check("packet_rx", frame_wait(fd, 2, 2000, 1, &aux, &foreign),
	    "frame from %s not read", peer);
	check("packet_rx_auxdata", aux == 1, "no PACKET_AUXDATA cmsg");
	check("packet_rx_only_ifindex", foreign == 0,
	    "%d frames from other interfaces", foreign);

	close(spy);
	close(pfd);
	close(fd);
	check("packet_promisc_released", (sysfs_ulong(ifname, "flags") &
	    IFF_PROMISC) == 0, "flags %#lx still IFF_PROMISC after close",
	    sysfs_ulong(ifname, "flags"));
}

static void
test_packet_bad(const char *tun)
{
	struct priv_packet_info	 info;
	char			 err[PRIV_ERRLEN], want[64];
	int			 before, fd;

	before = fd_count();

	fd = priv_packet_open("lo", &info, err, sizeof(err));
	check("packet_lo", fd == -1 && contains(err, "interface lo:") &&
	    contains(err, "not Ethernet") &&
	    contains(err, "ARPHRD_LOOPBACK 772"), "fd %d, err \"%s\"", fd,
	    err);

	fd = priv_packet_open(tun, &info, err, sizeof(err));
	(void)snprintf(want, sizeof(want), "interface %s:", tun);
	check("packet_tun", fd == -1 && contains(err, want) &&
	    contains(err, "not Ethernet") && contains(err, "65534"),
	    "fd %d, err \"%s\"", fd, err);

	fd = priv_packet_open("nosuch0", &info, err, sizeof(err));
	check("packet_missing", fd == -1 &&
	    contains(err, "interface nosuch0: no such interface"),
	    "fd %d, err \"%s\"", fd, err);

	fd = priv_packet_open("", &info, err, sizeof(err));
	check("packet_empty_name", fd == -1 && contains(err, "empty"),
	    "fd %d, err \"%s\"", fd, err);
	fd = priv_packet_open(NULL, &info, err, sizeof(err));
	check("packet_null_name", fd == -1 && contains(err, "empty"),
	    "fd %d, err \"%s\"", fd, err);
	fd = priv_packet_open("abcdefghijklmnop", &info, err, sizeof(err));
	check("packet_long_name", fd == -1 && contains(err, "longer than 15"),
	    "fd %d, err \"%s\"", fd, err);
	fd = priv_packet_open("abcdefghijklmno", &info, err, sizeof(err));
	check("packet_15_chars_ok", fd == -1 &&
	    contains(err, "no such interface"), "fd %d, err \"%s\"", fd, err);
	fd = priv_packet_open("a/b", &info, err, sizeof(err));
	check("packet_slash_name", fd == -1 && contains(err, "'/'"),
	    "fd %d, err \"%s\"", fd, err);
	fd = priv_packet_open("a\tb", &info, err, sizeof(err));
	check("packet_ctrl_name", fd == -1 && contains(err, "not printable"),
	    "fd %d, err \"%s\"", fd, err);
	fd = priv_packet_open("..", &info, err, sizeof(err));
	check("packet_dotdot_name", fd == -1 && contains(err, "invalid name"),
	    "fd %d, err \"%s\"", fd, err);
	fd = priv_packet_open("lo", NULL, err, sizeof(err));
	check("packet_null_info", fd == -1 && contains(err, "no info"),
	    "fd %d, err \"%s\"", fd, err);
	fd = priv_packet_open("lo", &info, NULL, 0);
	check("packet_null_err", fd == -1, "fd %d", fd);
	memset(err, 'x', sizeof(err));
	fd = priv_packet_open("nosuch0", &info, err, 8);
	check("packet_short_err", fd == -1 && strlen(err) == 7,
	    "err not truncated to 7: %zu", strnlen(err, sizeof(err)));

	check("packet_no_fd_leak", fd_count() == before, "%d fds, before %d",
	    fd_count(), before);
}

static void
test_tap(const char *name)
{
	struct ether_mac	 mac, got, peer;
	uint8_t			 frame[128];
	char			 err[PRIV_ERRLEN];
	size_t			 len;
	long			 deadline;
	int			 fd, fd2, rfd, ok;

	(void)ether_mac_parse("02:5e:10:00:00:01", &mac);
	(void)ether_mac_parse("02:5e:10:00:00:02", &peer);

	memset(err, 0, sizeof(err));
	fd = priv_tap_open(name, &mac, 1400, err, sizeof(err));
	check("tap_open", fd != -1, "%s", err);
	if (fd == -1)
		return;
	check("tap_mac", sysfs_mac(name, &got) == 0 && ether_mac_eq(&got,
	    &mac), "address %s", ether_mac_str(&got));
	check("tap_mtu", sysfs_ulong(name, "mtu") == 1400, "mtu %lu",
	    sysfs_ulong(name, "mtu"));
	check("tap_up", (sysfs_ulong(name, "flags") & IFF_UP) != 0,
	    "flags %#lx", sysfs_ulong(name, "flags"));
	check("tap_kind", sysfs_ulong(name, "tun_flags") ==
	    (IFF_TAP | IFF_NO_PI), "tun_flags %#lx",
	    sysfs_ulong(name, "tun_flags"));
	check("tap_nonblock", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0,
	    "not O_NONBLOCK");
	check("tap_cloexec", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0,
	    "not FD_CLOEXEC");

	fd2 = priv_tap_open(name, &mac, 1400, err, sizeof(err));
	check("tap_busy", fd2 == -1 && contains(err, name) &&
	    contains(err, "TUNSETIFF"), "fd %d, err \"%s\"", fd2, err);

	if ((rfd = raw_open(name)) == -1) {
		check("tap_raw", 0, "packet socket on %s: %s", name,
		    strerror(errno));
	} else {
		/* TAP fd -> kernel side of the TAP. */
		len = frame_build(frame, sizeof(frame), &mac, &peer, 3);
		check("tap_to_kernel_write", write(fd, frame, len) ==
		    (ssize_t)len, "write: %s", strerror(errno));
		check("tap_to_kernel", frame_wait(rfd, 3, 2000, 1, NULL,
		    NULL), "frame not seen on %s", name);
		/* Kernel side -> TAP fd. */
		len = frame_build(frame, sizeof(frame), &peer, &mac, 4);
		check("kernel_to_tap_write", write(rfd, frame, len) ==
		    (ssize_t)len, "write: %s", strerror(errno));
		check("kernel_to_tap", frame_wait(fd, 4, 2000, 0, NULL,
		    NULL), "frame not read from the TAP fd");
		close(rfd);
	}

	/* MTU bounds, on open and on change; nothing is created. */
	fd2 = priv_tap_open("slt9", &mac, 575, err, sizeof(err));
	check("tap_mtu_575", fd2 == -1 && contains(err, "interface slt9") &&
	    contains(err, "MTU 575"), "fd %d, err \"%s\"", fd2, err);
	fd2 = priv_tap_open("slt9", &mac, 1501, err, sizeof(err));
	check("tap_mtu_1501", fd2 == -1 && contains(err, "MTU 1501"),
	    "fd %d, err \"%s\"", fd2, err);
	check("tap_mtu_refused_nothing_created", if_nametoindex("slt9") == 0,
	    "slt9 exists");
	fd2 = priv_tap_open("slt9", &mac, 576, err, sizeof(err));
	check("tap_mtu_576", fd2 != -1 && sysfs_ulong("slt9", "mtu") == 576,
	    "fd %d, err \"%s\"", fd2, err);
	if (fd2 != -1)
		close(fd2);

	check("tap_set_mtu", priv_tap_set_mtu(name, 1280, err, sizeof(err))
	    == 0 && sysfs_ulong(name, "mtu") == 1280, "err \"%s\", mtu %lu",
	    err, sysfs_ulong(name, "mtu"));
	check("tap_set_mtu_1501", priv_tap_set_mtu(name, 1501, err,
	    sizeof(err)) == -1 && contains(err, "MTU 1501") &&
	    sysfs_ulong(name, "mtu") == 1280, "err \"%s\"", err);
	check("tap_set_mtu_575", priv_tap_set_mtu(name, 575, err,
	    sizeof(err)) == -1 && contains(err, "MTU 575"), "err \"%s\"", err);
	check("tap_set_mtu_not_tap", priv_tap_set_mtu("lo", 1400, err,
	    sizeof(err)) == -1 && contains(err, "interface lo: not a TAP"),
	    "err \"%s\"", err);
	check("tap_set_mtu_missing", priv_tap_set_mtu("nosuch0", 1400, err,
	    sizeof(err)) == -1 && contains(err, "no such interface"),
	    "err \"%s\"", err);

	/* Bad arguments. */
	(void)ether_mac_parse("01:00:5e:00:00:01", &got);
	fd2 = priv_tap_open("slt8", &got, 1400, err, sizeof(err));
	check("tap_multicast_mac", fd2 == -1 && contains(err, "MAC") &&
	    contains(err, "01:00:5e:00:00:01"), "fd %d, err \"%s\"", fd2, err);
	memset(&got, 0, sizeof(got));
	fd2 = priv_tap_open("slt8", &got, 1400, err, sizeof(err));
	check("tap_zero_mac", fd2 == -1 && contains(err, "MAC"),
	    "fd %d, err \"%s\"", fd2, err);
	fd2 = priv_tap_open("slt8", NULL, 1400, err, sizeof(err));
	check("tap_null_mac", fd2 == -1 && contains(err, "no MAC"),
	    "fd %d, err \"%s\"", fd2, err);
	fd2 = priv_tap_open("slt%d", &mac, 1400, err, sizeof(err));
	check("tap_percent_name", fd2 == -1 && contains(err, "'%'"),
	    "fd %d, err \"%s\"", fd2, err);
	fd2 = priv_tap_open("a/b", &mac, 1400, err, sizeof(err));
	check("tap_slash_name", fd2 == -1 && contains(err, "'/'"),
	    "fd %d, err \"%s\"", fd2, err);
	check("tap_bad_nothing_created", if_nametoindex("slt8") == 0,
	    "slt8 exists");
	fd2 = priv_tap_open("lo", &mac, 1400, err, sizeof(err));
	check("tap_existing_lo", fd2 == -1 && contains(err, "interface lo:") &&
	    sysfs_ulong("lo", "mtu") == 65536, "fd %d, err \"%s\", lo mtu %lu",
	    fd2, err, sysfs_ulong("lo", "mtu"));

	test_tap_addr(name);

	/* Not persistent: it goes away with the last fd. */
	close(fd);
	deadline = now_ms() + 2000;
	while (!(ok = (if_nametoindex(name) == 0)) && now_ms() < deadline)
		usleep(20000);
	check("tap_gone_on_close", ok, "%s still exists", name);
}

static void
test_tap_addr(const char *name)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sockaddr_un	 sun;
	char			 err[PRIV_ERRLEN];

	sin_set(&sin, "198.18.5.1", 0);
	check("tap_addr4", priv_tap_set_addr(name, (struct sockaddr *)&sin,
	    24, err, sizeof(err)) == 0 && have_addr(name, AF_INET,
	    "198.18.5.1", 24, "198.18.5.255"), "err \"%s\"", err);
	check("tap_addr4_again", priv_tap_set_addr(name,
	    (struct sockaddr *)&sin, 24, err, sizeof(err)) == 0,
	    "err \"%s\"", err);
	sin_set(&sin, "198.18.6.1", 0);
	check("tap_addr4_p32", priv_tap_set_addr(name,
	    (struct sockaddr *)&sin, 32, err, sizeof(err)) == 0 &&
	    have_addr(name, AF_INET, "198.18.6.1", 32, NULL), "err \"%s\"",
	    err);
	check("tap_addr4_p33", priv_tap_set_addr(name,
	    (struct sockaddr *)&sin, 33, err, sizeof(err)) == -1 &&
	    contains(err, "prefix length 33"), "err \"%s\"", err);
	check("tap_addr4_p0", priv_tap_set_addr(name,
	    (struct sockaddr *)&sin, 0, err, sizeof(err)) == -1 &&
	    contains(err, "prefix length 0"), "err \"%s\"", err);
	sin_set(&sin, "224.0.0.1", 0);
	check("tap_addr4_multicast", priv_tap_set_addr(name,
	    (struct sockaddr *)&sin, 24, err, sizeof(err)) == -1 &&
	    contains(err, "224.0.0.1: not a unicast"), "err \"%s\"", err);

	sin6_set(&sin6, "2001:2::5", 0);
	check("tap_addr6", priv_tap_set_addr(name, (struct sockaddr *)&sin6,
	    64, err, sizeof(err)) == 0 && have_addr(name, AF_INET6,
	    "2001:2::5", 64, NULL), "err \"%s\"", err);
	check("tap_addr6_p129", priv_tap_set_addr(name,
	    (struct sockaddr *)&sin6, 129, err, sizeof(err)) == -1 &&
	    contains(err, "prefix length 129"), "err \"%s\"", err);
	sin6_set(&sin6, "::", 0);
	check("tap_addr6_unspec", priv_tap_set_addr(name,
	    (struct sockaddr *)&sin6, 64, err, sizeof(err)) == -1 &&
	    contains(err, "not a unicast"), "err \"%s\"", err);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	check("tap_addr_family", priv_tap_set_addr(name,
	    (struct sockaddr *)&sun, 24, err, sizeof(err)) == -1 &&
	    contains(err, "family 1"), "err \"%s\"", err);
	check("tap_addr_null", priv_tap_set_addr(name, NULL, 24, err,
	    sizeof(err)) == -1 && contains(err, "no address"),
	    "err \"%s\"", err);
	sin_set(&sin, "198.18.7.1", 0);
	check("tap_addr_not_tap", priv_tap_set_addr("lo",
	    (struct sockaddr *)&sin, 24, err, sizeof(err)) == -1 &&
	    contains(err, "not a TAP") && !have_addr("lo", AF_INET,
	    "198.18.7.1", 24, NULL), "err \"%s\"", err);
}

static void
test_route(const char *dev)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sockaddr_un	 sun;
	char			 err[PRIV_ERRLEN], out[1024], want[128];
	char			 def4[1024], def6[1024], now[1024];
	int			 rc;

	cmd_out(def4, sizeof(def4), "ip -o -4 route show default");
	cmd_out(def6, sizeof(def6), "ip -o -6 route show default");
	check("route_setup", contains(def4, "via 198.18.9.1") &&
	    contains(def6, "via 2001:2:0:9::1"), "defaults \"%s\" \"%s\"",
	    def4, def6);
	(void)snprintf(want, sizeof(want), "via 198.18.9.1 dev %s", dev);

	sin_set(&sin, "198.19.200.7", 0);
	rc = priv_route_pin((struct sockaddr *)&sin, err, sizeof(err));
	check("route_pin", rc == 0, "rc %d, err \"%s\"", rc, err);
	cmd_out(out, sizeof(out),
	    "ip -o -4 route show table main exact 198.19.200.7/32");
	check("route_pin_present", contains(out, want), "route \"%s\"", out);
	rc = priv_route_pin((struct sockaddr *)&sin, err, sizeof(err));
	check("route_pin_twice", rc == 1, "rc %d, err \"%s\"", rc, err);
	rc = priv_route_unpin((struct sockaddr *)&sin, err, sizeof(err));
	check("route_unpin", rc == 0, "rc %d, err \"%s\"", rc, err);
	cmd_out(out, sizeof(out),
	    "ip -o -4 route show table all exact 198.19.200.7/32");
	check("route_unpin_gone", out[0] == '\0', "route \"%s\"", out);
	cmd_out(now, sizeof(now), "ip -o -4 route show default");
	check("route_default_untouched", strcmp(now, def4) == 0,
	    "default \"%s\", was \"%s\"", now, def4);
	rc = priv_route_unpin((struct sockaddr *)&sin, err, sizeof(err));
	check("route_unpin_twice", rc == -1 && contains(err,
	    "198.19.200.7: not pinned"), "rc %d, err \"%s\"", rc, err);

	/* On-link and local: nothing to pin. */
	sin_set(&sin, "198.18.9.50", 0);
	rc = priv_route_pin((struct sockaddr *)&sin, err, sizeof(err));
	cmd_out(out, sizeof(out),
	    "ip -o -4 route show table all exact 198.18.9.50/32");
	check("route_onlink", rc == 1 && out[0] == '\0', "rc %d, err \"%s\", "
	    "route \"%s\"", rc, err, out);
	rc = priv_route_unpin((struct sockaddr *)&sin, err, sizeof(err));
	check("route_onlink_unpin", rc == -1 && contains(err, "not pinned"),
	    "rc %d, err \"%s\"", rc, err);
	sin_set(&sin, "198.18.9.2", 0);
	rc = priv_route_pin((struct sockaddr *)&sin, err, sizeof(err));
	check("route_local", rc == 1, "rc %d, err \"%s\"", rc, err);

	/* A host route somebody else made is left alone. */
	sin_set(&sin, "198.19.201.8", 0);
	rc = priv_route_pin((struct sockaddr *)&sin, err, sizeof(err));
	check("route_preexisting_pin", rc == 1, "rc %d, err \"%s\"", rc, err);
	rc = priv_route_unpin((struct sockaddr *)&sin, err, sizeof(err));
	cmd_out(out, sizeof(out),
	    "ip -o -4 route show table main exact 198.19.201.8/32");
	check("route_preexisting_kept", rc == -1 && contains(out, want),
	    "rc %d, route \"%s\"", rc, out);

	/* Unreachable destination: an error naming it. */
	sin_set(&sin, "198.19.250.1", 0);
	rc = priv_route_pin((struct sockaddr *)&sin, err, sizeof(err));
	check("route_unreachable", rc == -1 &&
	    contains(err, "route 198.19.250.1"), "rc %d, err \"%s\"", rc, err);

	/* Policy routing: the pin goes to the table the route came from. */
	sin_set(&sin, "198.19.70.1", 0);
	rc = priv_route_pin((struct sockaddr *)&sin, err, sizeof(err));
	cmd_out(out, sizeof(out),
	    "ip -o -4 route show table 100 exact 198.19.70.1/32");
	check("route_table", rc == 0 && contains(out, want),
	    "rc %d, err \"%s\", route \"%s\"", rc, err, out);
	rc = priv_route_unpin((struct sockaddr *)&sin, err, sizeof(err));
	cmd_out(out, sizeof(out),
	    "ip -o -4 route show table all exact 198.19.70.1/32");
	check("route_table_unpin", rc == 0 && out[0] == '\0',
	    "rc %d, err \"%s\", route \"%s\"", rc, err, out);
	cmd_out(out, sizeof(out), "ip -o -4 route show table 100");
	check("route_table_untouched", contains(out, "198.19.64.0/18"),
	    "table 100 \"%s\"", out);

	/* IPv6. */
	sin6_set(&sin6, "2001:2:0:200::7", 0);
	rc = priv_route_pin((struct sockaddr *)&sin6, err, sizeof(err));
	cmd_out(out, sizeof(out),
	    "ip -o -6 route show table main exact 2001:2:0:200::7/128");
	(void)snprintf(want, sizeof(want), "via 2001:2:0:9::1 dev %s", dev);
	check("route_pin6", rc == 0 && contains(out, want),
	    "rc %d, err \"%s\", route \"%s\"", rc, err, out);
	rc = priv_route_unpin((struct sockaddr *)&sin6, err, sizeof(err));
	cmd_out(out, sizeof(out),
	    "ip -o -6 route show table all exact 2001:2:0:200::7/128");
	check("route_unpin6", rc == 0 && out[0] == '\0',
	    "rc %d, err \"%s\", route \"%s\"", rc, err, out);
	cmd_out(now, sizeof(now), "ip -o -6 route show default");
	check("route_default6_untouched", strcmp(now, def6) == 0,
	    "default \"%s\", was \"%s\"", now, def6);
	sin6_set(&sin6, "2001:2:0:9::77", 0);
	rc = priv_route_pin((struct sockaddr *)&sin6, err, sizeof(err));
	check("route_onlink6", rc == 1, "rc %d, err \"%s\"", rc, err);

	/* Bad input. */
	rc = priv_route_pin(NULL, err, sizeof(err));
	check("route_null", rc == -1 && contains(err, "no destination"),
	    "rc %d, err \"%s\"", rc, err);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	rc = priv_route_pin((struct sockaddr *)&sun, err, sizeof(err));
	check("route_family", rc == -1 && contains(err, "family 1"),
	    "rc %d, err \"%s\"", rc, err);
	sin_set(&sin, "0.0.0.0", 0);
	rc = priv_route_pin((struct sockaddr *)&sin, err, sizeof(err));
	check("route_any", rc == -1 && contains(err, "not a unicast"),
	    "rc %d, err \"%s\"", rc, err);
	sin_set(&sin, "224.0.0.9", 0);
	rc = priv_route_unpin((struct sockaddr *)&sin, err, sizeof(err));
	check("route_unpin_multicast", rc == -1 &&
	    contains(err, "not a unicast"), "rc %d, err \"%s\"", rc, err);
}

static void
test_udp(void)
{
	struct sockaddr_in	 sin, got;
	struct sockaddr_in6	 sin6;
	struct sockaddr_un	 sun;
	char			 err[PRIV_ERRLEN];
	socklen_t		 len;
	int			 fd, fd2, v;

	sin_set(&sin, "198.18.3.1", 443);
	fd = priv_udp_bind((struct sockaddr *)&sin, sizeof(sin), err,
	    sizeof(err));
	check("udp_bind4", fd != -1, "err \"%s\"", err);
	if (fd != -1) {
		memset(&got, 0, sizeof(got));
		len = sizeof(got);
		check("udp_getsockname4", getsockname(fd,
		    (struct sockaddr *)&got, &len) == 0 &&
		    len == sizeof(got) && got.sin_port == htons(443) &&
		    got.sin_addr.s_addr == sin.sin_addr.s_addr,
		    "port %u", ntohs(got.sin_port));
		check("udp_nonblock", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0,
		    "not O_NONBLOCK");
		check("udp_cloexec", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0,
		    "not FD_CLOEXEC");
		v = -1;
		len = sizeof(v);
		check("udp_no_reuseaddr", getsockopt(fd, SOL_SOCKET,
		    SO_REUSEADDR, &v, &len) == 0 && v == 0, "SO_REUSEADDR %d",
		    v);
		fd2 = priv_udp_bind((struct sockaddr *)&sin, sizeof(sin), err,
		    sizeof(err));
		check("udp_bind_twice", fd2 == -1 &&
		    contains(err, "198.18.3.1:443") &&
		    contains(err, strerror(EADDRINUSE)), "fd %d, err \"%s\"",
		    fd2, err);
		close(fd);
	}

	sin6_set(&sin6, "2001:2::3", 443);
	fd = priv_udp_bind((struct sockaddr *)&sin6, sizeof(sin6), err,
	    sizeof(err));
	check("udp_bind6", fd != -1, "err \"%s\"", err);
	if (fd != -1) {
		v = 0;
		len = sizeof(v);
		check("udp_v6only", getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY,
		    &v, &len) == 0 && v == 1, "IPV6_V6ONLY %d", v);
		close(fd);
	}

	sin_set(&sin, "198.18.77.77", 443);
	fd = priv_udp_bind((struct sockaddr *)&sin, sizeof(sin), err,
	    sizeof(err));
	check("udp_not_local", fd == -1 && contains(err, "198.18.77.77:443"),
	    "fd %d, err \"%s\"", fd, err);
	sin_set(&sin, "198.18.3.1", 443);
	fd = priv_udp_bind((struct sockaddr *)&sin, sizeof(sin) - 1, err,
	    sizeof(err));
	check("udp_short4", fd == -1 && contains(err, "length 15"),
	    "fd %d, err \"%s\"", fd, err);
	fd = priv_udp_bind((struct sockaddr *)&sin6, sizeof(sin), err,
	    sizeof(err));
	check("udp_short6", fd == -1 && contains(err, "IPv6 address length"),
	    "fd %d, err \"%s\"", fd, err);
	fd = priv_udp_bind((struct sockaddr *)&sin, 1, err, sizeof(err));
	check("udp_tiny", fd == -1 && contains(err, "too short"),
	    "fd %d, err \"%s\"", fd, err);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	fd = priv_udp_bind((struct sockaddr *)&sun, sizeof(sun), err,
	    sizeof(err));
	check("udp_family", fd == -1 && contains(err, "family 1"),
	    "fd %d, err \"%s\"", fd, err);
	fd = priv_udp_bind(NULL, sizeof(sin), err, sizeof(err));
	check("udp_null", fd == -1 && contains(err, "no address"),
	    "fd %d, err \"%s\"", fd, err);
}

int
main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && strcmp(argv[1], "packet") == 0)
		test_packet(argv[2], argv[3]);
	else if (argc == 3 && strcmp(argv[1], "packet-bad") == 0)
		test_packet_bad(argv[2]);
	else if (argc == 3 && strcmp(argv[1], "tap") == 0)
		test_tap(argv[2]);
	else if (argc == 3 && strcmp(argv[1], "route") == 0)
		test_route(argv[2]);
	else if (argc == 2 && strcmp(argv[1], "udp") == 0)
		test_udp();
	else {
		fprintf(stderr, "usage: privtest packet IF PEER | packet-bad "
		    "TUN | tap NAME | route DEV | udp\n");
		return (100);
	}
	return (MINIMUM(nfail, 100));
}
