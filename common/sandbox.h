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

#ifndef SOFTLAN_SANDBOX_H
#define SOFTLAN_SANDBOX_H

#include <sys/types.h>

#include <stddef.h>

/*
 * The confinement of a network child, applied by proc.c in this order:
 *
 *   sandbox_drop()	chroot to an empty root-owned directory, chdir("/"),
 *			setgroups/setresgid/setresuid to the daemon's user,
 *			PR_SET_PDEATHSIG(SIGKILL) and a getppid() check,
 *			RLIMIT_NPROC 0, RLIMIT_FSIZE 0, PR_SET_NO_NEW_PRIVS.
 *			Without root (euid != 0) the chroot and the uid change
 *			are skipped, with one log line; the rest still applies.
 *   ...		the child's own setup (event base, signals, fds)
 *   sandbox_filter()	the seccomp allow-list, always the last step: the
 *			base list below plus the daemon's extra list.
 *
 * Every failure is fatal: a child never runs half-confined.
 *
 * The filter kills the whole process (SCMP_ACT_KILL_PROCESS; the parent
 * sees WTERMSIG == SIGSYS) on any system call outside the list.  With
 * SOFTLAN_SECCOMP_TRAP=1 in the environment (tests, debugging; the parent
 * passes its environment on) the filter traps instead: a SIGSYS handler
 * reports "<proc>: seccomp: forbidden syscall <name> (<nr>)" through the
 * report function and the process then still dies by SIGSYS.
 *
 * Extra lists hold libseccomp syscall numbers (SCMP_SYS(name)) and end
 * with SANDBOX_END.
 */

#define SANDBOX_TRAP_ENV	"SOFTLAN_SECCOMP_TRAP"
#define SANDBOX_END		(-1)
#define SANDBOX_CHROOT_DEFAULT	"/var/empty"

/*
 * Called from the SIGSYS handler with one finished line (no newline).
 * It must be async-signal-safe.
 */
typedef void	(*sandbox_report_t)(const char *, size_t);

/* sandbox.c */
int	 sandbox_chroot_prepare(const char *, char *, size_t);
void	 sandbox_drop(const char *, const char *, pid_t);
int	 sandbox_trap_mode(void);
void	 sandbox_filter(const int *, sandbox_report_t);

#endif /* SOFTLAN_SANDBOX_H */
