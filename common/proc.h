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

#ifndef SOFTLAN_PROC_H
#define SOFTLAN_PROC_H

#include <sys/types.h>

#include <event.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "imsg.h"
#include "imsgev.h"

/*
 * The privilege-separation framework of every softlan daemon: a small
 * root parent and one sandboxed network child joined by a socketpair that
 * speaks imsg.
 *
 * main() of a daemon:
 *
 *	proc_init(&argc, &argv);	first: saves argv, resolves
 *					/proc/self/exe, notes the role
 *	log_init(1, LOG_DAEMON);
 *	getopt() as usual: the hidden role arguments are already gone
 *	log_init(debug, LOG_DAEMON); log_setverbose(verbose);
 *	if (!proc_ischild())
 *		parse the config, check root, ...
 *	proc_main(&child, &parent, debug, arg);	never returns
 *
 * The parent (proc_main without the role) daemonizes unless debug, forks
 * and re-executes its own binary (the /proc/self/exe path resolved by
 * proc_init, so a relative argv[0] or a changed cwd do not matter) as
 *
 *	argv[0] -P <child name> <parent pid> <original arguments...>
 *
 * with the child's end of the socketpair on fd 3 (PROC_PARENT_FD) and
 * every other fd above 2 closed.  The environment is passed on (see
 * SOFTLAN_SECCOMP_TRAP in sandbox.h).  The child re-runs main() with the
 * same flags (so it knows -d and -v), then proc_main() confines it:
 *
 *	sandbox_drop()		chroot, setuid, pdeathsig, rlimits, nnp
 *	event_init(), signals, imsg on fd 3
 *	child->setup(p)		unprivileged setup still before the filter
 *	sandbox_filter()	seccomp: base list + child->syscalls
 *	child->run(p)		first requests to the parent, events
 *	event_dispatch()
 *
 * Logging: from proc_main() on, the child's log lines go to the parent as
 * IMSG_LOG (a fatal is flushed before the child exits); the parent writes
 * them to stderr (-d) or syslog.  Process titles and names are "parent"
 * and child->name.
 *
 * Parent side: every message from the child must match an entry of
 * parent->reqs: the type, the exact payload size (or at most size with
 * PROC_VARSIZE), and PROC_ONCE types only once.  Anything else makes the
 * parent log why and exit (fail closed).  EOF on the pipe, or SIGCHLD,
 * ends the parent with "lost child: ..." saying how the child ended;
 * the child ends on EOF ("parent gone").  SIGTERM/SIGINT stop the child
 * (SIGTERM, then SIGKILL after PROC_STOP_WAIT_MS) and then the parent;
 * SIGHUP calls parent->reload.  Messages from the parent to the child go
 * to child->dispatch unchecked: the parent is trusted.
 */

#define PROC_PARENT_FD		3
#define PROC_ROLE_FLAG		"-P"
#define PROC_LOG_MAX		1024	/* log line with its NUL */
#define PROC_STOP_WAIT_MS	1000

/*
 * The framework's own message types, and the two requests every daemon's
 * child makes for its control socket (daemon.c: daemon_ctl_common() in
 * the child, daemon_req_verbose() and daemon_req_reload() in the
 * parent's request table).  A daemon's header continues with its own:
 * enum { IMSG_RECONF_CONF = IMSG_PROC_FIRST, ... };
 */
enum proc_imsg_type {
	IMSG_NONE = 0,
	IMSG_LOG,		/* child -> parent: struct proc_log + line */
	IMSG_REQ_VERBOSE,	/* child -> parent: int32_t level, 0..3 */
	IMSG_REQ_RELOAD,	/* child -> parent: empty; what SIGHUP does */
	IMSG_PROC_FIRST = 16
};

/* IMSG_LOG payload: pri, then the line with its NUL (variable size). */
struct proc_log {
	int32_t		 pri;
	/* char		 line[]; "<child name>: text", NUL-terminated */
};

struct proc;

/* One request type the parent accepts from its child. */
struct proc_req {
	uint32_t	 type;
	const char	*name;		/* "IMSG_OPEN_TAP", for the logs */
	size_t		 size;		/* exact payload size, or the max */
	int		 flags;
#define PROC_ONCE	0x01		/* allowed once per child */
#define PROC_VARSIZE	0x02		/* size is a maximum */
	void		(*handler)(struct proc *, struct imsg *);
};

struct proc_child {
	const char	*name;		/* "relay": title and log name */
	const char	*user;		/* "_relayd" */
	const char	*chroot;	/* empty dir; NULL: /var/empty */
	const int	*syscalls;	/* extra allow-list, SANDBOX_END */
	int		 flags;
#define PROC_NOFILTER	0x01		/* tests only: no seccomp filter */
	void		(*setup)(struct proc *);	/* before the filter */
	void		(*run)(struct proc *);		/* after the filter */
	void		(*dispatch)(struct proc *, struct imsg *);
};

struct proc_parent {
	const struct proc_req	*reqs;
	size_t			 nreqs;
	void			(*start)(struct proc *);    /* child forked */
	void			(*reload)(struct proc *);   /* SIGHUP */
	void			(*shutdown)(struct proc *); /* before exit */
};

struct proc {
	const struct proc_child	 *p_child;
	const struct proc_parent *p_parent;	/* NULL in the child */
	struct imsgev		  p_iev;	/* the pipe to the peer */
	pid_t			  p_pid;	/* parent: child; child: parent */
	int			  p_debug;
	int			  p_ischild;
	void			 *p_arg;	/* the daemon's own state */
	uint8_t			 *p_used;	/* PROC_ONCE requests seen */
	struct event		  p_ev_sigterm;
	struct event		  p_ev_sigint;
	struct event		  p_ev_sighup;
	struct event		  p_ev_sigchld;
	struct event		  p_ev_sigpipe;
};

/* proc.c */
void		 proc_init(int *, char ***);
int		 proc_ischild(void);
__dead void	 proc_main(const struct proc_child *,
		    const struct proc_parent *, int, void *);
int		 proc_compose(struct proc *, uint32_t, int, const void *,
		    size_t);
int		 proc_flush(struct proc *);
__dead void	 proc_shutdown(struct proc *, int);
__dead void	 proc_fail(struct proc *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));

#endif /* SOFTLAN_PROC_H */
