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

#include <sys/types.h>
#ifndef _WIN32
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#endif

#ifdef _WIN32
#include <windows.h>
#else
#include <err.h>
#endif
#include <errno.h>
#ifndef _WIN32
#include <poll.h>
#endif
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "compat.h"
#include "control.h"
#include "ctlrender.h"
#include "imsg.h"
#include "log.h"

#define CTL_TIMEOUT_MS		5000
#define CTL_REPLY_MAX		(4 * 1024 * 1024)

/*
 * On Windows the daemon is the client's worker and its control channel a
 * named pipe (clientd/win/control_win.c): -s names the pipe, CONTROL_PIPE
 * by default; the protocol and the output are the same.
 */
#ifdef _WIN32
#define CTL_WHAT		"control pipe"
#define CTL_PIPE_PREFIX		"\\\\.\\pipe\\"
#define CTL_CHAN		HANDLE
#else
#define CTL_WHAT		"control socket"
#define CTL_CHAN		int
#endif

extern char	*__progname;

struct ctl_command {
	const char	*words[2];
	uint32_t	 type;
	int32_t		 level;		/* IMSG_CTL_LOG_VERBOSE */
};

static const struct ctl_command ctl_commands[] = {
	{ { "show", "status" },		IMSG_CTL_SHOW_STATUS,	0 },
	{ { "show", "rooms" },		IMSG_CTL_SHOW_ROOMS,	0 },
	{ { "show", "peers" },		IMSG_CTL_SHOW_PEERS,	0 },
	{ { "show", "counters" },	IMSG_CTL_SHOW_COUNTERS,	0 },
	{ { "log", "verbose" },		IMSG_CTL_LOG_VERBOSE,	2 },
	{ { "log", "brief" },		IMSG_CTL_LOG_VERBOSE,	0 },
	{ { "reload", NULL },		IMSG_CTL_RELOAD,	0 }
};

#ifndef _WIN32
static const char *ctl_sockets[] = {
	"/run/relayd/relayd.sock",
	"/run/gatewayd.sock",
	"/run/clientd.sock"
};
#endif

static __dead void	 usage(void);
static const struct ctl_command *parse_command(int, char **);
static const char	*default_socket(void);
static CTL_CHAN		 ctl_connect(const char *);
static int		 remaining_ms(const struct timespec *);
static void		 ctl_send(struct imsgbuf *, const char *,
			    const struct timespec *);
static int		 ctl_wait(struct imsgbuf *, int);
static char		*ctl_request(CTL_CHAN, const char *,
			    const struct ctl_command *);
#ifdef _WIN32
static __dead void	 err(int, const char *, ...)
			    __printflike(2, 3);
static __dead void	 errx(int, const char *, ...)
			    __printflike(2, 3);
#endif

static __dead void
usage(void)
{
#ifdef _WIN32
	fprintf(stderr, "usage: %s [-j] [-s pipe] command [argument ...]\n",
	    __progname);
#else
	fprintf(stderr, "usage: %s [-j] [-s socket] command [argument ...]\n",
	    __progname);
#endif
	exit(1);
}

#ifdef _WIN32
/* err(3) and errx(3), which MinGW-w64 lacks. */
static __dead void
err(int eval, const char *fmt, ...)
{
	va_list	 ap;
	int	 e = errno;

	fprintf(stderr, "%s: ", __progname);
	if (fmt != NULL) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, ": ");
	}
	fprintf(stderr, "%s\n", strerror(e));
	exit(eval);
}

static __dead void
errx(int eval, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", __progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(eval);
}

#endif

/*
 * The command named by the words, each word an unambiguous prefix of the
 * command's word in that position ("sh st" is "show status").
 */
