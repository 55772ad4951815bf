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

/*
 * The corpus replay of "make check": a fuzz target linked with this main
 * instead of libFuzzer, built by the default compiler with ASan+UBSan
 * like the unit tests, so no clang is needed.
 *
 *	<target>-replay [-q] file | dir ...
 *
 * Every file named, and every file in a directory named (sorted, dot
 * files left out), runs once through LLVMFuzzerTestOneInput in a child
 * forked after LLVMFuzzerInitialize: each input starts from the same
 * state, as the first input of a libFuzzer run does, and a crash, an
 * oracle's abort or a hang (FUZZ_TIMEOUT seconds, default 60) fails that
 * file only.  It prints "not ok" and the file for each failure, then
 *
 *	fuzz: <target>: N passed, M failed
 *
 * and, when FUZZ_RESULT names a file, writes "N M" into it.  Exit status
 * 0 only when nothing failed.  -q leaves out the summary line.  A crash
 * file from "make fuzz" given as the argument reproduces it with its
 * sanitizer report.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#define REPLAY_TIMEOUT	60
#define REPLAY_MAXFILE	(1024 * 1024)

/* Optional in a target, as with libFuzzer. */
#pragma weak LLVMFuzzerInitialize

extern char	*__progname;

static char	 target[64];
static unsigned int timeout = REPLAY_TIMEOUT;
static size_t	 npass, nfail;

static void	 usage(void) __attribute__((__noreturn__));
static uint8_t	*load(const char *, size_t *);
static void	 run(const char *);
static int	 visible(const struct dirent *);
static void	 run_dir(const char *);

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-q] file | dir ...\n", __progname);
	exit(2);
}

static uint8_t *
load(const char *path, size_t *lenp)
{
	struct stat	 st;
	uint8_t		*buf;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY)) == -1) {
		warn("%s", path);
		return (NULL);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > REPLAY_MAXFILE) {
		warnx("%s: not a regular file of at most %d bytes", path,
		    REPLAY_MAXFILE);
		close(fd);
		return (NULL);
	}
	/* Exactly the input's size, as libFuzzer passes it. */
	if ((buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL)
		err(1, NULL);
	while (off < (size_t)st.st_size) {
		if ((n = read(fd, buf + off, (size_t)st.st_size - off)) <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			warnx("%s: short read", path);
			free(buf);
			close(fd);
			return (NULL);
		}
		off += (size_t)n;
	}
	close(fd);
	*lenp = off;
	return (buf);
}

static void
run(const char *path)
{
	uint8_t	*buf;
	size_t	 len;
	pid_t	 pid;
	int	 status;

	if ((buf = load(path, &len)) == NULL) {
		printf("not ok fuzz: %s: %s: unreadable\n", target, path);
		nfail++;
		return;
	}
	fflush(stdout);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		alarm(timeout);
		(void)LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		exit(0);
	}
	free(buf);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			err(1, "waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		npass++;
		return;
	}
	nfail++;
	if (WIFSIGNALED(status))
		printf("not ok fuzz: %s: %s: signal %d%s\n", target, path,
		    WTERMSIG(status), WTERMSIG(status) == SIGALRM ?
		    " (timeout)" : "");
	else
		printf("not ok fuzz: %s: %s: exit %d\n", target, path,
		    WEXITSTATUS(status));
}

static int
visible(const struct dirent *d)
{
	return (d->d_name[0] != '.');
}

static void
run_dir(const char *dir)
{
	struct dirent	**names;
	char		  path[PATH_MAX];
	int		  i, n;

	if ((n = scandir(dir, &names, visible, alphasort)) == -1) {
		warn("%s", dir);
		printf("not ok fuzz: %s: %s: unreadable\n", target, dir);
		nfail++;
		return;
	}
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    names[i]->d_name) >= sizeof(path))
			errx(1, "%s/%s: path too long", dir, names[i]->d_name);
		run(path);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char *argv[])
{
	struct stat	 st;
	const char	*s, *errstr;
	FILE		*f;
	size_t		 len;
	int		 ch, i, quiet = 0;

	while ((ch = getopt(argc, argv, "q")) != -1) {
		switch (ch) {
		case 'q':
			quiet = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();

	len = strlen(__progname);
	if (len > 7 && strcmp(__progname + len - 7, "-replay") == 0)
		len -= 7;
	if (len >= sizeof(target))
		len = sizeof(target) - 1;
	memcpy(target, __progname, len);
	target[len] = '\0';
	if ((s = getenv("FUZZ_TIMEOUT")) != NULL) {
		timeout = strtonum(s, 1, 3600, &errstr);
		if (errstr != NULL)
			errx(2, "FUZZ_TIMEOUT %s: %s", s, errstr);
	}

	if (LLVMFuzzerInitialize != NULL)
		(void)LLVMFuzzerInitialize(&argc, &argv);
	for (i = 0; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			run_dir(argv[i]);
		else
			run(argv[i]);
	}

	if (!quiet)
		printf("fuzz: %s: %zu passed, %zu failed\n", target, npass,
		    nfail);
	if ((s = getenv("FUZZ_RESULT")) != NULL) {
		if ((f = fopen(s, "w")) == NULL)
			err(1, "%s", s);
		fprintf(f, "%zu %zu\n", npass, nfail);
		if (fclose(f) != 0)
			err(1, "%s", s);
	}
	return (nfail == 0 ? 0 : 1);
}
