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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
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

static const char *ctl_sockets[] = {
	"/run/relayd/relayd.sock",
	"/run/gatewayd.sock",
	"/run/clientd.sock"
};

static __dead void	 usage(void);
static const struct ctl_command *parse_command(int, char **);
static const char	*default_socket(void);
static int		 ctl_connect(const char *);
static int		 remaining_ms(const struct timespec *);
static char		*ctl_request(int, const char *,
			    const struct ctl_command *);

static __dead void
usage(void)
{
	fprintf(stderr, "usage: %s [-j] [-s socket] command [argument ...]\n",
	    __progname);
	exit(1);
}

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

/* The one control socket that exists among the daemons' defaults. */
static const char *
default_socket(void)
{
	struct stat	 st;
	const char	*found = NULL;
	char		 list[256] = "";
	size_t		 i;
	int		 n = 0;

	for (i = 0; i < nitems(ctl_sockets); i++) {
		if (stat(ctl_sockets[i], &st) == -1 || !S_ISSOCK(st.st_mode))
			continue;
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

/* Send the request and collect the JSON reply (NUL-terminated). */
static char *
ctl_request(int fd, const char *path, const struct ctl_command *cmd)
{
	struct imsgbuf	 ibuf;
	struct imsg	 imsg;
	struct timespec	 deadline;
	struct pollfd	 pfd;
	char		*json = NULL, *p, msg[MAX_IMSGSIZE];
	size_t		 len = 0, n;
	ssize_t		 r;
	int		 ms;

	if (imsgbuf_init(&ibuf, fd) == -1)
		err(1, "imsgbuf_init");
	if (imsg_compose(&ibuf, cmd->type, 0, 0, -1,
	    cmd->type == IMSG_CTL_LOG_VERBOSE ? &cmd->level : NULL,
	    cmd->type == IMSG_CTL_LOG_VERBOSE ? sizeof(cmd->level) : 0) == -1)
		err(1, "imsg_compose");
	if (imsgbuf_flush(&ibuf) == -1)
		err(1, "control socket %s: write", path);

	if (clock_gettime(CLOCK_MONOTONIC, &deadline) == -1)
		err(1, "clock_gettime");
	deadline.tv_sec += CTL_TIMEOUT_MS / 1000;
	for (;;) {
		if ((r = imsg_get(&ibuf, &imsg)) == -1)
			err(1, "control socket %s: bad reply", path);
		if (r == 0) {
			if ((ms = remaining_ms(&deadline)) == 0)
				errx(1, "control socket %s: no reply within "
				    "%d seconds", path, CTL_TIMEOUT_MS / 1000);
			pfd.fd = fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			if (poll(&pfd, 1, ms) == -1) {
				if (errno == EINTR)
					continue;
				err(1, "poll");
			}
			if (pfd.revents == 0)
				continue;
			switch (imsgbuf_read(&ibuf)) {
			case -1:
				err(1, "control socket %s: read", path);
			case 0:
				errx(1, "control socket %s: connection closed "
				    "by the daemon", path);
			}
			continue;
		}
		switch (imsg_get_type(&imsg)) {
		case IMSG_CTL_JSON:
			n = imsg_get_len(&imsg);
			if (n > CTL_REPLY_MAX - len)
				errx(1, "control socket %s: reply larger than "
				    "%d bytes", path, CTL_REPLY_MAX);
			if ((p = realloc(json, len + n + 1)) == NULL)
				err(1, NULL);
			json = p;
			if (n > 0 && imsg_get_buf(&imsg, json + len, n) == -1)
				err(1, "control socket %s: bad reply", path);
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
				errx(1, "control socket %s: malformed error "
				    "reply", path);
			for (p = msg; *p != '\0'; p++)
				if ((unsigned char)*p < 0x20 ||
				    (unsigned char)*p == 0x7f)
					*p = '?';
			errx(1, "%s", msg);
		default:
			errx(1, "control socket %s: unexpected reply type %u",
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
	int				 ch, jflag = 0, fd;

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
	close(fd);

	if ((reply = cJSON_Parse(json)) == NULL)
		errx(1, "control socket %s: reply is not valid JSON", path);
	free(json);
	if (jflag) {
		if ((text = cJSON_Print(reply)) == NULL)
			errx(1, "cJSON_Print failed");
		printf("%s\n", text);
		cJSON_free(text);
	} else if (ctl_render(stdout, reply) == -1) {
		if (errno == EINVAL)
			errx(1, "control socket %s: reply is not a JSON "
			    "object", path);
		err(1, "stdout");
	}
	cJSON_Delete(reply);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	return (0);
}