static const struct ctl_command *
parse_command(int argc, char **argv)
{
	const struct ctl_command	*match = NULL, *cmd;
	size_t				 i;
	int				 j, n, nmatch = 0, nwords;

	for (i = 0; i < nitems(ctl_commands); i++) {
		cmd = &ctl_commands[i];
		nwords = cmd->words[1] == NULL ? 1 : 2;
		if (argc != nwords)
			continue;
		for (j = 0, n = 0; j < nwords; j++)
			if (argv[j][0] != '\0' && strncmp(argv[j],
			    cmd->words[j], strlen(argv[j])) == 0)
				n++;
		if (n != nwords)
			continue;
		/* An exact match always wins over a prefix. */
		for (j = 0, n = 0; j < nwords; j++)
			if (strcmp(argv[j], cmd->words[j]) == 0)
				n++;
		if (n == nwords)
			return (cmd);
		match = cmd;
		nmatch++;
	}
	if (nmatch == 1)
		return (match);
	if (nmatch > 1)
		errx(1, "ambiguous command: %s%s%s", argv[0],
		    argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
	errx(1, "unknown command: %s%s%s (commands: show status, show rooms, "
	    "show peers, show counters, log verbose, log brief, reload)",
	    argv[0], argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
}

#ifdef _WIN32
/* Windows has one daemon, the client's worker. */
static const char *
default_socket(void)
{
	return (CONTROL_PIPE);
}

/*
 * Open the pipe; while every instance is taken, wait for one at most
 * CTL_TIMEOUT_MS.  SECURITY_IDENTIFICATION: the server may learn who we
 * are, never act as us.  No FILE_APPEND_DATA (FILE_CREATE_PIPE_INSTANCE
 * on a pipe), which the DACL does not give players.
 */
static HANDLE
ctl_connect(const char *path)
{
	struct timespec	 deadline;
	HANDLE		 h;
	DWORD		 e;
	int		 ms;

	if (_strnicmp(path, CTL_PIPE_PREFIX, strlen(CTL_PIPE_PREFIX)) != 0 ||
	    path[strlen(CTL_PIPE_PREFIX)] == '\0')
		errx(1, "%s: not a pipe name (%s...)", path, CTL_PIPE_PREFIX);
	if (clock_gettime(CLOCK_MONOTONIC, &deadline) == -1)
		err(1, "clock_gettime");
	deadline.tv_sec += CTL_TIMEOUT_MS / 1000;
	for (;;) {
		h = CreateFileA(path, GENERIC_READ | FILE_WRITE_DATA, 0, NULL,
		    OPEN_EXISTING, FILE_FLAG_OVERLAPPED |
		    SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);
		if (h != INVALID_HANDLE_VALUE)
			return (h);
		switch ((e = GetLastError())) {
		case ERROR_FILE_NOT_FOUND:
		case ERROR_PATH_NOT_FOUND:
			errx(1, "no control pipe %s: is the softlan service "
			    "running?", path);
		case ERROR_ACCESS_DENIED:
			errx(1, "control pipe %s: access denied", path);
		case ERROR_PIPE_BUSY:
			break;
		default:
			errx(1, "control pipe %s: %s", path, win_strerror(e));
		}
		if ((ms = remaining_ms(&deadline)) == 0)
			errx(1, "control pipe %s: busy for %d seconds", path,
			    CTL_TIMEOUT_MS / 1000);
		/* Fails at once if the pipe is gone; it is tried again. */
		if (!WaitNamedPipeA(path, (DWORD)ms) &&
		    GetLastError() != ERROR_SEM_TIMEOUT)
			Sleep(10);
	}
}
#else
/*
 * A daemon answers on the socket at path: 1, or 0 when nobody listens (a
 * socket a daemon killed with SIGKILL left behind) or it cannot be
 * reached.  A full backlog (EAGAIN) is a daemon that is alive.
 */
static int
socket_alive(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, ok;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return (0);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		err(1, "socket");
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ||
	    errno == EAGAIN || errno == EINPROGRESS;
	close(fd);
	return (ok);
}

/*
 * The one control socket among the daemons' defaults that a daemon
 * answers on; sockets nobody listens on are passed over (named in the
 * error when no daemon answers).
 */
static const char *
default_socket(void)
{
	struct stat	 st;
	const char	*found = NULL;
	char		 list[256] = "", dead[256] = "";
	size_t		 i;
	int		 n = 0;

	for (i = 0; i < nitems(ctl_sockets); i++) {
		if (stat(ctl_sockets[i], &st) == -1 || !S_ISSOCK(st.st_mode))
			continue;
		if (!socket_alive(ctl_sockets[i])) {
			if (dead[0] != '\0')
				(void)strlcat(dead, ", ", sizeof(dead));
			(void)strlcat(dead, ctl_sockets[i], sizeof(dead));
			continue;
		}
		if (n++ > 0)
			(void)strlcat(list, ", ", sizeof(list));
		(void)strlcat(list, ctl_sockets[i], sizeof(list));
		found = ctl_sockets[i];
	}
	if (n == 1)
		return (found);
	if (n > 1)
		errx(1, "several control sockets exist (%s): choose one with "
		    "-s", list);
	if (dead[0] != '\0')
		errx(1, "no daemon answers on %s (left behind by a daemon "
		    "that was killed?): is a daemon running?  Use -s to name "
		    "its socket", dead);
	errx(1, "no control socket found (tried %s, %s, %s): is a daemon "
	    "running?  Use -s to name its socket", ctl_sockets[0],
	    ctl_sockets[1], ctl_sockets[2]);
}

static int
ctl_connect(const char *path)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { CTL_TIMEOUT_MS / 1000, 0 };
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "control socket %s: path too long", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(1, "socket");
	/* Bounds a connect to a daemon whose backlog is full. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		err(1, "setsockopt");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		switch (errno) {
		case ENOENT:
			errx(1, "control socket %s: no such socket (is the "
			    "daemon running?)", path);
		case ECONNREFUSED:
			errx(1, "control socket %s: connection refused (is "
			    "the daemon running?)", path);
		case EAGAIN:
		case EINPROGRESS:
			errx(1, "control socket %s: timed out connecting",
			    path);
		default:
			err(1, "control socket %s", path);
		}
	}
	return (fd);
}
#endif

static int
remaining_ms(const struct timespec *deadline)
{
	struct timespec	 now;
	long long	 ms;

	if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
		err(1, "clock_gettime");
	ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return (ms < 0 ? 0 : (int)ms);
}

#ifdef _WIN32
/* Write the queue: the overlapped writes, each waited for until deadline. */
static void
ctl_send(struct imsgbuf *ibuf, const char *path,
    const struct timespec *deadline)
{
	while (imsgbuf_queuelen(ibuf) > 0) {
		if (imsgbuf_write(ibuf) == -1) {
			/* Refused: it had too many clients, all busy. */
			if (errno == EPIPE)
				errx(1, CTL_WHAT " %s: connection closed by "
				    "the daemon", path);
			err(1, CTL_WHAT " %s: write", path);
		}
		if (imsgbuf_queuelen(ibuf) == 0)
			break;
		if (WaitForSingleObject(imsgbuf_write_event(ibuf),
		    (DWORD)remaining_ms(deadline)) == WAIT_TIMEOUT)
			errx(1, CTL_WHAT " %s: request not taken within %d "
			    "seconds", path, CTL_TIMEOUT_MS / 1000);
	}
}

/* 1: a read completed (or the pipe broke), 0: not within ms. */
static int
ctl_wait(struct imsgbuf *ibuf, int ms)
{
	switch (WaitForSingleObject(imsgbuf_read_event(ibuf), (DWORD)ms)) {
	case WAIT_OBJECT_0:
		return (1);
	case WAIT_TIMEOUT:
		return (0);
	default:
		errx(1, "WaitForSingleObject: %s", win_strerror(GetLastError()));
	}
}
#else
static void
ctl_send(struct imsgbuf *ibuf, const char *path,
    const struct timespec *deadline)
{
	(void)deadline;
	if (imsgbuf_flush(ibuf) == -1)
		err(1, CTL_WHAT " %s: write", path);
}

/* 1: the socket is readable, 0: not within ms. */
static int
ctl_wait(struct imsgbuf *ibuf, int ms)
{
	struct pollfd	 pfd;

	pfd.fd = ibuf->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, ms) == -1) {
		if (errno == EINTR)
			return (0);
		err(1, "poll");
	}
	return (pfd.revents != 0);
}
#endif

