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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "imsg.h"
#include "imsgev.h"
#include "proc.h"
#include "sandbox.h"

#define PROC_POLL_MS	10
#define PROC_DRAIN_MAX	64	/* reads of a dead child's pipe */

extern char	**environ;

static char	 proc_exe[PATH_MAX];	/* resolved /proc/self/exe */
static char	**proc_execargv;	/* argv for the re-exec, role removed */
static const char *proc_role;		/* child name after -P, or NULL */
static pid_t	 proc_ppid;		/* the parent, as it told the child */
static pid_t	 proc_mypid;
static struct proc proc_state;
static int	 proc_evready;		/* child: the pipe has its event */
static int	 proc_peergone;		/* child: the pipe is dead */

static void	 proc_title(const char *);
static __dead void proc_exec_child(const struct proc_child *, int, pid_t);
static __dead void proc_parent_main(struct proc *);
static __dead void proc_child_main(struct proc *);
static void	 proc_parent_dispatch(int, short, void *);
static void	 proc_child_dispatch(int, short, void *);
static void	 proc_parent_imsg(struct proc *, struct imsg *);
static int	 proc_parent_log(struct proc *, struct imsg *, char *,
		    size_t);
static __dead void proc_lost_child(struct proc *, int, int);
static int	 proc_reap(pid_t, int, int *);
static void	 proc_stop_child(struct proc *);
static void	 proc_drain(struct proc *);
static const char *proc_status(int, char *, size_t);
static void	 proc_parent_sig(int, short, void *);
static void	 proc_child_sig(int, short, void *);
static void	 proc_log_hook(int, const char *);
static void	 proc_log_stderr(const char *, size_t);
static void	 proc_trap_report(const char *, size_t);

/*
 * First thing in main(): copy argv before setproctitle_init() reuses its
 * memory, resolve our own binary for the re-exec, and take the hidden
 * role arguments (-P name ppid) out of what getopt() will see.
 */
void
proc_init(int *argcp, char ***argvp)
{
	const char	*errstr;
	char		**nargv;
	ssize_t		 n;
	int		 argc = *argcp, i, skip = 0;
	char		**argv = *argvp;

	if ((n = readlink("/proc/self/exe", proc_exe,
	    sizeof(proc_exe) - 1)) == -1)
		err(1, "readlink /proc/self/exe");
	proc_exe[n] = '\0';

	if (argc >= 4 && strcmp(argv[1], PROC_ROLE_FLAG) == 0) {
		proc_ppid = strtonum(argv[3], 1, INT_MAX, &errstr);
		if (errstr != NULL)
			errx(1, "parent pid %s is %s", argv[3], errstr);
		skip = 3;
	}

	if ((nargv = calloc(argc + 1, sizeof(*nargv))) == NULL)
		err(1, "calloc");
	for (i = 0; i < argc; i++) {
		if (i >= 1 && i <= skip)
			continue;
		if ((nargv[i > skip ? i - skip : i] = strdup(argv[i])) == NULL)
			err(1, "strdup");
	}
	if (skip != 0 && (proc_role = strdup(argv[2])) == NULL)
		err(1, "strdup");

	/* getopt() permutes the array it is given: keep our own. */
	if ((proc_execargv = calloc(argc + 1, sizeof(*nargv))) == NULL)
		err(1, "calloc");
	memcpy(proc_execargv, nargv, (argc - skip) * sizeof(*nargv));

	setproctitle_init(argc, argv, environ);
	*argcp = argc - skip;
	*argvp = nargv;
}

int
proc_ischild(void)
{
	return (proc_role != NULL);
}

static void
proc_title(const char *name)
{
	log_procinit(name);
	setproctitle("%s", name);
	if (prctl(PR_SET_NAME, name, 0, 0, 0) == -1)
		log_warn("prctl PR_SET_NAME");
}

/*
 * Never returns.  In the parent: start the child and serve its requests.
 * In the child (re-executed with the role arguments): confine it and run.
 */
void
proc_main(const struct proc_child *child, const struct proc_parent *parent,
    int debug, void *arg)
{
	struct proc	*p = &proc_state;

	p->p_child = child;
	p->p_parent = parent;
	p->p_debug = debug;
	p->p_arg = arg;
	p->p_iev.ibuf.fd = -1;
	proc_mypid = getpid();

	if (proc_role != NULL) {
		if (strcmp(proc_role, child->name) != 0)
			fatalx("unknown process %s", proc_role);
		p->p_ischild = 1;
		p->p_parent = NULL;
		proc_child_main(p);
	}
	if (parent == NULL)
		fatalx("%s: no parent description", __func__);
	proc_parent_main(p);
}

