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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <limits.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

#define SANDBOX_NAMES	512	/* syscall numbers named in trap reports */
#define SANDBOX_LINE	256

/*
 * What every child may do once confined: I/O on the fds it already has,
 * the event loop, time, memory without PROT_EXEC, randomness, signal
 * return, exit.  mmap, mprotect and madvise are added with argument
 * checks in sandbox_filter().  No open, no socket, no fork, no exec.
 */
static const int sandbox_base[] = {
	SCMP_SYS(read),
	SCMP_SYS(readv),
	SCMP_SYS(write),
	SCMP_SYS(writev),
	SCMP_SYS(recvmsg),
	SCMP_SYS(sendmsg),
	SCMP_SYS(recvfrom),
	SCMP_SYS(sendto),
	SCMP_SYS(close),
	SCMP_SYS(epoll_wait),
	SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_pwait2),
	SCMP_SYS(epoll_ctl),
	SCMP_SYS(clock_gettime),
	SCMP_SYS(gettimeofday),
	SCMP_SYS(brk),
	SCMP_SYS(munmap),
	SCMP_SYS(mremap),
	SCMP_SYS(getrandom),
	SCMP_SYS(getpid),
	SCMP_SYS(gettid),
	SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(restart_syscall),
	SCMP_SYS(exit),
	SCMP_SYS(exit_group),
};

/*
 * In trap mode the SIGSYS handler ends the process with this call, which
 * the filter answers with KILL_PROCESS: the parent then sees SIGSYS as in
 * the default mode.  tkill is obsolete (glibc uses tgkill), so no daemon
 * needs it; an extra list may not name it.
 */
#define SANDBOX_DIE_NR	SCMP_SYS(tkill)

static sandbox_report_t	 sandbox_report;
static char		*sandbox_names[SANDBOX_NAMES];
static uint32_t		 sandbox_arch;

static void	 drop_capabilities(void);
static int	 chroot_check(const char *, int, char *, size_t);
static void	 sandbox_sigsys(int, siginfo_t *, void *);
static void	 sandbox_trap_init(sandbox_report_t);
static void	 sandbox_allow(scmp_filter_ctx, int, const char *);

/*
 * One component of the chroot path: a directory owned by root that only
 * root can change.  An intermediate component may be world-writable if it
 * is sticky (/tmp): nobody else can then rename what root put there.
 */
static int
chroot_check(const char *path, int last, char *err, size_t errlen)
{
	struct stat	 st;

	if ((last ? lstat(path, &st) : stat(path, &st)) == -1) {
		snprintf(err, errlen, "chroot directory %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "chroot directory %s: not a directory",
		    path);
		return (-1);
	}
	if (st.st_uid != 0) {
		snprintf(err, errlen, "chroot directory %s: owned by uid %u, "
		    "not root", path, (unsigned int)st.st_uid);
		return (-1);
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (last || (st.st_mode & S_ISVTX) == 0)) {
		snprintf(err, errlen, "chroot directory %s: writable by "
		    "group or others (mode %04o)", path,
		    (unsigned int)(st.st_mode & 07777));
		return (-1);
	}
	return (0);
}

/*
 * Create the chroot directory if it is missing (with its missing parents,
 * root-owned, mode 0755) and check every component of its path.
 * Returns 0, or -1 with a message naming the offending directory.
 */
int
sandbox_chroot_prepare(const char *dir, char *err, size_t errlen)
{
	char	 path[PATH_MAX];
	char	*p;
	int	 last;

	if (dir[0] != '/') {
		snprintf(err, errlen, "chroot directory %s: not an absolute "
		    "path", dir);
		return (-1);
	}
	if (strlcpy(path, dir, sizeof(path)) >= sizeof(path)) {
		snprintf(err, errlen, "chroot directory %s: path too long",
		    dir);
		return (-1);
	}
	/* Drop trailing slashes, except for "/" itself. */
	while (strlen(path) > 1 && path[strlen(path) - 1] == '/')
		path[strlen(path) - 1] = '\0';

	if (chroot_check("/", strcmp(path, "/") == 0, err, errlen) == -1)
		return (-1);
	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/' && p[1] != '\0')
			continue;
		if (*p == '/' && p[-1] == '/')
			continue;
		last = (p[1] == '\0');
		if (!last)
			*p = '\0';
		if (mkdir(path, 0755) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "chroot directory %s: mkdir: %s",
			    path, strerror(errno));
			return (-1);
		}
		if (chroot_check(path, last, err, errlen) == -1)
			return (-1);
		if (!last)
			*p = '/';
	}
	return (0);
}

