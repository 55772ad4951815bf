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

#include <cJSON.h>

#include "compat.h"
#include "control.h"
#include "log.h"
#include "priv.h"

/*
 * ctlserver [-i idle-ms] [-p partial-ms] SOCKET: a control socket
 * answering fixed replies, for softlanctl's tests (ctl.sh), served by the
 * daemons' own common/control.c.  show counters gives the control's
 * counters and its number of clients; -i and -p set its timeouts.  Exits
 * on SIGTERM or after 60 seconds.
 */

#define NPEERS		2000

static const char	*status_json =
	"{\"daemon\":\"ctlserver\",\"version\":\"0.1\",\"uptime\":3600,"
	"\"ready\":true,\"listen\":{\"addr\":\"198.18.0.1\",\"port\":4433},"
	"\"rooms\":[{\"name\":\"lobby\",\"members\":3,\"frames_in\":1234567,"
	"\"open\":true},{\"name\":\"quake-night\",\"members\":12,"
	"\"open\":false}],\"load\":0.25}";

static char		*peers_json;
static struct control	*ctl;

static __dead void
usage(void)
{
	fprintf(stderr, "usage: ctlserver [-i idle-ms] [-p partial-ms] "
	    "socket\n");
	exit(1);
}

static void
show_counters(struct ctl_conn *c)
{
	cJSON	*o, *a;

	o = cJSON_CreateObject();
	control_json_num(o, "clients", control_clients(ctl));
	a = cJSON_AddArrayToObject(o, "counters");
	control_json_counters(a, ctl);
	control_reply_cjson(c, o);
}

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
	case IMSG_CTL_SHOW_COUNTERS:
		show_counters(c);
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
	struct event	 evterm, evtimeout;
	struct timeval	 tv = { 60, 0 };
	char		 errbuf[PRIV_ERRLEN];
	const char	*errstr;
	size_t		 off, size;
	unsigned int	 idle_ms = 0, partial_ms = 0;
	int		 ch, fd, i;

	while ((ch = getopt(argc, argv, "i:p:")) != -1) {
		switch (ch) {
		case 'i':
			idle_ms = strtonum(optarg, 1, 3600000, &errstr);
			if (errstr != NULL)
				errx(1, "idle timeout %s: %s", optarg, errstr);
			break;
		case 'p':
			partial_ms = strtonum(optarg, 1, 3600000, &errstr);
			if (errstr != NULL)
				errx(1, "partial timeout %s: %s", optarg,
				    errstr);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
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
	if ((fd = priv_control_socket(argv[0], getgid(), errbuf,
	    sizeof(errbuf))) == -1)
		errx(1, "%s", errbuf);
	if ((ctl = control_init(fd, handler, NULL)) == NULL)
		err(1, "control_init");
	control_set_timeouts(ctl, idle_ms, partial_ms);
	signal_set(&evterm, SIGTERM, stop, NULL);
	signal_add(&evterm, NULL);
	evtimer_set(&evtimeout, stop, NULL);
	evtimer_add(&evtimeout, &tv);
	event_dispatch();
	control_free(ctl);
	(void)unlink(argv[0]);
	free(peers_json);
	return (0);
}