/* In the forked child: put the pipe on fd 3 and become our own binary. */
static __dead void
proc_exec_child(const struct proc_child *child, int fd, pid_t ppid)
{
	char	 pidstr[16];
	char	**argv;
	int	 argc, i;

	if (fd == PROC_PARENT_FD) {
		if (fcntl(fd, F_SETFD, 0) == -1)
			_exit(127);
	} else if (dup2(fd, PROC_PARENT_FD) == -1)
		_exit(127);
	closefrom(PROC_PARENT_FD + 1);

	for (argc = 0; proc_execargv[argc] != NULL; argc++)
		;
	if ((argv = calloc(argc + 4, sizeof(*argv))) == NULL)
		_exit(127);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)ppid);
	argv[0] = proc_execargv[0];
	argv[1] = PROC_ROLE_FLAG;
	if ((argv[2] = strdup(child->name)) == NULL)
		_exit(127);
	argv[3] = pidstr;
	for (i = 1; i < argc; i++)
		argv[i + 3] = proc_execargv[i];

	execve(proc_exe, argv, environ);
	dprintf(STDERR_FILENO, "%s: execve %s: %s\n", log_procname(),
	    proc_exe, strerror(errno));
	_exit(127);
}

static __dead void
proc_parent_main(struct proc *p)
{
	const struct proc_child	*child = p->p_child;
	int			 sv[2];
	pid_t			 pid;

	if (geteuid() == 0 && getpwnam(child->user) == NULL)
		fatalx("unknown user %s", child->user);
	if (!p->p_debug && daemon(0, 0) == -1)
		fatal("daemon");
	proc_mypid = getpid();

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    PF_UNSPEC, sv) == -1)
		fatal("socketpair");
	if ((p->p_used = calloc(p->p_parent->nreqs + 1, 1)) == NULL)
		fatal("calloc");

	/* Signals are watched before the child exists: no SIGCHLD is lost. */
	event_init();
	signal(SIGPIPE, SIG_IGN);
	signal_set(&p->p_ev_sigterm, SIGTERM, proc_parent_sig, p);
	signal_set(&p->p_ev_sigint, SIGINT, proc_parent_sig, p);
	signal_set(&p->p_ev_sighup, SIGHUP, proc_parent_sig, p);
	signal_set(&p->p_ev_sigchld, SIGCHLD, proc_parent_sig, p);
	signal_add(&p->p_ev_sigterm, NULL);
	signal_add(&p->p_ev_sigint, NULL);
	signal_add(&p->p_ev_sighup, NULL);
	signal_add(&p->p_ev_sigchld, NULL);

	switch (pid = fork()) {
	case -1:
		fatal("fork");
	case 0:
		proc_exec_child(child, sv[1], proc_mypid);
	default:
		break;
	}
	close(sv[1]);
	p->p_pid = pid;
	proc_title("parent");

	if (imsgev_init(&p->p_iev, sv[0], proc_parent_dispatch, p) == -1)
		fatal("imsgbuf_init");
	/* To send fds; a child's message carrying one is refused. */
	imsgbuf_allow_fdpass(&p->p_iev.ibuf);
	imsgev_add(&p->p_iev);
	log_debug("started %s, pid %d", child->name, (int)pid);

	if (p->p_parent->start != NULL)
		p->p_parent->start(p);
	event_dispatch();
	proc_shutdown(p, 1);
}

