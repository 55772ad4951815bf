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


#ifndef SOFTLAN_DAEMON_H
#define SOFTLAN_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/*
 * What the daemons do alike: main()'s flags (-d -n -v -f -D, the same
 * usage text) and the logging they select; handing the user the parent
 * checked to the re-executed child through the environment; "log
 * verbose" on the control socket, in the child and in the parent; and
 * the certificates, CAs and keys the parent reads and hands the child.
 */

#define DAEMON_MAX_DEFINES	64
#define DAEMON_BLOB_CHUNK	8192	/* bytes in one imsg of a blob */

struct daemon_opts {
	const char	*conffile;
	char		*defines[DAEMON_MAX_DEFINES];
	int		 ndefines;
	int		 debug;
	int		 verbose;
	int		 noaction;
};

struct control_show;
struct ctl_conn;
struct imsg;
struct proc;
struct proc_child;
struct proc_parent;

/* daemon.c */
uint8_t		*daemon_read_file(const char *, size_t, size_t *);
void		 daemon_blob_send(struct proc *, uint32_t, const uint8_t *,
		    size_t);
void		 daemon_blob_append(uint8_t **, size_t *, struct imsg *,
		    size_t, const char *);
void		 daemon_blob_free(uint8_t **, size_t *);
void		 daemon_getopt(int, char **, struct daemon_opts *,
		    const char *);
void		 daemon_child(const char *, struct proc_child *,
		    const struct proc_parent *, int, void *);
void		 daemon_export_user(const char *, struct proc_child *,
		    const char *);
void		 daemon_req_verbose(struct proc *, struct imsg *);
void		 daemon_req_reload(struct proc *, struct imsg *);
void		 daemon_ctl_common(struct ctl_conn *, uint32_t, const void *,
		    size_t, struct proc *);
void		 daemon_ctl_dispatch(struct ctl_conn *, uint32_t, const void *,
		    size_t, struct proc *, const struct control_show *, size_t,
		    void *);

#endif /* SOFTLAN_DAEMON_H */
