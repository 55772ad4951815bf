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

#ifndef SOFTLAN_IMSGEV_H
#define SOFTLAN_IMSGEV_H

#include <sys/types.h>

#include <event.h>
#include <stddef.h>
#include <stdint.h>

#include "imsg.h"

/*
 * An imsgbuf driven by libevent.  EV_READ is always armed; EV_WRITE is
 * armed exactly while imsgbuf_queuelen() > 0, so the loop never spins on a
 * writable socket with nothing to send.  Call imsgev_add() after anything
 * that may have queued or drained messages (imsgev_compose() does it).
 */
struct imsgev {
	struct imsgbuf	 ibuf;
	struct event	 ev;
	void		(*handler)(int, short, void *);
	void		*data;
	short		 events;	/* what ev is armed for, 0 if none */
};

/* imsgev.c */
int	 imsgev_init(struct imsgev *, int, void (*)(int, short, void *),
	    void *);
void	 imsgev_add(struct imsgev *);
int	 imsgev_compose(struct imsgev *, uint32_t, uint32_t, pid_t, int,
	    const void *, size_t);
int	 imsgev_composev(struct imsgev *, uint32_t, uint32_t, pid_t, int,
	    const struct iovec *, int);
void	 imsgev_clear(struct imsgev *);

#endif /* SOFTLAN_IMSGEV_H */