static __dead void
proc_child_main(struct proc *p)
{
	const struct proc_child	*child = p->p_child;
	struct stat		 st;

	p->p_pid = proc_ppid;
	proc_title(child->name);

	if (fstat(PROC_PARENT_FD, &st) == -1 || !S_ISSOCK(st.st_mode))
		fatalx("fd %d is not a socket: not started by a parent",
		    PROC_PARENT_FD);
	if (imsgev_init(&p->p_iev, PROC_PARENT_FD, proc_child_dispatch,
	    p) == -1)
		fatal("imsgbuf_init");
	imsgbuf_allow_fdpass(&p->p_iev.ibuf);
	/* From here on every log line goes to the parent, never syslog. */
	log_sethook(proc_log_hook);
	closelog();

	sandbox_drop(child->user, child->chroot, proc_ppid);

	event_init();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal_set(&p->p_ev_sigterm, SIGTERM, proc_child_sig, p);
	signal_set(&p->p_ev_sigint, SIGINT, proc_child_sig, p);
	signal_add(&p->p_ev_sigterm, NULL);
	signal_add(&p->p_ev_sigint, NULL);
	imsgev_add(&p->p_iev);
	proc_evready = 1;

	if (child->setup != NULL)
		child->setup(p);
	if (child->flags & PROC_NOFILTER)
		log_warnx("seccomp filter disabled (test mode)");
	else
		sandbox_filter(child->syscalls, proc_trap_report);
	if (child->run != NULL)
		child->run(p);

	event_dispatch();
	proc_shutdown(p, 0);
}

int
proc_compose(struct proc *p, uint32_t type, int fd, const void *data,
    size_t len)
{
	return (imsgev_compose(&p->p_iev, type, 0, 0, fd, data, len));
}

/* Send everything queued now, e.g. before a step that may kill us. */
int
proc_flush(struct proc *p)
{
	int	 rv;

	rv = imsgbuf_flush(&p->p_iev.ibuf);
	if (p->p_ischild ? proc_evready : 1)
		imsgev_add(&p->p_iev);
	return (rv);
}

/*
 * Parent: stop the child (if it still runs), let the daemon clean up,
 * exit.  Child: hand the last log lines to the parent, exit.
 */
void
proc_shutdown(struct proc *p, int code)
{
	if (p->p_ischild) {
		if (!proc_peergone)
			imsgbuf_flush(&p->p_iev.ibuf);
		exit(code);
	}
	if (p->p_pid > 0)
		proc_stop_child(p);
	if (p->p_parent != NULL && p->p_parent->shutdown != NULL)
		p->p_parent->shutdown(p);
	log_info("parent terminating");
	exit(code);
}

/* Fail closed: log why, stop the child, exit non-zero. */
void
proc_fail(struct proc *p, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s", msg);
	proc_shutdown(p, 1);
}

/* Wait up to ms for pid to end; 1 and the status if it did, else 0. */
static int
proc_reap(pid_t pid, int ms, int *status)
{
	struct timespec	 ts = { 0, PROC_POLL_MS * 1000000L };
	pid_t		 r;
	int		 waited = 0;

	for (;;) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return (1);
		if (r == -1 && errno != EINTR) {
			*status = 0;
			return (-1);
		}
		if (waited >= ms)
			return (0);
		nanosleep(&ts, NULL);
		waited += PROC_POLL_MS;
	}
}

static const char *
proc_status(int status, char *buf, size_t len)
{
	const char	*abbrev;

	if (WIFSIGNALED(status)) {
		abbrev = sigabbrev_np(WTERMSIG(status));
		snprintf(buf, len, "killed by signal %d (SIG%s)%s",
		    WTERMSIG(status), abbrev != NULL ? abbrev : "?",
		    WCOREDUMP(status) ? ", core dumped" : "");
	} else if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d",
		    WEXITSTATUS(status));
	else
		snprintf(buf, len, "ended with wait status 0x%x", status);
	return (buf);
}

/* Orderly stop: SIGTERM, a bounded wait, then SIGKILL. */
static void
proc_stop_child(struct proc *p)
{
	char	 how[128];
	int	 status, r;

	kill(p->p_pid, SIGTERM);
	if ((r = proc_reap(p->p_pid, PROC_STOP_WAIT_MS, &status)) == 0) {
		log_warnx("%s, pid %d, ignored SIGTERM: killing it",
		    p->p_child->name, (int)p->p_pid);
		kill(p->p_pid, SIGKILL);
		r = proc_reap(p->p_pid, PROC_STOP_WAIT_MS, &status);
	}
	proc_drain(p);
	if (r == 1)
		log_debug("%s, pid %d, %s", p->p_child->name, (int)p->p_pid,
		    proc_status(status, how, sizeof(how)));
	else
		log_warnx("%s, pid %d, could not be reaped", p->p_child->name,
		    (int)p->p_pid);
	p->p_pid = 0;
}