/*
 * Everything up to the filter, in the order the kernel requires: the uid
 * change clears PR_SET_PDEATHSIG, so that comes after it, and the parent
 * may have died before, hence the getppid() check.
 */
void
sandbox_drop(const char *user, const char *dir, pid_t ppid)
{
	struct passwd	*pw;
	struct rlimit	 rl;
	char		 err[PATH_MAX + 128];
	uid_t		 uid;
	gid_t		 gid;

	if (geteuid() != 0)
		log_info("not running as root: chroot and setuid to %s "
		    "skipped", user);
	else {
		/* The passwd file is out of reach after the chroot. */
		if ((pw = getpwnam(user)) == NULL)
			fatalx("unknown user %s", user);
		uid = pw->pw_uid;
		gid = pw->pw_gid;
		endpwent();
		if (uid == 0)
			fatalx("user %s has uid 0", user);

		if (dir == NULL)
			dir = SANDBOX_CHROOT_DEFAULT;
		if (sandbox_chroot_prepare(dir, err, sizeof(err)) == -1)
			fatalx("%s", err);
		if (chroot(dir) == -1)
			fatal("chroot %s", dir);
		if (chdir("/") == -1)
			fatal("chdir /");

		if (setgroups(1, &gid) == -1 ||
		    setresgid(gid, gid, gid) == -1 ||
		    setresuid(uid, uid, uid) == -1)
			fatal("cannot drop privileges to %s", user);
		if (setresuid(0, 0, 0) != -1 || setresgid(0, 0, 0) != -1)
			fatalx("could regain root after dropping privileges");
		log_debug("chroot %s, user %s (uid %u, gid %u)", dir, user,
		    (unsigned int)uid, (unsigned int)gid);
	}

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1)
		fatal("prctl PR_SET_PDEATHSIG");
	if (getppid() != ppid)
		fatalx("parent %d gone before the sandbox was complete",
		    (int)ppid);

	/*
	 * With RLIMIT_FSIZE 0 a write to a regular file fails with EFBIG
	 * instead of killing the child with SIGXFSZ: stderr may be a file
	 * (a test's log), and a sanitizer or the trap handler writing
	 * there must not turn into an unexplained death.
	 */
	if (signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		fatal("signal SIGXFSZ");
	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_NPROC, &rl) == -1)
		fatal("setrlimit RLIMIT_NPROC");
	if (setrlimit(RLIMIT_FSIZE, &rl) == -1)
		fatal("setrlimit RLIMIT_FSIZE");

	/*
	 * Started without root, the process may still hold a capability
	 * (relayd under systemd: CAP_NET_BIND_SERVICE, also ambient).  The
	 * parent keeps it; the child needs none.
	 */
	if (geteuid() != 0)
		drop_capabilities();

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl PR_SET_NO_NEW_PRIVS");
}

static void
drop_capabilities(void)
{
	struct __user_cap_header_struct	 hdr;
	struct __user_cap_data_struct	 data[_LINUX_CAPABILITY_U32S_3];

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1)
		fatal("prctl PR_CAP_AMBIENT_CLEAR_ALL");
	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capset, &hdr, data) == -1)
		fatal("capset");
}

int
sandbox_trap_mode(void)
{
	const char	*s;

	s = getenv(SANDBOX_TRAP_ENV);
	return (s != NULL && strcmp(s, "1") == 0);
}

static size_t
append_str(char *buf, size_t off, size_t size, const char *s)
{
	while (*s != '\0' && off + 1 < size)
		buf[off++] = *s++;
	buf[off] = '\0';
	return (off);
}

static size_t
append_num(char *buf, size_t off, size_t size, long n)
{
	char		 tmp[24];
	size_t		 i = sizeof(tmp) - 1;
	unsigned long	 u;

	tmp[i] = '\0';
	u = n < 0 ? -(unsigned long)n : (unsigned long)n;
	do {
		tmp[--i] = '0' + u % 10;
		u /= 10;
	} while (u != 0 && i > 1);
	if (n < 0)
		tmp[--i] = '-';
	return (append_str(buf, off, size, tmp + i));
}

