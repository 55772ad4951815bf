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
 * The Windows unit test runner (see include/criterion/criterion.h): the
 * tests registered at load time run one after the other in this process,
 * in file and line order; suite .init, test .init, the test, test .fini,
 * suite .fini, as Criterion does.  Each failed check prints a FAIL line;
 * the last line is "win-unit: N passed, M failed".  Exit 0 only if
 * nothing failed.  Arguments, if any, select suites ("suite") or tests
 * ("suite::name"); -v prints a line per test run.
 *
 * A test with an .exit_code (one that ends the process, as fatal() does)
 * runs in a child: this program again, as "unit.exe -child suite::name",
 * which runs that test alone and exits 0 when it returned without a failed
 * check.  It passes if the child's exit code is the one expected.
 */

#include <windows.h>

#include <process.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

static int	 test_cmp(const void *, const void *);
static const struct criterion_test_extra_data *suite_data(const char *);
static int	 selected(const struct crw_test *, int, char **);
static void	 setup_and_test(void);
static void	 teardown(void);
static void	 run(const struct crw_test *, void *, size_t);
static void	 run_child(const struct crw_test *);
static int	 child(struct crw_test **, size_t, const char *);
static void	 vreport(const char *, int, const char *, const char *,
		    va_list) __attribute__((__format__ (__gnu_printf__, 4, 0)));
static void	 crashed(int);

static struct crw_test	*tests;
static struct crw_suite	*suites;
static const struct crw_test *current;
static const struct criterion_test_extra_data *current_sd;
static void		*current_arg;
static size_t		 current_param;
static int		 current_failed;
static jmp_buf		 test_env;
static int		 npassed, nfailed;
static int		 verbose;

void
crw_register_test(struct crw_test *t)
{
	t->next = tests;
	tests = t;
}

void
crw_register_suite(struct crw_suite *s)
{
	s->next = suites;
	suites = s;
}

static void
vreport(const char *file, int line, const char *expr, const char *fmt,
    va_list ap)
{
	current_failed = 1;
	printf("FAIL %s::%s", current->suite, current->name);
	if (current->pfn != NULL)
		printf("[%zu]", current_param);
	printf(": %s:%d: %s", file, line, expr);
	if (fmt[1] != '\0') {			/* skip the "x" */
		printf(": ");
		vprintf(fmt + 1, ap);
	}
	printf("\n");
	fflush(stdout);
}

void
crw_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vreport(file, line, expr, fmt, ap);
	va_end(ap);
}

void
crw_abort(const char *file, int line, const char *expr, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vreport(file, line, expr, fmt, ap);
	va_end(ap);
	longjmp(test_env, 1);
}