/*
 * The child is gone (EOF on the pipe or SIGCHLD).  Reap it, pass on what
 * it still wrote, say how it ended, and shut down.
 */
static void
proc_lost_child(struct proc *p, int reaped, int status)
{
	char	 how[128];
	int	 r = 1, killed = 0;

	/* On EOF it normally exits right away; never wait unbounded. */
	if (!reaped &&
	    (r = proc_reap(p->p_pid, PROC_STOP_WAIT_MS, &status)) == 0) {
		kill(p->p_pid, SIGKILL);
		killed = 1;
		r = proc_reap(p->p_pid, PROC_STOP_WAIT_MS, &status);
	}
	proc_drain(p);
	if (r == 1 && killed)
		log_warnx("lost child: %s, pid %d, closed its pipe and was "
		    "killed", p->p_child->name, (int)p->p_pid);
	else if (r == 1)
		log_warnx("lost child: %s, pid %d, %s", p->p_child->name,
		    (int)p->p_pid, proc_status(status, how, sizeof(how)));
	else
		log_warnx("lost child: %s, pid %d, could not be reaped",
		    p->p_child->name, (int)p->p_pid);
	p->p_pid = 0;
	proc_shutdown(p, 1);
}

/* Log what a dead child left in the pipe; everything else is dropped. */
static void
proc_drain(struct proc *p)
{
	struct imsg	 imsg;
	char		 err[128];
	ssize_t		 n;
	int		 i, r;

	if (p->p_iev.ibuf.fd == -1)
		return;
	for (i = 0; i < PROC_DRAIN_MAX; i++) {
		r = imsgbuf_read(&p->p_iev.ibuf);
		for (;;) {
			if ((n = imsg_get(&p->p_iev.ibuf, &imsg)) <= 0)
				break;
			if (imsg_get_type(&imsg) == IMSG_LOG &&
			    proc_parent_log(p, &imsg, err, sizeof(err)) == -1)
				log_warnx("%s", err);
			imsg_free(&imsg);
		}
		if (r != 1 || n == -1)
			break;
	}
	imsgev_clear(&p->p_iev);
}

static void
proc_parent_dispatch(int fd, short event, void *arg)
{
	struct proc	*p = arg;
	struct imsgbuf	*ibuf = &p->p_iev.ibuf;
	struct imsg	 imsg;
	ssize_t		 n;
	int		 eof = 0;

	(void)fd;
	if (event & EV_READ) {
		if ((n = imsgbuf_read(ibuf)) == -1) {
			if (errno != ECONNRESET)
				proc_fail(p, "read from %s: %s",
				    p->p_child->name, strerror(errno));
			eof = 1;
		} else if (n == 0)
			eof = 1;
	}
	if (event & EV_WRITE) {
		if (imsgbuf_write(ibuf) == -1) {
			if (errno != EPIPE && errno != ECONNRESET)
				proc_fail(p, "write to %s: %s",
				    p->p_child->name, strerror(errno));
			eof = 1;
		}
	}

	for (;;) {
		if ((n = imsg_get(ibuf, &imsg)) == -1)
			proc_fail(p, "%s sent a malformed message: %s",
			    p->p_child->name, strerror(errno));
		if (n == 0)
			break;
		proc_parent_imsg(p, &imsg);
		imsg_free(&imsg);
	}
	if (eof)
		proc_lost_child(p, 0, 0);
	imsgev_add(&p->p_iev);
}

/* Fail closed: the type must be known, the size exact, the permit set. */
static void
proc_parent_imsg(struct proc *p, struct imsg *imsg)
{
	const struct proc_parent *parent = p->p_parent;
	const struct proc_req	*req = NULL;
	char			 err[256];
	uint32_t		 type;
	size_t			 i, len;
	int			 fd;

	type = imsg_get_type(imsg);
	len = imsg_get_len(imsg);
	if (type == IMSG_LOG) {
		if (proc_parent_log(p, imsg, err, sizeof(err)) == -1)
			proc_fail(p, "%s", err);
		return;
	}
	for (i = 0; i < parent->nreqs; i++)
		if (parent->reqs[i].type == type) {
			req = &parent->reqs[i];
			break;
		}
	if (req == NULL)
		proc_fail(p, "%s sent unexpected imsg type %u",
		    p->p_child->name, type);
	if ((fd = imsg_get_fd(imsg)) != -1) {
		close(fd);
		proc_fail(p, "%s sent %s with a file descriptor",
		    p->p_child->name, req->name);
	}
	if ((req->flags & PROC_VARSIZE) && len > req->size)
		proc_fail(p, "%s sent malformed %s: size %zu, expected at "
		    "most %zu", p->p_child->name, req->name, len, req->size);
	if (!(req->flags & PROC_VARSIZE) && len != req->size)
		proc_fail(p, "%s sent malformed %s: size %zu, expected %zu",
		    p->p_child->name, req->name, len, req->size);
	if (req->flags & PROC_ONCE) {
		if (p->p_used[i])
			proc_fail(p, "%s sent %s again: allowed once",
			    p->p_child->name, req->name);
		p->p_used[i] = 1;
	}
	req->handler(p, imsg);
}

