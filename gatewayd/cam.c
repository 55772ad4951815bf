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

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cam.h"
#include "compat.h"
#include "ether.h"
#include "wiremsg.h"

static int	 cam_find(const struct cam *, const struct ether_mac *,
		    size_t *);
static struct cam_entry *cam_add(struct cam *, size_t,
		    const struct ether_mac *, uint64_t);
static void	 cam_remove(struct cam *, size_t);
static uint64_t	 add_sat(uint64_t, uint64_t);

static uint64_t
add_sat(uint64_t a, uint64_t b)
{
	return (a > UINT64_MAX - b ? UINT64_MAX : a + b);
}

/*
 * Binary search: 1 and *idx the entry's index when mac is tracked, else
 * 0 and *idx where it would be inserted.
 */
static int
cam_find(const struct cam *cam, const struct ether_mac *mac, size_t *idx)
{
	size_t	 lo = 0, hi = cam->n, mid;
	int	 c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = memcmp(mac->octet, cam->entries[mid].mac.octet,
		    ETHER_ADDR_LEN);
		if (c == 0) {
			*idx = mid;
			return (1);
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*idx = lo;
	return (0);
}

/* Insert at idx (from cam_find()); NULL and counted when full. */
static struct cam_entry *
cam_add(struct cam *cam, size_t idx, const struct ether_mac *mac,
    uint64_t now)
{
	struct cam_entry	*e;

	if (cam->n >= cam->max) {
		cam->counters.full++;
		return (NULL);
	}
	memmove(&cam->entries[idx + 1], &cam->entries[idx],
	    (cam->n - idx) * sizeof(cam->entries[0]));
	cam->n++;
	e = &cam->entries[idx];
	memset(e, 0, sizeof(*e));
	e->mac = *mac;
	e->first_seen = now;
	e->last_seen = now;
	e->next_due = now;	/* once at once */
	cam->counters.added++;
	return (e);
}

static void
cam_remove(struct cam *cam, size_t idx)
{
	memmove(&cam->entries[idx], &cam->entries[idx + 1],
	    (cam->n - idx - 1) * sizeof(cam->entries[0]));
	cam->n--;
	memset(&cam->entries[cam->n], 0, sizeof(cam->entries[0]));
}

/*
 * A tracker for the gateway whose NIC has MAC nic, refreshing every
 * interval ms (0: CAM_REFRESH_DEFAULT) at most max MACs (0:
 * CAM_MAX_DEFAULT).  NULL if out of memory.
 */
struct cam *
cam_new(const struct ether_mac *nic, uint64_t interval, size_t max)
{
	struct cam	*cam;

	if (max == 0)
		max = CAM_MAX_DEFAULT;
	if ((cam = calloc(1, sizeof(*cam))) == NULL)
		return (NULL);
	if ((cam->entries = calloc(max, sizeof(cam->entries[0]))) == NULL) {
		free(cam);
		return (NULL);
	}
	cam->nic = *nic;
	cam->interval = interval == 0 ? CAM_REFRESH_DEFAULT : interval;
	cam->learned_age = CAM_LEARNED_AGE;
	cam->max = max;
	return (cam);
}

void
cam_free(struct cam *cam)
{
	if (cam == NULL)
		return;
	free(cam->entries);
	free(cam);
}

/*
 * The NIC's MAC changed (the interface was re-created): refreshes now go
 * to the new one, and an entry with that MAC is dropped.
 */
void
cam_set_nic(struct cam *cam, const struct ether_mac *nic)
{
	size_t	 idx;

	cam->nic = *nic;
	if (cam_find(cam, nic, &idx)) {
		cam_remove(cam, idx);
		cam->counters.cleared++;
	}
}

/*
 * A new interval (0: the default), e.g. on reload.  A MAC refreshed
 * before is due again at its last refresh + the new interval.
 */
void
cam_set_interval(struct cam *cam, uint64_t interval)
{
	struct cam_entry	*e;
	size_t			 i;

	cam->interval = interval == 0 ? CAM_REFRESH_DEFAULT : interval;
	for (i = 0; i < cam->n; i++) {
		e = &cam->entries[i];
		if (e->refreshes > 0)
			e->next_due = add_sat(e->last_refresh, cam->interval);
	}
}

/* The relay connection is gone: forget every MAC. */
void
cam_clear(struct cam *cam)
{
	cam->counters.cleared += cam->n;
	memset(cam->entries, 0, cam->n * sizeof(cam->entries[0]));
	cam->n = 0;
}

/*
 * A welcome: the room as it is now replaces the table.  Returns how many
 * MACs are tracked afterwards.
 */
size_t
cam_welcome(struct cam *cam, const struct wiremsg_welcome *w, uint64_t now)
{
	size_t	 i;

	cam_clear(cam);
	for (i = 0; i < w->npeers && i < nitems(w->peers); i++)
		(void)cam_peer_joined(cam, &w->peers[i], now);
	return (cam->n);
}

/*
 * A member joined (or was listed in a welcome).  Returns 1 when its MAC
 * is new, 0 when it is already tracked (it is now announced with this
 * peer id) or the member is not a client, -1 when its MAC is not a valid
 * client MAC or is the NIC's (counted as invalid), or the table is full
 * (counted as full).
 */
int
cam_peer_joined(struct cam *cam, const struct wiremsg_peer *p, uint64_t now)
{
	struct cam_entry	*e;
	size_t			 idx;

	if (p->role != WIREMSG_ROLE_CLIENT)
		return (0);
	if (!ether_mac_valid_client(&p->mac) ||
	    ether_mac_eq(&p->mac, &cam->nic)) {
		cam->counters.invalid++;
		return (-1);
	}
	if (cam_find(cam, &p->mac, &idx)) {
		e = &cam->entries[idx];
		e->announced = 1;
		e->peer_id = p->peer_id;
		return (0);
	}
	if ((e = cam_add(cam, idx, &p->mac, now)) == NULL)
		return (-1);
	e->announced = 1;
	e->peer_id = p->peer_id;
	return (1);
}

/*
 * A member left.  Returns 1 when its MAC was removed, 0 otherwise: not
 * a client, a MAC not tracked (counted as left-unknown), or one that was
 * announced for another peer id (a stale message, counted as left-stale).
 */
int
cam_peer_left(struct cam *cam, const struct wiremsg_peer *p)
{
	struct cam_entry	*e;
	size_t			 idx;

	if (p->role != WIREMSG_ROLE_CLIENT)
		return (0);
	if (!cam_find(cam, &p->mac, &idx)) {
		cam->counters.left_unknown++;
		return (0);
	}
	e = &cam->entries[idx];
	if (e->announced && e->peer_id != p->peer_id) {
		cam->counters.left_stale++;
		return (0);
	}
	cam_remove(cam, idx);
	cam->counters.left++;
	return (1);
}

/*
 * The source MAC of a frame from the relay.  Returns 1 when it is new,
 * 0 when it was tracked already (its frame count and last-seen time are
 * updated), -1 when it is multicast, zero or the NIC's (counted as
 * invalid) or the table is full (counted as full).
 */
int
cam_learn(struct cam *cam, const struct ether_mac *mac, uint64_t now)
{
	struct cam_entry	*e;
	size_t			 idx;

	if (!ether_mac_valid_unicast(mac) || ether_mac_eq(mac, &cam->nic)) {
		cam->counters.invalid++;
		return (-1);
	}
	if (cam_find(cam, mac, &idx)) {
		e = &cam->entries[idx];
		e->last_seen = now;
		e->frames++;
		return (0);
	}
	if ((e = cam_add(cam, idx, mac, now)) == NULL)
		return (-1);
	e->frames = 1;
	return (1);
}

/* The entry of a tracked MAC, or NULL. */
const struct cam_entry *
cam_lookup(const struct cam *cam, const struct ether_mac *mac)
{
	size_t	 idx;

	if (!cam_find(cam, mac, &idx))
		return (NULL);
	return (&cam->entries[idx]);
}

size_t
cam_count(const struct cam *cam)
{
	return (cam->n);
}

/*
 * Remove the entries only ever learned from traffic that have been
 * silent for learned_age ms.  Returns how many.
 */
size_t
cam_expire(struct cam *cam, uint64_t now)
{
	struct cam_entry	*e;
	size_t			 i, n = 0;

	for (i = 0; i < cam->n; ) {
		e = &cam->entries[i];
		if (!e->announced &&
		    add_sat(e->last_seen, cam->learned_age) <= now) {
			cam_remove(cam, i);
			cam->counters.expired++;
			n++;
			continue;
		}
		i++;
	}
	return (n);
}

/*
 * Expire silent learned entries, then copy to out (at most max) the MACs
 * whose refresh is due at now, and mark each sent at now: due again at
 * now + interval.  Returns how many; MACs that did not fit stay due.
 */
size_t
cam_due(struct cam *cam, uint64_t now, struct ether_mac *out, size_t max)
{
	struct cam_entry	*e;
	size_t			 i, n = 0;

	(void)cam_expire(cam, now);
	for (i = 0; i < cam->n && n < max; i++) {
		e = &cam->entries[i];
		if (e->next_due > now)
			continue;
		out[n++] = e->mac;
		e->refreshes++;
		e->last_refresh = now;
		e->next_due = add_sat(now, cam->interval);
		cam->counters.refreshes++;
	}
	return (n);
}

/*
 * When cam_due() has work next (a refresh, or a learned entry to
 * expire): 1 and *when, or 0 when the table is empty.
 */
int
cam_next_due(const struct cam *cam, uint64_t *when)
{
	const struct cam_entry	*e;
	uint64_t		 t, min = UINT64_MAX;
	size_t			 i;

	if (cam->n == 0)
		return (0);
	for (i = 0; i < cam->n; i++) {
		e = &cam->entries[i];
		min = MINIMUM(min, e->next_due);
		if (!e->announced) {
			t = add_sat(e->last_seen, cam->learned_age);
			min = MINIMUM(min, t);
		}
	}
	*when = min;
	return (1);
}

/*
 * The refresh frame for remote: to the NIC, from remote, EtherType
 * 0x88b5, zero padding to the 60-byte minimum (no FCS).
 */
void
cam_build_frame(const struct ether_mac *nic, const struct ether_mac *remote,
    uint8_t out[CAM_FRAME_LEN])
{
	memset(out, 0, CAM_FRAME_LEN);
	memcpy(out, nic->octet, ETHER_ADDR_LEN);
	memcpy(out + ETHER_ADDR_LEN, remote->octet, ETHER_ADDR_LEN);
	out[2 * ETHER_ADDR_LEN] = ETHERTYPE_LOCAL_EXP1 >> 8;
	out[2 * ETHER_ADDR_LEN + 1] = ETHERTYPE_LOCAL_EXP1 & 0xff;
}

/* Call cb for every entry, in MAC order; cb must not change the table. */
void
cam_walk(const struct cam *cam, cam_walk_cb cb, void *arg)
{
	size_t	 i;

	for (i = 0; i < cam->n; i++)
		cb(&cam->entries[i], arg);
}


/*
 * The totals as name/value pairs for the control socket, at most max:
 * cam-macs, cam-added, cam-left, cam-left-unknown, cam-left-stale,
 * cam-cleared, cam-expired, cam-refreshes, cam-full, cam-invalid.
 * Returns how many were written.
 */
size_t
cam_counters_export(const struct cam *cam, struct wiremsg_counter *out,
    size_t max)
{
	const struct cam_counters	*c = &cam->counters;
	size_t				 n = 0;

	wiremsg_counter_put(out, max, &n, "cam-macs", cam->n);
	wiremsg_counter_put(out, max, &n, "cam-added", c->added);
	wiremsg_counter_put(out, max, &n, "cam-left", c->left);
	wiremsg_counter_put(out, max, &n, "cam-left-unknown", c->left_unknown);
	wiremsg_counter_put(out, max, &n, "cam-left-stale", c->left_stale);
	wiremsg_counter_put(out, max, &n, "cam-cleared", c->cleared);
	wiremsg_counter_put(out, max, &n, "cam-expired", c->expired);
	wiremsg_counter_put(out, max, &n, "cam-refreshes", c->refreshes);
	wiremsg_counter_put(out, max, &n, "cam-full", c->full);
	wiremsg_counter_put(out, max, &n, "cam-invalid", c->invalid);
	return (n);
}