/* Send the request and collect the JSON reply (NUL-terminated). */
static char *
ctl_request(CTL_CHAN fd, const char *path, const struct ctl_command *cmd)
{
	struct imsgbuf	 ibuf;
	struct imsg	 imsg;
	struct timespec	 deadline;
	char		*json = NULL, *p, msg[MAX_IMSGSIZE];
	size_t		 len = 0, n;
	ssize_t		 r;
	int		 ms;

#ifdef _WIN32
	if (imsgbuf_init_handle(&ibuf, fd) == -1)
#else
	if (imsgbuf_init(&ibuf, fd) == -1)
#endif
		err(1, "imsgbuf_init");
	if (imsg_compose(&ibuf, cmd->type, 0, 0, -1,
	    cmd->type == IMSG_CTL_LOG_VERBOSE ? &cmd->level : NULL,
	    cmd->type == IMSG_CTL_LOG_VERBOSE ? sizeof(cmd->level) : 0) == -1)
		err(1, "imsg_compose");
	if (clock_gettime(CLOCK_MONOTONIC, &deadline) == -1)
		err(1, "clock_gettime");
	deadline.tv_sec += CTL_TIMEOUT_MS / 1000;
	ctl_send(&ibuf, path, &deadline);

	for (;;) {
		if ((r = imsg_get(&ibuf, &imsg)) == -1)
			err(1, CTL_WHAT " %s: bad reply", path);
		if (r == 0) {
			if ((ms = remaining_ms(&deadline)) == 0)
				errx(1, CTL_WHAT " %s: no reply within "
				    "%d seconds", path, CTL_TIMEOUT_MS / 1000);
			if (!ctl_wait(&ibuf, ms))
				continue;
			switch (imsgbuf_read(&ibuf)) {
			case -1:
				err(1, CTL_WHAT " %s: read", path);
			case 0:
				errx(1, CTL_WHAT " %s: connection closed "
				    "by the daemon", path);
			}
			continue;
		}
		switch (imsg_get_type(&imsg)) {
		case IMSG_CTL_JSON:
			n = imsg_get_len(&imsg);
			if (n > CTL_REPLY_MAX - len)
				errx(1, CTL_WHAT " %s: reply larger than "
				    "%d bytes", path, CTL_REPLY_MAX);
			if ((p = realloc(json, len + n + 1)) == NULL)
				err(1, NULL);
			json = p;
			if (n > 0 && imsg_get_buf(&imsg, json + len, n) == -1)
				err(1, CTL_WHAT " %s: bad reply", path);
			len += n;
			json[len] = '\0';
			break;
		case IMSG_CTL_END:
			imsg_free(&imsg);
			imsgbuf_clear(&ibuf);
			if (json == NULL && (json = strdup("")) == NULL)
				err(1, NULL);
			return (json);
		case IMSG_CTL_ERROR:
			if (imsg_get_strbuf(&imsg, msg, sizeof(msg)) == -1)
				errx(1, CTL_WHAT " %s: malformed error "
				    "reply", path);
			for (p = msg; *p != '\0'; p++)
				if ((unsigned char)*p < 0x20 ||
				    (unsigned char)*p == 0x7f)
					*p = '?';
			errx(1, "%s", msg);
		default:
			errx(1, CTL_WHAT " %s: unexpected reply type %u",
			    path, imsg_get_type(&imsg));
		}
		imsg_free(&imsg);
	}
}

