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
 * fakepeer.exe [-m mac] [-t seconds] pipename address
 *
 * A pipe client for fakenic.exe's self-test (regress/win/wine-fakenic.sh):
 * opens \\.\pipe\<pipename> as the broker opens its fake adapter
 * (CreateFileW, overlapped, then PIPE_READMODE_MESSAGE) and takes each
 * message as one Ethernet frame.  It answers ARP requests for <address>
 * and ICMP echo requests to it, as host <mac> (default
 * 02:53:4c:00:00:02), one reply per message.  Every IPv4 frame is
 * checked against its own length: a frame that is not exactly its IPv4
 * packet (plus the padding up to 60 bytes) means the pipe lost a
 * message boundary, and is counted as bad.
 *
 * Waits up to 10 s for the pipe, then runs until EOF on stdin (a pipe
 * or FIFO; other stdins are not watched) or -t seconds (default 30),
 * and closes the pipe.  Exit status 0, or 1 if
 * the pipe could not be opened or a frame was bad.
 */

#include <winsock2.h>
#include <windows.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <io.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define PIPE_BUFSZ	65536
#define OPEN_MS		10000
#define WRITE_MS	2000
#define NAME_MAX_LEN	200

#define ETH_HLEN	14
#define ETH_ZLEN	60
#define ETHERTYPE_IP	0x0800
#define ETHERTYPE_ARP	0x0806
#define ARP_LEN		28
#define IP_MINHLEN	20
#define IPPROTO_ICMP_	1
#define ICMP_ECHOREPLY_	0
#define ICMP_ECHO_	8

struct peer {
	HANDLE		 pipe;
	OVERLAPPED	 rd_ov;
	OVERLAPPED	 wr_ov;
	uint8_t		 mac[6];
	uint8_t		 ip[4];
	unsigned long	 frames;
	unsigned long	 arp;
	unsigned long	 echo;
	unsigned long	 other;
	unsigned long	 bad;
	unsigned long	 wfail;
	uint8_t		 buf[PIPE_BUFSZ];
	uint8_t		 out[PIPE_BUFSZ];
};

static void	 say(const char *, ...)
		    __attribute__((__format__(gnu_printf, 1, 2)));
static void	 usage(void);
static int	 number(const char *, long, long, long *);
static int	 parse_mac(const char *, uint8_t *);
static DWORD WINAPI stdin_watch(LPVOID);
static int	 stdin_is_pipe(void);
static HANDLE	 pipe_open(const wchar_t *, const char *);
static uint16_t	 get16(const uint8_t *);
static void	 put16(uint8_t *, uint16_t);
static uint16_t	 cksum(const uint8_t *, size_t);
static void	 send_frame(struct peer *, size_t);
static void	 frame(struct peer *, size_t);
static void	 arp(struct peer *, size_t);
static void	 ipv4(struct peer *, size_t);