/*
 * IMSG_LOG: {pri, "<name>: text\0"}.  The line must name the child and is
 * written with control characters replaced, so a child can neither forge
 * another process's lines nor inject new ones.
 */
static int
proc_parent_log(struct proc *p, struct imsg *imsg, char *err, size_t errlen)
{
	struct proc_log	 lg;
	char		 buf[sizeof(lg) + PROC_LOG_MAX];
	const char	*name = p->p_child->name;
	char		*line, *s;
	size_t		 len, nlen;

	len = imsg_get_len(imsg);
	if (len < sizeof(lg) + 1 || len > sizeof(buf)) {
		snprintf(err, errlen, "%s sent malformed IMSG_LOG: size %zu, "
		    "expected %zu to %zu", name, len, sizeof(lg) + 1,
		    sizeof(buf));
		return (-1);
	}
	if (imsg_get_data(imsg, buf, len) == -1) {
		snprintf(err, errlen, "%s sent malformed IMSG_LOG: %s", name,
		    strerror(errno));
		return (-1);
	}
	memcpy(&lg, buf, sizeof(lg));
	line = buf + sizeof(lg);
	if (line[len - sizeof(lg) - 1] != '\0' ||
	    strlen(line) != len - sizeof(lg) - 1) {
		snprintf(err, errlen, "%s sent malformed IMSG_LOG: line not "
		    "NUL-terminated", name);
		return (-1);
	}
	if (lg.pri < LOG_CRIT || lg.pri > LOG_DEBUG) {
		snprintf(err, errlen, "%s sent malformed IMSG_LOG: priority "
		    "%d", name, (int)lg.pri);
		return (-1);
	}
	nlen = strlen(name);
	if (strncmp(line, name, nlen) != 0 || line[nlen] != ':' ||
	    line[nlen + 1] != ' ') {
		snprintf(err, errlen, "%s sent malformed IMSG_LOG: line does "
		    "not start with \"%s: \"", name, name);
		return (-1);
	}
	for (s = line; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	log_emit(lg.pri, line);
	return (0);
}

static void
proc_parent_sig(int sig, short event, void *arg)
{
	struct proc	*p = arg;
	int		 status;
	pid_t		 r;

	(void)event;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("received SIG%s, shutting down", sigabbrev_np(sig));
		proc_shutdown(p, 0);
	case SIGHUP:
		if (p->p_parent->reload != NULL) {
			log_info("received SIGHUP, reloading");
			p->p_parent->reload(p);
		} else
			log_info("received SIGHUP, nothing to reload");
		break;
	case SIGCHLD:
		if (p->p_pid <= 0)
			break;
		do {
			r = waitpid(p->p_pid, &status, WNOHANG);
		} while (r == -1 && errno == EINTR);
		if (r == p->p_pid)
			proc_lost_child(p, 1, status);
		break;
	default:
		break;
	}
}

static void
proc_child_dispatch(int fd, short event, void *arg)
{
	struct proc	*p = arg;
	struct imsgbuf	*ibuf = &p->p_iev.ibuf;
	struct imsg	 imsg;
	ssize_t		 n;

	(void)fd;
	if (event & EV_READ) {
		if ((n = imsgbuf_read(ibuf)) == -1 && errno != ECONNRESET)
			fatal("read from parent");
		if (n <= 0) {
			proc_peergone = 1;
			log_warnx("parent gone, exiting");
			exit(0);
		}
	}
	if (event & EV_WRITE) {
		if (imsgbuf_write(ibuf) == -1) {
			if (errno != EPIPE && errno != ECONNRESET)
				fatal("write to parent");
			proc_peergone = 1;
			log_warnx("parent gone, exiting");
			exit(0);
		}
	}

	for (;;) {
		if ((n = imsg_get(ibuf, &imsg)) == -1)
			fatal("imsg_get");
		if (n == 0)
			break;
		if (p->p_child->dispatch == NULL)
			fatalx("unexpected imsg type %u from parent",
			    imsg_get_type(&imsg));
		p->p_child->dispatch(p, &imsg);
		imsg_free(&imsg);
	}
	imsgev_add(&p->p_iev);
}

