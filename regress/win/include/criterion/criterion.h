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


#ifndef SOFTLAN_CRW_CRITERION_H
#define SOFTLAN_CRW_CRITERION_H

/*
 * A Criterion-compatible subset for the MinGW-w64 build of the portable
 * unit tests (regress/unit/test_*.c, unchanged), run under Wine by
 * regress/win/runner.c.  What it has: Test() and TestSuite() with .init,
 * .fini, .disabled, .exit_code (.timeout and .description are accepted
 * and ignored), ParameterizedTest, ParameterizedTestParameters and
 * cr_make_param_array, cr_assert*, cr_expect*, cr_log_*.  As with
 * Criterion, a message is an optional format string literal and its
 * arguments.  Anything else (.signal, theories, ...) does not compile.
 *
 * Unlike Criterion, the tests run one after the other in one process: a
 * failed cr_assert leaves its test with a longjmp, then .fini runs.  Only
 * a test with an .exit_code runs in a child process (the runner again).
 */

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct criterion_test_params {
	size_t		 size;
	void		*params;
	size_t		 length;
};

struct criterion_test_extra_data {
	int		 sentinel_;
	void		(*init)(void);
	void		(*fini)(void);
	bool		 disabled;
	int		 exit_code;
	double		 timeout;
	const char	*description;
};

struct crw_test {
	const char	*suite;
	const char	*name;
	const char	*file;
	int		 line;
	void		(*fn)(void);
	void		(*pfn)(void *);
	struct criterion_test_params (*params)(void);
	const struct criterion_test_extra_data *data;
	struct crw_test	*next;
};

struct crw_suite {
	const char	*name;
	const struct criterion_test_extra_data *data;
	struct crw_suite *next;
};

enum crw_level {
	CRW_INFO,
	CRW_WARN,
	CRW_ERROR
};

/* runner.c */
void	crw_register_test(struct crw_test *);
void	crw_register_suite(struct crw_suite *);
void	crw_fail(const char *, int, const char *, const char *, ...)
	    __attribute__((__format__ (__gnu_printf__, 4, 5)));
void	crw_abort(const char *, int, const char *, const char *, ...)
	    __attribute__((__format__ (__gnu_printf__, 4, 5)))
	    __attribute__((__noreturn__));
void	crw_log(enum crw_level, const char *, ...)
	    __attribute__((__format__ (__gnu_printf__, 2, 3)));

#define CRW_ID(kind, S_, N_)	crw_##kind##_##S_##_##N_

/* The test's record, its registration at load time, then its head. */
#define CRW_TEST_(S_, N_, fn_, pfn_, params_, ...)			\
	static const struct criterion_test_extra_data			\
	    CRW_ID(data, S_, N_) = { .sentinel_ = 0, __VA_ARGS__ };	\
	static struct crw_test CRW_ID(test, S_, N_) = {			\
		.suite = #S_, .name = #N_,				\
		.file = __FILE__, .line = __LINE__,			\
		.fn = (fn_), .pfn = (pfn_),				\
		.params = (params_), .data = &CRW_ID(data, S_, N_)	\
	};								\
	static void CRW_ID(reg, S_, N_)(void)				\
	    __attribute__((__constructor__));				\
	static void							\
	CRW_ID(reg, S_, N_)(void)					\
	{								\
		crw_register_test(&CRW_ID(test, S_, N_));		\
	}

#define Test(S_, N_, ...)						\
	static void CRW_ID(fn, S_, N_)(void);				\
	CRW_TEST_(S_, N_, CRW_ID(fn, S_, N_), NULL, NULL,		\
	    __VA_ARGS__)						\
	static void CRW_ID(fn, S_, N_)(void)