static void
say(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fputs("fakepeer: ", stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

static void
usage(void)
{
	fprintf(stderr, "usage: fakepeer [-m mac] [-t seconds] pipename "
	    "address\n");
	exit(1);
}

static int
number(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_mac(const char *s, uint8_t *mac)
{
	unsigned int	 b[6];
	char		 c;
	int		 i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
	    &b[3], &b[4], &b[5], &c) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	if (mac[0] & 1)		/* multicast */
		return -1;
	return 0;
}

static DWORD WINAPI
stdin_watch(LPVOID arg)
{
	HANDLE	 in = GetStdHandle(STD_INPUT_HANDLE);
	char	 buf[256];
	DWORD	 n;

	while (ReadFile(in, buf, sizeof(buf), &n, NULL) && n > 0)
		;
	SetEvent((HANDLE)arg);
	/*
	 * Not returning: no thread exit racing the main thread's
	 * ExitProcess, suspected once of a hang at exit under Wine.
	 */
	Sleep(INFINITE);
	return 0;
}

/*
 * EOF on stdin ends the program only when stdin is a pipe (a FIFO, a
 * shell pipeline): /dev/null, a file or a terminal leave only -t.
 */
static int
stdin_is_pipe(void)
{
	HANDLE	 in = GetStdHandle(STD_INPUT_HANDLE);

	return in != NULL && in != INVALID_HANDLE_VALUE &&
	    GetFileType(in) == FILE_TYPE_PIPE;
}

/* As the broker opens the fake adapter: the client end, message mode. */
static HANDLE
pipe_open(const wchar_t *wname, const char *name)
{
	HANDLE		 h;
	ULONGLONG	 end = GetTickCount64() + OPEN_MS;
	DWORD		 mode = PIPE_READMODE_MESSAGE, err;

	for (;;) {
		h = CreateFileW(wname, GENERIC_READ | GENERIC_WRITE, 0, NULL,
		    OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
		if (h != INVALID_HANDLE_VALUE)
			break;
		err = GetLastError();
		if ((err != ERROR_PIPE_BUSY && err != ERROR_FILE_NOT_FOUND) ||
		    GetTickCount64() >= end) {
			say("open %s: error %lu", name, err);
			return INVALID_HANDLE_VALUE;
		}
		if (err == ERROR_PIPE_BUSY)
			WaitNamedPipeW(wname, 200);
		else
			Sleep(100);
	}
	if (!SetNamedPipeHandleState(h, &mode, NULL, NULL)) {
		say("SetNamedPipeHandleState %s: error %lu", name,
		    GetLastError());
		CloseHandle(h);
		return INVALID_HANDLE_VALUE;
	}
	return h;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* The Internet checksum (RFC 1071) of len bytes. */
static uint16_t
cksum(const uint8_t *p, size_t len)
{
	uint32_t	 sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len == 1)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One reply in out[], one message. */
static void
send_frame(struct peer *p, size_t len)
{
	DWORD	 put = 0;

	ResetEvent(p->wr_ov.hEvent);
	if (!WriteFile(p->pipe, p->out, (DWORD)len, &put, &p->wr_ov)) {
		if (GetLastError() != ERROR_IO_PENDING) {
			p->wfail++;
			say("WriteFile: error %lu", GetLastError());
			return;
		}
		if (WaitForSingleObject(p->wr_ov.hEvent, WRITE_MS) !=
		    WAIT_OBJECT_0)
			CancelIoEx(p->pipe, &p->wr_ov);
		if (!GetOverlappedResult(p->pipe, &p->wr_ov, &put, TRUE)) {
			p->wfail++;
			say("WriteFile: error %lu", GetLastError());
			return;
		}
	}
	if (put != len) {
		p->wfail++;
		say("WriteFile: %lu of %zu bytes", put, len);
	}
}

static void
frame(struct peer *p, size_t len)
{
	p->frames++;
	if (len < ETH_HLEN) {
		p->bad++;
		say("bad: frame of %zu bytes", len);
		return;
	}
	switch (get16(p->buf + 12)) {
	case ETHERTYPE_ARP:
		arp(p, len);
		break;
	case ETHERTYPE_IP:
		ipv4(p, len);
		break;
	default:
		p->other++;
		break;
	}
}

static void
arp(struct peer *p, size_t len)
{
	const uint8_t	*a = p->buf + ETH_HLEN;
	uint8_t		*r = p->out + ETH_HLEN;

	if (len < ETH_HLEN + ARP_LEN || get16(a) != 1 ||
	    get16(a + 2) != ETHERTYPE_IP || a[4] != 6 || a[5] != 4 ||
	    get16(a + 6) != 1 || memcmp(a + 24, p->ip, 4) != 0) {
		p->other++;
		return;
	}
	memcpy(p->out, a + 8, 6);		/* to the asker */
	memcpy(p->out + 6, p->mac, 6);
	put16(p->out + 12, ETHERTYPE_ARP);
	memcpy(r, a, 6);			/* htype, ptype, hlen, plen */
	put16(r + 6, 2);			/* reply */
	memcpy(r + 8, p->mac, 6);
	memcpy(r + 14, p->ip, 4);
	memcpy(r + 18, a + 8, 10);		/* the asker's sha, spa */
	p->arp++;
	send_frame(p, ETH_HLEN + ARP_LEN);
}

static void
ipv4(struct peer *p, size_t len)
{
	const uint8_t	*ip = p->buf + ETH_HLEN;
	uint8_t		*rip = p->out + ETH_HLEN, *ric;
	size_t		 hlen, tlen;

	if (len < ETH_HLEN + IP_MINHLEN || (ip[0] >> 4) != 4) {
		p->bad++;
		say("bad: ipv4 frame of %zu bytes", len);
		return;
	}
	hlen = (size_t)(ip[0] & 0x0f) * 4;
	tlen = get16(ip + 2);
	if (hlen < IP_MINHLEN || tlen < hlen || len < ETH_HLEN + tlen ||
	    (len > ETH_HLEN + tlen && len > ETH_ZLEN)) {
		p->bad++;
		say("bad: frame of %zu bytes holds an ipv4 packet of %zu",
		    len, tlen);
		return;
	}
	if (ip[9] != IPPROTO_ICMP_ || memcmp(ip + 16, p->ip, 4) != 0 ||
	    tlen < hlen + 8 || ip[hlen] != ICMP_ECHO_ ||
	    (get16(ip + 6) & 0x3fff) != 0) {	/* no fragments */
		p->other++;
		return;
	}
	memcpy(p->out, p->buf + 6, 6);
	memcpy(p->out + 6, p->mac, 6);
	put16(p->out + 12, ETHERTYPE_IP);
	memcpy(rip, ip, tlen);
	memcpy(rip + 12, p->ip, 4);		/* from us */
	memcpy(rip + 16, ip + 12, 4);		/* to the asker */
	rip[8] = 64;				/* ttl */
	put16(rip + 10, 0);
	put16(rip + 10, cksum(rip, hlen));
	ric = rip + hlen;
	ric[0] = ICMP_ECHOREPLY_;
	put16(ric + 2, 0);
	put16(ric + 2, cksum(ric, tlen - hlen));
	p->echo++;
	send_frame(p, ETH_HLEN + tlen);
}

int
main(int argc, char *argv[])
{
	static struct peer	 peer;
	struct peer		*p = &peer;
	wchar_t			 wname[NAME_MAX_LEN + 16];
	char			 name[NAME_MAX_LEN + 16];
	struct in_addr		 in;
	HANDLE			 ev[2], stop, th;
	ULONGLONG		 end, now;
	DWORD			 got, err, w;
	long			 secs = 30;
	int			 ch, pending = 0;

	_setmode(_fileno(stdout), _O_BINARY);
	_setmode(_fileno(stderr), _O_BINARY);
	parse_mac("02:53:4c:00:00:02", p->mac);

	while ((ch = getopt(argc, argv, "m:t:")) != -1) {
		switch (ch) {
		case 'm':
			if (parse_mac(optarg, p->mac) == -1) {
				fprintf(stderr, "fakepeer: -m %s: bad "
				    "mac\n", optarg);
				return 1;
			}
			break;
		case 't':
			if (number(optarg, 1, 86400, &secs) == -1) {
				fprintf(stderr, "fakepeer: -t %s: bad "
				    "seconds\n", optarg);
				return 1;
			}
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	if (argv[0][0] == '\0' || strlen(argv[0]) > NAME_MAX_LEN ||
	    strpbrk(argv[0], "\\/") != NULL) {
		fprintf(stderr, "fakepeer: %s: bad pipe name\n", argv[0]);
		return 1;
	}
	in.s_addr = inet_addr(argv[1]);
	if (in.s_addr == INADDR_NONE) {
		fprintf(stderr, "fakepeer: %s: bad address\n", argv[1]);
		return 1;
	}
	memcpy(p->ip, &in.s_addr, 4);
	snprintf(name, sizeof(name), "\\\\.\\pipe\\%s", argv[0]);
	if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, name, -1,
	    wname, sizeof(wname) / sizeof(wname[0])) == 0) {
		fprintf(stderr, "fakepeer: %s: bad pipe name\n", argv[0]);
		return 1;
	}

	p->rd_ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	p->wr_ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	stop = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (p->rd_ov.hEvent == NULL || p->wr_ov.hEvent == NULL ||
	    stop == NULL) {
		say("CreateEvent: error %lu", GetLastError());
		return 1;
	}
	if ((p->pipe = pipe_open(wname, name)) == INVALID_HANDLE_VALUE)
		return 1;
	say("connected %s, answering for %s at "
	    "%02x:%02x:%02x:%02x:%02x:%02x", name, argv[1], p->mac[0],
	    p->mac[1], p->mac[2], p->mac[3], p->mac[4], p->mac[5]);
	if (stdin_is_pipe()) {
		th = CreateThread(NULL, 0, stdin_watch, stop, 0, NULL);
		if (th == NULL) {
			say("CreateThread: error %lu", GetLastError());
			return 1;
		}
		CloseHandle(th);
	}

	ev[0] = stop;
	ev[1] = p->rd_ov.hEvent;
	end = GetTickCount64() + (ULONGLONG)secs * 1000;
	for (;;) {
		if (!pending) {
			ResetEvent(p->rd_ov.hEvent);
			if (ReadFile(p->pipe, p->buf, sizeof(p->buf), &got,
			    &p->rd_ov)) {
				frame(p, got);
				continue;
			}
			if ((err = GetLastError()) == ERROR_MORE_DATA) {
				GetOverlappedResult(p->pipe, &p->rd_ov, &got,
				    TRUE);
				p->bad++;
				say("bad: message over %d bytes", PIPE_BUFSZ);
				continue;
			}
			if (err != ERROR_IO_PENDING) {
				say("ReadFile: error %lu", err);
				break;
			}
			pending = 1;
		}
		if ((now = GetTickCount64()) >= end) {
			say("lifetime of %ld s over", secs);
			break;
		}
		w = WaitForMultipleObjects(2, ev, FALSE, (DWORD)(end - now));
		if (w == WAIT_TIMEOUT)
			continue;
		if (w == WAIT_OBJECT_0) {
			say("eof on stdin");
			break;
		}
		if (w != WAIT_OBJECT_0 + 1) {
			say("WaitForMultipleObjects: error %lu",
			    GetLastError());
			break;
		}
		pending = 0;
		if (GetOverlappedResult(p->pipe, &p->rd_ov, &got, FALSE))
			frame(p, got);
		else if ((err = GetLastError()) == ERROR_MORE_DATA) {
			p->bad++;
			say("bad: message over %d bytes", PIPE_BUFSZ);
		} else {
			say("ReadFile: error %lu", err);
			break;
		}
	}
	if (pending) {
		CancelIoEx(p->pipe, &p->rd_ov);
		GetOverlappedResult(p->pipe, &p->rd_ov, &got, TRUE);
	}
	CloseHandle(p->pipe);
	say("frames %lu arp %lu echo %lu other %lu bad %lu write errors %lu",
	    p->frames, p->arp, p->echo, p->other, p->bad, p->wfail);
	fflush(stdout);
	ExitProcess(p->bad > 0 || p->wfail > 0);
}