void
crw_log(enum crw_level level, const char *fmt, ...)
{
	static const char *const names[] = { "info", "warn", "error" };
	va_list	 ap;

	printf("[%s] ", names[level]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* A crash ends the whole run: there is no child process to lose. */
static void
crashed(int sig)
{
	printf("FAIL %s::%s: crashed (signal %d)\n",
	    current != NULL ? current->suite : "?",
	    current != NULL ? current->name : "?", sig);
	printf("win-unit: stopped by a crash\n");
	printf("win-unit: %d passed, %d failed\n", npassed, nfailed + 1);
	fflush(stdout);
	_exit(1);
}

static int
test_cmp(const void *a, const void *b)
{
	const struct crw_test	*ta = *(const struct crw_test *const *)a;
	const struct crw_test	*tb = *(const struct crw_test *const *)b;
	int			 c;

	if ((c = strcmp(ta->file, tb->file)) != 0)
		return (c);
	return (ta->line < tb->line ? -1 : ta->line > tb->line);
}

static const struct criterion_test_extra_data *
suite_data(const char *name)
{
	const struct crw_suite	*s;

	for (s = suites; s != NULL; s = s->next)
		if (strcmp(s->name, name) == 0)
			return (s->data);
	return (NULL);
}

static int
selected(const struct crw_test *t, int argc, char **argv)
{
	size_t	 len;
	int	 i;

	if (argc == 0)
		return (1);
	for (i = 0; i < argc; i++) {
		len = strlen(t->suite);
		if (strncmp(argv[i], t->suite, len) != 0)
			continue;
		if (argv[i][len] == '\0' || (strncmp(argv[i] + len, "::", 2)
		    == 0 && strcmp(argv[i] + len + 2, t->name) == 0))
			return (1);
	}
	return (0);
}

/* The phases use only the static state: nothing for longjmp to clobber. */
static void
setup_and_test(void)
{
	if (current_sd != NULL && current_sd->init != NULL)
		current_sd->init();
	if (current->data->init != NULL)
		current->data->init();
	if (current->pfn != NULL)
		current->pfn(current_arg);
	else
		current->fn();
}

static void
teardown(void)
{
	if (current->data->fini != NULL)
		current->data->fini();
	if (current_sd != NULL && current_sd->fini != NULL)
		current_sd->fini();
}

static void
run(const struct crw_test *t, void *param, size_t idx)
{
	current = t;
	current_sd = suite_data(t->suite);
	current_arg = param;
	current_param = idx;
	current_failed = 0;
	if (verbose && t->pfn != NULL)
		printf("RUN  %s::%s[%zu]\n", t->suite, t->name, idx);
	else if (verbose)
		printf("RUN  %s::%s\n", t->suite, t->name);
	if (setjmp(test_env) == 0)
		setup_and_test();
	if (setjmp(test_env) == 0)
		teardown();
	if (current_failed)
		nfailed++;
	else
		npassed++;
	current = NULL;
}

/* The test in a child process; see the top of the file. */
static void
run_child(const struct crw_test *t)
{
	char		 path[MAX_PATH], quoted[MAX_PATH + 2], id[256];
	const char	*av[4];
	intptr_t	 rc;
	DWORD		 n;

	current = t;
	current_param = 0;
	current_failed = 0;
	if (verbose)
		printf("RUN  %s::%s (child)\n", t->suite, t->name);
	n = GetModuleFileNameA(NULL, path, sizeof(path));
	if (n == 0 || n >= sizeof(path)) {
		printf("FAIL %s::%s: cannot name this program\n", t->suite,
		    t->name);
		nfailed++;
		return;
	}
	(void)snprintf(quoted, sizeof(quoted), "\"%s\"", path);
	(void)snprintf(id, sizeof(id), "%s::%s", t->suite, t->name);
	av[0] = quoted;
	av[1] = "-child";
	av[2] = id;
	av[3] = NULL;
	fflush(stdout);
	fflush(stderr);
	rc = _spawnv(_P_WAIT, path, av);
	if (rc == t->data->exit_code)
		npassed++;
	else {
		printf("FAIL %s::%s: exit code %d, expected %d\n", t->suite,
		    t->name, (int)rc, t->data->exit_code);
		nfailed++;
	}
	current = NULL;
}

/* -child: run one test in this process, exit 0 if it passed. */
static int
child(struct crw_test **v, size_t n, const char *id)
{
	size_t	 i;
	char	 buf[256];

	for (i = 0; i < n; i++) {
		(void)snprintf(buf, sizeof(buf), "%s::%s", v[i]->suite,
		    v[i]->name);
		if (strcmp(buf, id) != 0 || v[i]->pfn != NULL)
			continue;
		run(v[i], NULL, 0);
		return (nfailed != 0 ? 125 : 0);
	}
	printf("win-unit: no test %s\n", id);
	return (125);
}

int
main(int argc, char *argv[])
{
	const struct criterion_test_extra_data	*sd;
	struct criterion_test_params		 p;
	struct crw_test				*t, **v;
	size_t					 n, i, j;

	setvbuf(stdout, NULL, _IONBF, 0);	/* in order with stderr */
	signal(SIGSEGV, crashed);
	signal(SIGILL, crashed);
	signal(SIGFPE, crashed);
	signal(SIGABRT, crashed);
	argc--;
	argv++;
	if (argc > 0 && strcmp(argv[0], "-v") == 0) {
		verbose = 1;
		argc--;
		argv++;
	}

	for (n = 0, t = tests; t != NULL; t = t->next)
		n++;
	if ((v = calloc(n == 0 ? 1 : n, sizeof(*v))) == NULL) {
		printf("win-unit: out of memory\n");
		return (1);
	}
	for (i = 0, t = tests; t != NULL; t = t->next)
		v[i++] = t;
	qsort(v, n, sizeof(*v), test_cmp);
	if (argc == 2 && strcmp(argv[0], "-child") == 0)
		return (child(v, n, argv[1]));

	for (i = 0; i < n; i++) {
		t = v[i];
		sd = suite_data(t->suite);
		if (!selected(t, argc, argv) || t->data->disabled ||
		    (sd != NULL && sd->disabled))
			continue;
		if (t->data->exit_code != 0) {
			run_child(t);
			continue;
		}
		if (t->pfn == NULL) {
			run(t, NULL, 0);
			continue;
		}
		p = t->params();
		for (j = 0; j < p.length; j++)
			run(t, (char *)p.params + j * p.size, j);
	}
	free(v);
	printf("win-unit: %d passed, %d failed\n", npassed, nfailed);
	return (nfailed != 0);
}
