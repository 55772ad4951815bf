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

#include <err.h>
#include <event.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "priv.h"

/*
 * ctlserver SOCKET: a control socket answering fixed replies, for
 * softlanctl's tests (ctl.sh).  Exits on SIGTERM or after 60 seconds.
 */

#define NPEERS		2000

static const char	*status_json =
	"{\"daemon\":\"ctlserver\",\"version\":\"0.1\",\"uptime\":3600,"
	"\"ready\":true,\"listen\":{\"addr\":\"198.18.0.1\",\"port\":4433},"
	"\"rooms\":[{\"name\":\"lobby\",\"members\":3,\"frames_in\":1234567,"
	"\"open\":true},{\"name\":\"quake-night\",\"members\":12,"
	"\"open\":false}],\"load\":0.25}";

static char	*peers_json;

static void
handler(struct ctl_conn *c, uint32_t type, const void *data, size_t len,
    void *arg)
{
	char	 buf[64];
	int32_t	 level;

	(void)arg;
	switch (type) {
	case IMSG_CTL_SHOW_STATUS:
		control_reply_json(c, status_json);
		break;
	case IMSG_CTL_SHOW_ROOMS:
		control_reply_error(c, "no rooms configured");
		break;
	case IMSG_CTL_SHOW_PEERS:
		control_reply_json(c, peers_json);
		break;
	case IMSG_CTL_LOG_VERBOSE:
		if (len != sizeof(level))
			errx(1, "LOG_VERBOSE of %zu bytes", len);
		memcpy(&level, data, sizeof(level));
		(void)snprintf(buf, sizeof(buf), "{\"verbose\":%d}", level);
		control_reply_json(c, buf);
		break;
	default:
		control_reply_json(c, "{\"result\":\"ok\"}");
		break;
	}
}

static void
stop(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	event_loopexit(NULL);
}

int
main(int argc, char *argv[])
{
	struct control	*ctl;
	struct event	 evterm, evtimeout;
	struct timeval	 tv = { 60, 0 };
	char		 errbuf[PRIV_ERRLEN];
	size_t		 off, size;
	int		 fd, i;

	if (argc != 2)
		errx(1, "usage: ctlserver socket");
	log_init(1, 0);
	log_setverbose(2);

	size = 64 + NPEERS * 64;
	if ((peers_json = malloc(size)) == NULL)
		err(1, NULL);
	off = strlcpy(peers_json, "{\"peers\":[", size);
	for (i = 0; i < NPEERS; i++)
		off += snprintf(peers_json + off, size - off,
		    "%s{\"id\":%d,\"name\":\"peer-%d\",\"rtt_ms\":%d.5}",
		    i > 0 ? "," : "", i, i, i % 100);
	(void)strlcpy(peers_json + off, "]}", size - off);

	event_init();
	if ((fd = priv_control_socket(argv[1], getgid(), errbuf,
	    sizeof(errbuf))) == -1)
		errx(1, "%s", errbuf);
	if ((ctl = control_init(fd, handler, NULL)) == NULL)
		err(1, "control_init");
	signal_set(&evterm, SIGTERM, stop, NULL);
	signal_add(&evterm, NULL);
	evtimer_set(&evtimeout, stop, NULL);
	evtimer_add(&evtimeout, &tv);
	event_dispatch();
	control_free(ctl);
	(void)unlink(argv[1]);
	free(peers_json);
	return (0);
}