/*
 * SIGSYS in trap mode.  Only async-signal-safe work: the names were
 * resolved before the filter was loaded, the line is assembled by hand,
 * the report function writes it with one write(2).
 */
static void
sandbox_sigsys(int sig, siginfo_t *si, void *ctx)
{
	char		 line[SANDBOX_LINE];
	const char	*name = "unknown";
	size_t		 n;
	int		 nr;

	(void)sig;
	(void)ctx;
	nr = si->si_syscall;
	if (si->si_arch == sandbox_arch && nr >= 0 && nr < SANDBOX_NAMES &&
	    sandbox_names[nr] != NULL)
		name = sandbox_names[nr];

	n = append_str(line, 0, sizeof(line), log_procname());
	n = append_str(line, n, sizeof(line), ": seccomp: forbidden syscall ");
	n = append_str(line, n, sizeof(line), name);
	n = append_str(line, n, sizeof(line), " (");
	n = append_num(line, n, sizeof(line), nr);
	if (si->si_arch != sandbox_arch) {
		n = append_str(line, n, sizeof(line), ", arch 0x");
		n = append_num(line, n, sizeof(line), (long)si->si_arch);
	}
	n = append_str(line, n, sizeof(line), ")");
	if (sandbox_report != NULL)
		sandbox_report(line, n);

	syscall(SANDBOX_DIE_NR, 0, 0);
	_exit(128 + SIGSYS);
}

static void
sandbox_trap_init(sandbox_report_t report)
{
	struct sigaction	 sa;
	sigset_t		 set;
	int			 nr;

	sandbox_report = report;
	sandbox_arch = seccomp_arch_native();
	for (nr = 0; nr < SANDBOX_NAMES; nr++)
		sandbox_names[nr] = seccomp_syscall_resolve_num_arch(
		    SCMP_ARCH_NATIVE, nr);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sandbox_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		fatal("sigaction SIGSYS");
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) == -1)
		fatal("sigprocmask");
}

static void
sandbox_allow(scmp_filter_ctx ctx, int nr, const char *list)
{
	char	*name;
	int	 rc;

	if (nr == SANDBOX_DIE_NR)
		fatalx("seccomp: %s list: tkill is reserved for trap mode",
		    list);
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	/* A syscall this architecture does not have. */
	if (rc == -EDOM || (rc == -EINVAL && nr < 0))
		return;
	if (rc < 0) {
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		fatalx("seccomp: %s list: cannot allow %s (%d): %s", list,
		    name != NULL ? name : "unknown syscall", nr, strerror(-rc));
	}
}

/*
 * The last step of the child's setup: the allow-list (base + extra).
 * report is used in trap mode only (see sandbox.h).
 */
void
sandbox_filter(const int *extra, sandbox_report_t report)
{
	scmp_filter_ctx	 ctx;
	size_t		 i;
	int		 trap, rc;

	trap = sandbox_trap_mode();
	if ((ctx = seccomp_init(trap ? SCMP_ACT_TRAP :
	    SCMP_ACT_KILL_PROCESS)) == NULL)
		fatalx("seccomp_init failed");
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) < 0)
		fatalx("seccomp_attr_set: %s", strerror(-rc));

	for (i = 0; i < nitems(sandbox_base); i++)
		sandbox_allow(ctx, sandbox_base[i], "base");
	if (extra != NULL)
		for (i = 0; extra[i] != SANDBOX_END; i++)
			sandbox_allow(ctx, extra[i], "extra");

	/* Memory may be mapped and protected, never executable. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(madvise), 1,
	    SCMP_A2(SCMP_CMP_EQ, MADV_DONTNEED))) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(madvise), 1,
	    SCMP_A2(SCMP_CMP_EQ, MADV_FREE))) < 0)
		fatalx("seccomp: memory rules: %s", strerror(-rc));

	if (trap) {
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS,
		    SANDBOX_DIE_NR, 0)) < 0)
			fatalx("seccomp: trap exit rule: %s", strerror(-rc));
		sandbox_trap_init(report);
		log_info("seccomp trap mode (%s=1): violations are logged",
		    SANDBOX_TRAP_ENV);
	}

	if ((rc = seccomp_load(ctx)) < 0)
		fatalx("seccomp_load: %s", strerror(-rc));
	seccomp_release(ctx);
}