#define TestSuite(S_, ...)						\
	static const struct criterion_test_extra_data			\
	    crw_sdata_##S_ = { .sentinel_ = 0, __VA_ARGS__ };		\
	static struct crw_suite crw_suite_##S_ = {			\
		.name = #S_, .data = &crw_sdata_##S_			\
	};								\
	static void crw_sreg_##S_(void) __attribute__((__constructor__)); \
	static void							\
	crw_sreg_##S_(void)						\
	{								\
		crw_register_suite(&crw_suite_##S_);			\
	}								\
	struct crw_swallow_semicolon

/* Each element of the array is one run of the test, as in Criterion. */
#define ParameterizedTestParameters(S_, N_)				\
	static struct criterion_test_params CRW_ID(params, S_, N_)(void); \
	static struct criterion_test_params CRW_ID(params, S_, N_)(void)

#define ParameterizedTest(param, S_, N_, ...)				\
	static struct criterion_test_params CRW_ID(params, S_, N_)(void); \
	static void CRW_ID(body, S_, N_)(param);			\
	static void							\
	CRW_ID(pfn, S_, N_)(void *crw_p)				\
	{								\
		CRW_ID(body, S_, N_)(crw_p);				\
	}								\
	CRW_TEST_(S_, N_, NULL, CRW_ID(pfn, S_, N_),			\
	    CRW_ID(params, S_, N_), __VA_ARGS__)			\
	static void CRW_ID(body, S_, N_)(param)

#define cr_make_param_array(type, array, len)				\
	((struct criterion_test_params){ .size = sizeof(type),		\
	    .params = (array), .length = (len) })

/*
 * "x" fmt: the message is optional (Criterion does the same); the
 * runner skips the x.
 */
#define CRW_CHECK_(report, cond, expr, ...)				\
	do {								\
		if (!(cond))						\
			report(__FILE__, __LINE__, (expr), "x" __VA_ARGS__); \
	} while (0)

#define cr_assert_fail(...)						\
	crw_abort(__FILE__, __LINE__, "cr_assert_fail", "x" __VA_ARGS__)
#define cr_expect_fail(...)						\
	crw_fail(__FILE__, __LINE__, "cr_expect_fail", "x" __VA_ARGS__)

#define cr_assert(c, ...)	CRW_CHECK_(crw_abort, c, #c, __VA_ARGS__)
#define cr_expect(c, ...)	CRW_CHECK_(crw_fail, c, #c, __VA_ARGS__)
#define cr_assert_not(c, ...)						\
	CRW_CHECK_(crw_abort, !(c), "!(" #c ")", __VA_ARGS__)
#define cr_expect_not(c, ...)						\
	CRW_CHECK_(crw_fail, !(c), "!(" #c ")", __VA_ARGS__)

#define CRW_OP_(r, op, a, b, ...)					\
	CRW_CHECK_(r, (a) op (b), #a " " #op " " #b, __VA_ARGS__)
#define cr_assert_eq(a, b, ...)	CRW_OP_(crw_abort, ==, a, b, __VA_ARGS__)
#define cr_assert_neq(a, b, ...) CRW_OP_(crw_abort, !=, a, b, __VA_ARGS__)
#define cr_assert_lt(a, b, ...)	CRW_OP_(crw_abort, <, a, b, __VA_ARGS__)
#define cr_assert_leq(a, b, ...) CRW_OP_(crw_abort, <=, a, b, __VA_ARGS__)
#define cr_assert_gt(a, b, ...)	CRW_OP_(crw_abort, >, a, b, __VA_ARGS__)
#define cr_assert_geq(a, b, ...) CRW_OP_(crw_abort, >=, a, b, __VA_ARGS__)
#define cr_expect_eq(a, b, ...)	CRW_OP_(crw_fail, ==, a, b, __VA_ARGS__)
#define cr_expect_neq(a, b, ...) CRW_OP_(crw_fail, !=, a, b, __VA_ARGS__)
#define cr_expect_lt(a, b, ...)	CRW_OP_(crw_fail, <, a, b, __VA_ARGS__)
#define cr_expect_leq(a, b, ...) CRW_OP_(crw_fail, <=, a, b, __VA_ARGS__)
#define cr_expect_gt(a, b, ...)	CRW_OP_(crw_fail, >, a, b, __VA_ARGS__)
#define cr_expect_geq(a, b, ...) CRW_OP_(crw_fail, >=, a, b, __VA_ARGS__)

#define cr_assert_null(p, ...)						\
	CRW_CHECK_(crw_abort, (p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_assert_not_null(p, ...)					\
	CRW_CHECK_(crw_abort, (p) != NULL, #p " != NULL", __VA_ARGS__)
#define cr_expect_null(p, ...)						\
	CRW_CHECK_(crw_fail, (p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_expect_not_null(p, ...)					\
	CRW_CHECK_(crw_fail, (p) != NULL, #p " != NULL", __VA_ARGS__)

#define CRW_STR_(r, op, a, b, ...)					\
	CRW_CHECK_(r, strcmp((a), (b)) op 0,				\
	    "strcmp(" #a ", " #b ") " #op " 0", __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) CRW_STR_(crw_abort, ==, a, b, __VA_ARGS__)
#define cr_assert_str_neq(a, b, ...) CRW_STR_(crw_abort, !=, a, b, __VA_ARGS__)
#define cr_expect_str_eq(a, b, ...) CRW_STR_(crw_fail, ==, a, b, __VA_ARGS__)
#define cr_expect_str_neq(a, b, ...) CRW_STR_(crw_fail, !=, a, b, __VA_ARGS__)
#define cr_assert_str_empty(s, ...)					\
	CRW_CHECK_(crw_abort, *(s) == '\0', #s " is empty", __VA_ARGS__)
#define cr_assert_str_not_empty(s, ...)					\
	CRW_CHECK_(crw_abort, *(s) != '\0', #s " is not empty", __VA_ARGS__)

#define cr_assert_arr_eq(a, b, n, ...)					\
	CRW_CHECK_(crw_abort, memcmp((a), (b), (n)) == 0,		\
	    #a "[0.." #n "] == " #b "[0.." #n "]", __VA_ARGS__)
#define cr_assert_arr_neq(a, b, n, ...)					\
	CRW_CHECK_(crw_abort, memcmp((a), (b), (n)) != 0,		\
	    #a "[0.." #n "] != " #b "[0.." #n "]", __VA_ARGS__)

#define cr_log_info(...)	crw_log(CRW_INFO, __VA_ARGS__)
#define cr_log_warn(...)	crw_log(CRW_WARN, __VA_ARGS__)
#define cr_log_error(...)	crw_log(CRW_ERROR, __VA_ARGS__)

#endif /* SOFTLAN_CRW_CRITERION_H */
