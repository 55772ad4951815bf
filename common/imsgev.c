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
#include <sys/uio.h>

#include <event.h>
#include <stdint.h>
#include <unistd.h>

#include "imsg.h"
#include "imsgev.h"

int
imsgev_init(struct imsgev *iev, int fd, void (*handler)(int, short, void *),
    void *data)
{
	if (imsgbuf_init(&iev->ibuf, fd) == -1)
		return (-1);
	iev->handler = handler;
	iev->data = data;
	iev->events = 0;
	return (0);
}

/*
 * (Re)arm the persistent event for what is needed now: always EV_READ,
 * EV_WRITE only while messages wait in the queue.
 */
void
imsgev_add(struct imsgev *iev)
{
	short	 want;

	want = EV_READ;
	if (imsgbuf_queuelen(&iev->ibuf) > 0)
		want |= EV_WRITE;
	if (want == iev->events)
		return;
	if (iev->events != 0)
		event_del(&iev->ev);
	event_set(&iev->ev, iev->ibuf.fd, want | EV_PERSIST, iev->handler,
	    iev->data);
	if (event_add(&iev->ev, NULL) == -1) {
		iev->events = 0;
		return;
	}
	iev->events = want;
}

int
imsgev_compose(struct imsgev *iev, uint32_t type, uint32_t peerid, pid_t pid,
    int fd, const void *data, size_t len)
{
	if (imsg_compose(&iev->ibuf, type, peerid, pid, fd, data, len) == -1)
		return (-1);
	imsgev_add(iev);
	return (0);
}

int
imsgev_composev(struct imsgev *iev, uint32_t type, uint32_t peerid,
    pid_t pid, int fd, const struct iovec *iov, int iovcnt)
{
	if (imsg_composev(&iev->ibuf, type, peerid, pid, fd, iov,
	    iovcnt) == -1)
		return (-1);
	imsgev_add(iev);
	return (0);
}

/* Stop watching, drop whatever is queued and close the socket. */
void
imsgev_clear(struct imsgev *iev)
{
	if (iev->events != 0)
		event_del(&iev->ev);
	iev->events = 0;
	imsgbuf_clear(&iev->ibuf);
	if (iev->ibuf.fd != -1)
		close(iev->ibuf.fd);
	iev->ibuf.fd = -1;
}