int
main(int argc, char *argv[])
{
	const struct ctl_command	*cmd;
	const char			*path = NULL;
	cJSON				*reply;
	char				*json, *text;
	CTL_CHAN			 fd;
	int				 ch, jflag = 0;

	log_init(1, LOG_DAEMON);
	while ((ch = getopt(argc, argv, "js:")) != -1) {
		switch (ch) {
		case 'j':
			jflag = 1;
			break;
		case 's':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2)
		usage();
	cmd = parse_command(argc, argv);
	if (path == NULL)
		path = default_socket();

	fd = ctl_connect(path);
	json = ctl_request(fd, path, cmd);
#ifdef _WIN32
	CloseHandle(fd);
#else
	close(fd);
#endif

	if ((reply = cJSON_Parse(json)) == NULL)
		errx(1, CTL_WHAT " %s: reply is not valid JSON", path);
	free(json);
	if (jflag) {
		if ((text = cJSON_Print(reply)) == NULL)
			errx(1, "cJSON_Print failed");
		printf("%s\n", text);
		cJSON_free(text);
	} else if (ctl_render(stdout, reply) == -1) {
		if (errno == EINVAL)
			errx(1, CTL_WHAT " %s: reply is not a JSON "
			    "object", path);
		err(1, "stdout");
	}
	cJSON_Delete(reply);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	return (0);
}
