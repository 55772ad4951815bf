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
 * fakenic.exe [-t seconds] pipename listenport peerport
 *
 * A test stand-in for the TAP-Windows6 adapter: the server end of a
 * message-mode named pipe, \\.\pipe\<pipename>, whose one client (the
 * broker's "fake adapter") reads and writes one Ethernet frame per
 * message, bridged to UDP on 127.0.0.1 (regress/win/tapbridge.py puts
 * the other end on a Linux TAP device):
 *
 *	pipe message	-> one datagram to 127.0.0.1:<peerport>
 *	datagram to 127.0.0.1:<listenport> -> one pipe message
 *
 * One instance, overlapped, remote clients rejected, 64 KiB buffers.
 * When the client goes (the broker restarts) the instance is
 * disconnected and waits for the next one; connections are counted.
 * One WaitForMultipleObjects loop: the connect event, the pipe's read
 * event, the socket's WSAEventSelect event, and the stop event that a
 * thread sets at EOF on stdin.  Exits at EOF on stdin (when stdin is a
 * pipe or FIFO: /dev/null is not EOF here) or after -t seconds (default
 * 3600), status 0, 1 on a setup error.
 *
 * Counters, printed at exit: rx, the frames read from the pipe (sent by
 * the client); tx, the frames written to the pipe; dropped, the frames
 * lost on the way, either way, by reason on a second line: a datagram
 * while no client is connected, a message or datagram over 65535 bytes,
 * a send that failed (sendto error, or a pipe write the client did not
 * take within a second).
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

#define FRAME_MAX	65535
#define PIPE_BUFSZ	65536
#define WRITE_MS	1000
#define NAME_MAX_LEN	200
#define SYNC_READS	64	/* frames read in a row before polling */

struct nic {
	HANDLE		 pipe;
	SOCKET		 sock;
	struct sockaddr_in peer;

	OVERLAPPED	 cn_ov;		/* ConnectNamedPipe */
	OVERLAPPED	 rd_ov;		/* ReadFile */
	OVERLAPPED	 wr_ov;		/* WriteFile */
	HANDLE		 sock_ev;
	HANDLE		 stop_ev;

	int		 connecting;	/* ConnectNamedPipe pending */
	int		 connected;
	int		 reading;	/* ReadFile pending */
	int		 read_again;	/* read at once, no wait */
	int		 skipping;	/* in an oversized message */

	unsigned long	 nconn;
	unsigned long	 rx;
	unsigned long	 tx;
	unsigned long	 drop_noclient;
	unsigned long	 drop_gap;	/* of those, since the last client */
	unsigned long	 drop_big;
	unsigned long	 drop_send;

	unsigned char	 rbuf[PIPE_BUFSZ];
	unsigned char	 ubuf[PIPE_BUFSZ];
};

static void	 say(const char *, ...)
		    __attribute__((__format__(gnu_printf, 1, 2)));
static void	 usage(void);
static int	 number(const char *, long, long, long *);
static DWORD WINAPI stdin_watch(LPVOID);
static int	 stdin_is_pipe(void);
static int	 connect_start(struct nic *);
static void	 connect_done(struct nic *);
static void	 connected(struct nic *);
static void	 client_gone(struct nic *, const char *, DWORD);
static int	 read_start(struct nic *);
static void	 read_done(struct nic *, DWORD, DWORD);
static void	 pipe_to_udp(struct nic *, DWORD);
static void	 udp_to_pipe(struct nic *);

static void
say(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fputs("fakenic: ", stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

static void
usage(void)
{
	fprintf(stderr, "usage: fakenic [-t seconds] pipename listenport "
	    "peerport\n");
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

/* Until EOF (or an error) on stdin, then the stop event. */
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

/* Waits for the next client; -1 on an error that ends the program. */
static int
connect_start(struct nic *n)
{
	DWORD	 err;

	for (;;) {
		ResetEvent(n->cn_ov.hEvent);
		if (ConnectNamedPipe(n->pipe, &n->cn_ov)) {
			connected(n);
			return 0;
		}
		switch ((err = GetLastError())) {
		case ERROR_IO_PENDING:
			n->connecting = 1;
			return 0;
		case ERROR_PIPE_CONNECTED:
			connected(n);
			return 0;
		case ERROR_NO_DATA:
			/* Came and went before we looked. */
			DisconnectNamedPipe(n->pipe);
			continue;
		default:
			say("ConnectNamedPipe: error %lu", err);
			return -1;
		}
	}
}

/* The pending ConnectNamedPipe is done. */
static void
connect_done(struct nic *n)
{
	DWORD	 got;

	n->connecting = 0;
	if (GetOverlappedResult(n->pipe, &n->cn_ov, &got, FALSE))
		connected(n);
	else {
		say("ConnectNamedPipe: error %lu", GetLastError());
		DisconnectNamedPipe(n->pipe);
	}
}

static void
connected(struct nic *n)
{
	n->connecting = 0;
	n->connected = 1;
	n->skipping = 0;
	n->nconn++;
	say("client connected (%lu)", n->nconn);
	if (n->drop_gap > 0)
		say("%lu datagrams were dropped while no client was "
		    "connected", n->drop_gap);
	n->drop_gap = 0;
	n->read_again = 1;
}

/*
 * The client closed its end (or broke it): reap a pending read, free the
 * instance for the next client.
 */
static void
client_gone(struct nic *n, const char *what, DWORD err)
{
	DWORD	 got;

	if (n->reading) {
		CancelIoEx(n->pipe, &n->rd_ov);
		GetOverlappedResult(n->pipe, &n->rd_ov, &got, TRUE);
		n->reading = 0;
	}
	n->read_again = 0;
	n->connected = 0;
	if (err == ERROR_BROKEN_PIPE || err == ERROR_PIPE_NOT_CONNECTED ||
	    err == ERROR_NO_DATA)
		say("client gone");
	else
		say("client gone: %s: error %lu", what, err);
	DisconnectNamedPipe(n->pipe);
}

/*
 * Reads until one is pending.  Reads that complete at once are handled
 * here, SYNC_READS at most, then read_again makes the loop poll.
 */
static int
read_start(struct nic *n)
{
	DWORD	 got, err;
	int	 i;

	n->read_again = 0;
	for (i = 0; i < SYNC_READS && n->connected; i++) {
		ResetEvent(n->rd_ov.hEvent);
		if (ReadFile(n->pipe, n->rbuf, sizeof(n->rbuf), &got,
		    &n->rd_ov)) {
			read_done(n, got, ERROR_SUCCESS);
			continue;
		}
		err = GetLastError();
		if (err == ERROR_IO_PENDING) {
			n->reading = 1;
			return 0;
		}
		if (err == ERROR_MORE_DATA) {
			GetOverlappedResult(n->pipe, &n->rd_ov, &got, TRUE);
			read_done(n, got, err);
			continue;
		}
		client_gone(n, "ReadFile", err);
		return -1;
	}
	if (n->connected)
		n->read_again = 1;
	return 0;
}

/* One read done: a whole message, or part of one (ERROR_MORE_DATA). */
static void
read_done(struct nic *n, DWORD got, DWORD err)
{
	if (err == ERROR_MORE_DATA) {
		if (!n->skipping) {
			n->drop_big++;
			say("dropped: message from the pipe over %d bytes",
			    FRAME_MAX);
		}
		n->skipping = 1;
		return;
	}
	if (n->skipping) {
		/* The end of the oversized message. */
		n->skipping = 0;
		return;
	}
	if (got > FRAME_MAX) {
		n->drop_big++;
		say("dropped: message from the pipe of %lu bytes", got);
		return;
	}
	n->rx++;
	pipe_to_udp(n, got);
}

static void
pipe_to_udp(struct nic *n, DWORD len)
{
	if (sendto(n->sock, (const char *)n->rbuf, (int)len, 0,
	    (struct sockaddr *)&n->peer, sizeof(n->peer)) != (int)len) {
		n->drop_send++;
		say("dropped: sendto %lu bytes: error %d", len,
		    WSAGetLastError());
	}
}

/* Every datagram waiting on the socket, each one pipe message. */
static void
udp_to_pipe(struct nic *n)
{
	WSANETWORKEVENTS ne;
	DWORD		 put, err;
	int		 len;

	WSAEnumNetworkEvents(n->sock, n->sock_ev, &ne);
	for (;;) {
		len = recv(n->sock, (char *)n->ubuf, sizeof(n->ubuf), 0);
		if (len == SOCKET_ERROR) {
			err = WSAGetLastError();
			if (err == WSAEWOULDBLOCK)
				return;
			if (err == WSAEMSGSIZE) {
				n->drop_big++;
				say("dropped: datagram over %d bytes",
				    PIPE_BUFSZ);
				continue;
			}
			if (err == WSAECONNRESET)	/* an old ICMP error */
				continue;
			say("recv: error %lu", err);
			return;
		}
		if (len > FRAME_MAX) {
			n->drop_big++;
			say("dropped: datagram of %d bytes", len);
			continue;
		}
		if (!n->connected && n->connecting &&
		    HasOverlappedIoCompleted(&n->cn_ov))
			connect_done(n);	/* the event not seen yet */
		if (!n->connected) {
			n->drop_noclient++;
			n->drop_gap++;
			continue;
		}
		ResetEvent(n->wr_ov.hEvent);
		if (!WriteFile(n->pipe, n->ubuf, (DWORD)len, &put,
		    &n->wr_ov)) {
			err = GetLastError();
			if (err != ERROR_IO_PENDING) {
				n->drop_send++;
				client_gone(n, "WriteFile", err);
				continue;
			}
			if (WaitForSingleObject(n->wr_ov.hEvent, WRITE_MS) !=
			    WAIT_OBJECT_0)
				CancelIoEx(n->pipe, &n->wr_ov);
			if (!GetOverlappedResult(n->pipe, &n->wr_ov, &put,
			    TRUE)) {
				err = GetLastError();
				n->drop_send++;
				if (err == ERROR_OPERATION_ABORTED)
					say("dropped: the client took no "
					    "frame for %d ms", WRITE_MS);
				else
					client_gone(n, "WriteFile", err);
				continue;
			}
		}
		if (put != (DWORD)len) {
			n->drop_send++;
			say("dropped: wrote %lu of %d bytes", put, len);
			continue;
		}
		n->tx++;
	}
}

int
main(int argc, char *argv[])
{
	static struct nic	 nic;
	struct nic		*n = &nic;
	struct sockaddr_in	 sin;
	WSADATA			 wsa;
	wchar_t			 wname[NAME_MAX_LEN + 16];
	char			 name[NAME_MAX_LEN + 16];
	HANDLE			 ev[4], th;
	ULONGLONG		 end, now;
	DWORD			 nev, w, got, err, ms;
	DWORD			 i_cn, i_rd, i_sock, i_stop;
	long			 lport, pport, secs = 3600;
	int			 ch, rc = 0;

	_setmode(_fileno(stdout), _O_BINARY);
	_setmode(_fileno(stderr), _O_BINARY);

	while ((ch = getopt(argc, argv, "t:")) != -1) {
		switch (ch) {
		case 't':
			if (number(optarg, 1, 86400, &secs) == -1) {
				fprintf(stderr, "fakenic: -t %s: bad "
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
	if (argc != 3)
		usage();
	if (argv[0][0] == '\0' || strlen(argv[0]) > NAME_MAX_LEN ||
	    strpbrk(argv[0], "\\/") != NULL) {
		fprintf(stderr, "fakenic: %s: bad pipe name\n", argv[0]);
		return 1;
	}
	if (number(argv[1], 1, 65535, &lport) == -1 ||
	    number(argv[2], 1, 65535, &pport) == -1) {
		fprintf(stderr, "fakenic: bad port\n");
		return 1;
	}
	snprintf(name, sizeof(name), "\\\\.\\pipe\\%s", argv[0]);
	if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, name, -1,
	    wname, sizeof(wname) / sizeof(wname[0])) == 0) {
		fprintf(stderr, "fakenic: %s: bad pipe name\n", argv[0]);
		return 1;
	}

	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
		fprintf(stderr, "fakenic: WSAStartup failed\n");
		return 1;
	}
	n->sock = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	if (n->sock == INVALID_SOCKET) {
		say("socket: error %d", WSAGetLastError());
		return 1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((u_short)lport);
	if (bind(n->sock, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		say("bind 127.0.0.1:%ld: error %d", lport, WSAGetLastError());
		return 1;
	}
	n->peer = sin;
	n->peer.sin_port = htons((u_short)pport);

	n->cn_ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	n->rd_ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	n->wr_ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	n->sock_ev = WSACreateEvent();
	n->stop_ev = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (n->cn_ov.hEvent == NULL || n->rd_ov.hEvent == NULL ||
	    n->wr_ov.hEvent == NULL || n->sock_ev == WSA_INVALID_EVENT ||
	    n->stop_ev == NULL) {
		say("CreateEvent: error %lu", GetLastError());
		return 1;
	}
	if (WSAEventSelect(n->sock, n->sock_ev, FD_READ) != 0) {
		say("WSAEventSelect: error %d", WSAGetLastError());
		return 1;
	}

	n->pipe = CreateNamedPipeW(wname, PIPE_ACCESS_DUPLEX |
	    FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
	    PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT |
	    PIPE_REJECT_REMOTE_CLIENTS, 1, PIPE_BUFSZ, PIPE_BUFSZ, 0, NULL);
	if (n->pipe == INVALID_HANDLE_VALUE) {
		say("CreateNamedPipe %s: error %lu", name, GetLastError());
		return 1;
	}
	say("listening %s", name);
	say("udp 127.0.0.1:%ld -> 127.0.0.1:%ld", lport, pport);

	if (stdin_is_pipe()) {
		th = CreateThread(NULL, 0, stdin_watch, n->stop_ev, 0, NULL);
		if (th == NULL) {
			say("CreateThread: error %lu", GetLastError());
			return 1;
		}
		CloseHandle(th);
	} else
		say("stdin is not a pipe: only the lifetime (%ld s) ends "
		    "this run", secs);

	if (connect_start(n) == -1)
		return 1;
	end = GetTickCount64() + (ULONGLONG)secs * 1000;
	for (;;) {
		if (n->connected && !n->reading && n->read_again)
			read_start(n);
		if (!n->connected && !n->connecting && connect_start(n) == -1) {
			rc = 1;
			break;
		}

		/*
		 * The first handle signalled wins: a new client before
		 * the datagrams waiting for it.
		 */
		nev = 0;
		i_cn = i_rd = MAXIMUM_WAIT_OBJECTS;
		i_stop = nev;
		ev[nev++] = n->stop_ev;
		if (n->connecting) {
			i_cn = nev;
			ev[nev++] = n->cn_ov.hEvent;
		}
		if (n->reading) {
			i_rd = nev;
			ev[nev++] = n->rd_ov.hEvent;
		}
		i_sock = nev;
		ev[nev++] = n->sock_ev;
		now = GetTickCount64();
		if (now >= end) {
			say("lifetime of %ld s over", secs);
			break;
		}
		ms = (DWORD)(end - now);
		if (n->read_again)
			ms = 0;

		w = WaitForMultipleObjects(nev, ev, FALSE, ms);
		if (w == WAIT_TIMEOUT)
			continue;
		if (w == WAIT_FAILED || w >= WAIT_OBJECT_0 + nev) {
			say("WaitForMultipleObjects: error %lu",
			    GetLastError());
			rc = 1;
			break;
		}
		w -= WAIT_OBJECT_0;
		if (w == i_stop) {
			say("eof on stdin");
			break;
		}
		if (w == i_sock)
			udp_to_pipe(n);
		else if (w == i_cn)
			connect_done(n);
		else if (w == i_rd) {
			n->reading = 0;
			if (GetOverlappedResult(n->pipe, &n->rd_ov, &got,
			    FALSE)) {
				read_done(n, got, ERROR_SUCCESS);
				n->read_again = 1;
			} else if ((err = GetLastError()) ==
			    ERROR_MORE_DATA) {
				read_done(n, got, err);
				n->read_again = 1;
			} else
				client_gone(n, "ReadFile", err);
		}
	}

	if (n->reading || n->connecting)
		CancelIoEx(n->pipe, NULL);
	say("rx %lu tx %lu dropped %lu", n->rx, n->tx,
	    n->drop_noclient + n->drop_big + n->drop_send);
	say("dropped: no client %lu, too big %lu, send failed %lu",
	    n->drop_noclient, n->drop_big, n->drop_send);
	CloseHandle(n->pipe);
	closesocket(n->sock);
	WSACleanup();
	/* The stdin thread may still be in ReadFile: no return from main. */
	fflush(stdout);
	ExitProcess(rc);
}