static void
proc_child_sig(int sig, short event, void *arg)
{
	struct proc	*p = arg;

	(void)event;
	log_debug("received SIG%s, exiting", sigabbrev_np(sig));
	proc_shutdown(p, 0);
}

/*
 * The child's log hook: the line goes to the parent as IMSG_LOG.  A fatal
 * (LOG_CRIT) and anything logged before the event loop exists are flushed
 * at once; once the pipe is dead, lines go to stderr (which is the
 * parent's with -d, /dev/null otherwise).
 */
static void
proc_log_hook(int pri, const char *line)
{
	struct proc	*p = &proc_state;
	struct proc_log	 lg;
	struct iovec	 iov[3];
	size_t		 len;

	/* log.c lines fit; anything longer is cut, never overflows. */
	len = strnlen(line, PROC_LOG_MAX - 1);
	if (proc_peergone || p->p_iev.ibuf.fd == -1) {
		proc_log_stderr(line, len);
		return;
	}
	memset(&lg, 0, sizeof(lg));
	lg.pri = pri;
	iov[0].iov_base = &lg;
	iov[0].iov_len = sizeof(lg);
	iov[1].iov_base = (void *)(uintptr_t)line;
	iov[1].iov_len = len;
	iov[2].iov_base = "";
	iov[2].iov_len = 1;
	if (imsg_composev(&p->p_iev.ibuf, IMSG_LOG, 0, 0, -1, iov, 3) == -1) {
		proc_log_stderr(line, len);
		return;
	}
	if ((pri <= LOG_CRIT || !proc_evready) &&
	    imsgbuf_flush(&p->p_iev.ibuf) == -1) {
		proc_peergone = 1;
		proc_log_stderr(line, len);
	}
	if (proc_evready)
		imsgev_add(&p->p_iev);
}

static void
proc_log_stderr(const char *line, size_t len)
{
	struct iovec	 iov[2];

	iov[0].iov_base = (void *)(uintptr_t)line;
	iov[0].iov_len = len;
	iov[1].iov_base = "\n";
	iov[1].iov_len = 1;
	(void)writev(STDERR_FILENO, iov, 2);
}

/*
 * From the SIGSYS handler (trap mode): async-signal-safe.  If nothing is
 * queued on the pipe no message is half-written, so one write(2) of a
 * complete IMSG_LOG frame keeps the stream intact; otherwise, or if that
 * fails, the line goes to stderr.
 */
static void
proc_trap_report(const char *line, size_t len)
{
	unsigned char	 frame[IMSG_HEADER_SIZE + sizeof(struct proc_log) +
			    PROC_LOG_MAX];
	struct imsg_hdr	 hdr;
	struct proc_log	 lg;
	struct proc	*p = &proc_state;
	size_t		 total;

	total = IMSG_HEADER_SIZE + sizeof(lg) + len + 1;
	if (!proc_peergone && p->p_iev.ibuf.fd != -1 && len < PROC_LOG_MAX &&
	    imsgbuf_queuelen(&p->p_iev.ibuf) == 0) {
		memset(&hdr, 0, sizeof(hdr));
		hdr.type = IMSG_LOG;
		hdr.len = total;
		hdr.pid = proc_mypid;
		memset(&lg, 0, sizeof(lg));
		lg.pri = LOG_CRIT;
		memcpy(frame, &hdr, sizeof(hdr));
		memcpy(frame + sizeof(hdr), &lg, sizeof(lg));
		memcpy(frame + sizeof(hdr) + sizeof(lg), line, len);
		frame[total - 1] = '\0';
		if (write(p->p_iev.ibuf.fd, frame, total) == (ssize_t)total)
			return;
	}
	proc_log_stderr(line, len);
}
