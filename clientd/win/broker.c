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
 * clientd.exe: main and the broker (see broker.h).
 *
 *	clientd.exe install [-v] [-f file]	the service (service.c), run
 *						with these flags
 *	clientd.exe uninstall
 *	clientd.exe -d [-nv] [-f file]		the broker in the foreground
 *	clientd.exe -n [-v] [-f file]		check the configuration
 *	clientd.exe				the service itself (SCM)
 *
 * The configuration is %ProgramData%\softlan\clientd.conf unless -f
 * names another (setup.c).  -T key=value are the tests' fakes, probes and
 * faults (hidden: not in usage):
 *
 *	fakenic=NAME	the adapter is the message-mode pipe \\.\pipe\NAME
 *			(a test harness serves it), not TAP-Windows6
 *	journal=PATH	IP configuration changes are written to PATH
 *			instead of made with IP Helper (netif_fake.c)
 *	pings=N		startup round trips (default BROKER_PINGS)
 *	exit		the worker asks to stop once started
 *	probe		the worker tries what its job should forbid, logs it
 *	fault=badsize	the worker sends a wrong-size IMSG_HELLO
 *	fault=unknown	... an unknown message type
 *	fault=twice	... IMSG_HELLO twice
 *	fault=badmtu	... IMSG_REQ_SET_MTU out of range
 *	fault=hang	... IMSG_HELLO, then never reads again (only the job
 *			can end it)
 *
 * The broker runs one worker.  When the worker goes away the broker logs
 * how it ended, undoes its changes to the system and stops with status
 * 1; a service that stops so is restarted by the service manager (the
 * failure actions set at install, also for a clean exit with an error
 * status), as systemd restarts the Linux daemon.
 */

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <shellapi.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <wchar.h>

#include "broker.h"
#include "log.h"


static void	 broker_req_hello(struct broker *, struct imsg *);
static void	 broker_req_pong(struct broker *, struct imsg *);
static void	 broker_req_exit(struct broker *, struct imsg *);

/* Everything the worker may ask for (IMSG_LOG aside). */
static const struct broker_req broker_reqs[] = {
	{ IMSG_HELLO, "IMSG_HELLO", sizeof(struct win_hello), BROKER_ONCE,
	    broker_req_hello },
	{ IMSG_PONG, "IMSG_PONG", sizeof(struct win_ping), 0,
	    broker_req_pong },
	{ IMSG_REQ_EXIT, "IMSG_REQ_EXIT", sizeof(int32_t), BROKER_ONCE,
	    broker_req_exit },
	{ IMSG_REQ_SET_MTU, "IMSG_REQ_SET_MTU", sizeof(uint32_t), 0,
	    broker_req_set_mtu },
	{ IMSG_REQ_VERBOSE, "IMSG_REQ_VERBOSE", sizeof(int32_t), 0,
	    broker_req_verbose },
	{ IMSG_REQ_RELOAD, "IMSG_REQ_RELOAD", 0, 0, broker_req_reload },
};

_Static_assert(nitems(broker_reqs) <= sizeof(((struct broker *)0)->used),
    "struct broker: used[] too small for broker_reqs");

static __dead void usage(void);
static int	 broker_opt_test(struct win_opts *, const char *);
static BOOL WINAPI broker_console(DWORD);
static int	 broker_job(struct broker *);
static HANDLE	 broker_token(void);
static int	 cmdline_putc(wchar_t *, size_t *, wchar_t);
static wchar_t	*broker_cmdline(HANDLE);
static int	 broker_spawn(struct broker *, HANDLE);
static void	 broker_read(struct broker *, int *);
static void	 broker_imsg(struct broker *, struct imsg *);
static void	 broker_worker_log(struct broker *, struct imsg *);
static void	 broker_send_startup(struct broker *);
static __dead void broker_lost(struct broker *);
static void	 broker_stop_worker(struct broker *, int);
static const char *integrity_name(uint32_t);

static struct broker	 broker_env;

int
main(int argc, char *argv[])
{
	struct broker	*b = &broker_env;

	if (argc > 1 && strcmp(argv[1], BROKER_ROLE_FLAG) == 0)
		worker_main(argc, argv);

	log_init(1, LOG_DAEMON);
	imsg_set_warn(win_imsg_warn);
	if (argc >= 2 && strcmp(argv[1], "install") == 0)
		return (service_install(argc - 1, argv + 1) == 0 ? 0 : 1);
	if (argc == 2 && strcmp(argv[1], "uninstall") == 0)
		return (service_uninstall() == 0 ? 0 : 1);

	if (broker_opts(&b->opts, argc, argv) == -1)
		usage();
	log_init(b->opts.debug || b->opts.noaction, LOG_DAEMON);
	log_setverbose(b->opts.verbose);
	log_procinit("broker");
	b->udp = INVALID_SOCKET;
	b->emit = log_emit;
	if (b->opts.noaction)
		exit(broker_setup(b) == 0 ? 0 : 1);

	if (!b->opts.debug)
		return (service_run(b));

	if ((b->stop = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL)
		fatalx("CreateEvent: %s", win_strerror(GetLastError()));
	if (!SetConsoleCtrlHandler(broker_console, TRUE))
		log_debug("no console control handler: %s",
		    win_strerror(GetLastError()));
	if (broker_start(b) == -1)
		broker_exit(b, 1);
	broker_loop(b);
}

static __dead void
usage(void)
{
	fprintf(stderr, "usage: %s [-dnv] [-f file]\n"
	    "       %s install [-v] [-f file]\n"
	    "       %s uninstall\n", __progname, __progname, __progname);
	exit(1);
}

/* The flags, for the broker and (the same arguments) the worker. */
int
broker_opts(struct win_opts *o, int argc, char **argv)
{
	int	 ch;

	memset(o, 0, sizeof(*o));
	o->pings = BROKER_PINGS;
	optind = 1;
	while ((ch = getopt(argc, argv, "df:nT:v")) != -1) {
		switch (ch) {
		case 'd':
			o->debug = 1;
			break;
		case 'f':
			if (strlcpy(o->conffile, optarg, sizeof(o->conffile)) >=
			    sizeof(o->conffile)) {
				log_warnx("-f: path too long");
				return (-1);
			}
			break;
		case 'n':
			o->noaction = 1;
			break;
		case 'T':
			if (broker_opt_test(o, optarg) == -1)
				return (-1);
			break;
		case 'v':
			o->verbose++;
			break;
		default:
			return (-1);
		}
	}
	if (optind != argc)
		return (-1);
	return (0);
}

static int
broker_opt_test(struct win_opts *o, const char *arg)
{
	const char	*errstr;

	if (strncmp(arg, "fakenic=", 8) == 0) {
		if (strlcpy(o->fakenic, arg + 8, sizeof(o->fakenic)) >=
		    sizeof(o->fakenic)) {
			log_warnx("-T fakenic: name too long");
			return (-1);
		}
	} else if (strncmp(arg, "journal=", 8) == 0) {
		if (strlcpy(o->journal, arg + 8, sizeof(o->journal)) >=
		    sizeof(o->journal)) {
			log_warnx("-T journal: path too long");
			return (-1);
		}
	} else if (strncmp(arg, "pings=", 6) == 0) {
		o->pings = strtonum(arg + 6, 1, BROKER_PINGS_MAX, &errstr);
		if (errstr != NULL) {
			log_warnx("-T pings: %s is %s", arg + 6, errstr);
			return (-1);
		}
	} else if (strcmp(arg, "exit") == 0)
		o->exit = 1;
	else if (strcmp(arg, "probe") == 0)
		o->probe = 1;
	else if (strcmp(arg, "fault=badsize") == 0 ||
	    strcmp(arg, "fault=unknown") == 0 ||
	    strcmp(arg, "fault=twice") == 0 ||
	    strcmp(arg, "fault=badmtu") == 0 ||
	    strcmp(arg, "fault=hang") == 0)
		(void)strlcpy(o->fault, arg + 6, sizeof(o->fault));
	else {
		log_warnx("-T %s: unknown test option", arg);
		return (-1);
	}
	return (0);
}

/* The imsg library's warnings (it logs only through this hook). */
void
win_imsg_warn(const char *line)
{
	log_warnx("%s", line);
}

/* Ctrl-C and friends in the foreground: stop as the service would. */
static BOOL WINAPI
broker_console(DWORD type)
{
	switch (type) {
	case CTRL_C_EVENT:
	case CTRL_BREAK_EVENT:
	case CTRL_CLOSE_EVENT:
	case CTRL_SHUTDOWN_EVENT:
		(void)SetEvent(broker_env.stop);
		return (TRUE);
	default:
		return (FALSE);
	}
}

/*
 * Everything before the loop: the job, the pipe, the worker.  On -1 the
 * reason is logged; a worker already started dies with the job when the
 * broker exits.
 */
int
broker_start(struct broker *b)
{
	struct pipe_pair	 pp;
	WSADATA			 wsa;
	int			 err;

	b->udp = INVALID_SOCKET;
	if ((err = WSAStartup(MAKEWORD(2, 2), &wsa)) != 0) {
		log_warnx("WSAStartup: %s", win_strerror(err));
		return (-1);
	}
	if (broker_setup(b) == -1)
		return (-1);
	if (b->stop == NULL &&
	    (b->stop = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL) {
		log_warnx("CreateEvent: %s", win_strerror(GetLastError()));
		return (-1);
	}
	if (broker_job(b) == -1)
		return (-1);
	if (pipe_pair_open(&pp) == -1)
		return (-1);
	if (broker_spawn(b, pp.client) == -1) {
		pipe_pair_close(&pp);
		return (-1);
	}
	/* The worker holds the client end now: its exit is our EOF. */
	CloseHandle(pp.client);
	b->pipe = pp.server;
	if (imsgbuf_init_handle(&b->ibuf, b->pipe) == -1) {
		log_warn("imsgbuf_init_handle");
		return (-1);
	}
	log_info("worker %lu started, pipe %ls", (unsigned long)b->pid,
	    pp.name);
	return (0);
}

/*
 * The worker's job: it dies when the broker's last handle to the job
 * closes (the broker exits or crashes), it may not start processes, and
 * an unhandled exception kills it rather than opening a dialog.
 */
static int
broker_job(struct broker *b)
{
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION	 jl;
	JOBOBJECT_BASIC_UI_RESTRICTIONS		 ui;

	if ((b->job = CreateJobObjectW(NULL, NULL)) == NULL) {
		log_warnx("CreateJobObject: %s",
		    win_strerror(GetLastError()));
		return (-1);
	}
	memset(&jl, 0, sizeof(jl));
	jl.BasicLimitInformation.LimitFlags =
	    JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE |
	    JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION |
	    JOB_OBJECT_LIMIT_ACTIVE_PROCESS;
	jl.BasicLimitInformation.ActiveProcessLimit = 1;
	if (!SetInformationJobObject(b->job,
	    JobObjectExtendedLimitInformation, &jl, sizeof(jl))) {
		log_warnx("job limits: %s", win_strerror(GetLastError()));
		return (-1);
	}
	/* Desktop objects only: worth having, not worth failing for. */
	memset(&ui, 0, sizeof(ui));
	ui.UIRestrictionsClass = JOB_OBJECT_UILIMIT_ALL;
	if (!SetInformationJobObject(b->job, JobObjectBasicUIRestrictions,
	    &ui, sizeof(ui)))
		log_warnx("job: no ui restrictions: %s",
		    win_strerror(GetLastError()));
	return (0);
}

/*
 * The worker's token: the broker's own, restricted (CreateRestrictedToken
 * with DISABLE_MAX_PRIVILEGE: every privilege but SeChangeNotify gone;
 * BUILTIN\Administrators deny-only) and at low integrity.  A restricted
 * version of the caller's own token needs no privilege to use in
 * CreateProcessAsUser.  The worker reports in IMSG_HELLO what it got.
 * Wine 8 takes every call, and the worker does run with the new token
 * (Administrators deny-only), but all privileges stay and the integrity
 * level stays high; wine-broker.sh prints what it saw.
 */
static HANDLE
broker_token(void)
{
	SID_IDENTIFIER_AUTHORITY nt = { SECURITY_NT_AUTHORITY };
	SID_IDENTIFIER_AUTHORITY ml = { SECURITY_MANDATORY_LABEL_AUTHORITY };
	SID_AND_ATTRIBUTES	 deny[1];
	TOKEN_MANDATORY_LABEL	 tml;
	HANDLE			 tok = NULL, rtok = NULL;
	PSID			 admins = NULL, low = NULL;
	struct win_hello	 h;

	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_DUPLICATE |
	    TOKEN_QUERY | TOKEN_ASSIGN_PRIMARY | TOKEN_ADJUST_DEFAULT, &tok)) {
		log_warnx("%s: OpenProcessToken: %s", __func__,
		    win_strerror(GetLastError()));
		goto fail;
	}
	if (!AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID,
	    DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0, &admins) ||
	    !AllocateAndInitializeSid(&ml, 1, SECURITY_MANDATORY_LOW_RID,
	    0, 0, 0, 0, 0, 0, 0, &low)) {
		log_warnx("%s: AllocateAndInitializeSid: %s", __func__,
		    win_strerror(GetLastError()));
		goto fail;
	}
	deny[0].Sid = admins;
	deny[0].Attributes = 0;
	if (!CreateRestrictedToken(tok, DISABLE_MAX_PRIVILEGE, 1, deny, 0,
	    NULL, 0, NULL, &rtok)) {
		log_warnx("CreateRestrictedToken: %s",
		    win_strerror(GetLastError()));
		goto fail;
	}
	memset(&tml, 0, sizeof(tml));
	tml.Label.Sid = low;
	tml.Label.Attributes = SE_GROUP_INTEGRITY;
	if (!SetTokenInformation(rtok, TokenIntegrityLevel, &tml,
	    sizeof(tml) + GetLengthSid(low))) {
		log_warnx("worker token: low integrity: %s",
		    win_strerror(GetLastError()));
		CloseHandle(rtok);
		rtok = NULL;
		goto fail;
	}
	if (log_getverbose() > 1) {
		win_token_info(rtok, &h);
		log_debug("worker token: %u privileges, integrity %s, "
		    "administrators %s", h.privileges,
		    integrity_name(h.integrity), win_admins_name(h.admins));
	}
 fail:
	if (tok != NULL)
		CloseHandle(tok);
	if (admins != NULL)
		FreeSid(admins);
	if (low != NULL)
		FreeSid(low);
	return (rtok);
}

static int
cmdline_putc(wchar_t *buf, size_t *len, wchar_t c)
{
	if (*len + 1 >= BROKER_CMDLINE_MAX)
		return (-1);
	buf[(*len)++] = c;
	buf[*len] = L'\0';
	return (0);
}

/* One argument, quoted as CommandLineToArgvW will split it again. */
int
cmdline_append(wchar_t *buf, size_t *len, const wchar_t *arg)
{
	const wchar_t	*p;
	size_t		 i, nbs;

	if (*len > 0 && cmdline_putc(buf, len, L' ') == -1)
		return (-1);
	if (*arg != L'\0' && wcspbrk(arg, L" \t\n\v\"") == NULL) {
		for (p = arg; *p != L'\0'; p++)
			if (cmdline_putc(buf, len, *p) == -1)
				return (-1);
		return (0);
	}
	if (cmdline_putc(buf, len, L'"') == -1)
		return (-1);
	for (p = arg;; p++) {
		for (nbs = 0; *p == L'\\'; p++)
			nbs++;
		if (*p == L'\0') {
			for (i = 0; i < nbs * 2; i++)
				if (cmdline_putc(buf, len, L'\\') == -1)
					return (-1);
			break;
		}
		if (*p == L'"')
			nbs = nbs * 2 + 1;
		for (i = 0; i < nbs; i++)
			if (cmdline_putc(buf, len, L'\\') == -1)
				return (-1);
		if (cmdline_putc(buf, len, *p) == -1)
			return (-1);
	}
	return (cmdline_putc(buf, len, L'"'));
}

/*
 * "<exe>" -P worker <broker pid> <pipe handle> <our arguments...>: the
 * worker re-runs main() with the same flags, as the Linux child does.
 */
static wchar_t *
broker_cmdline(HANDLE client)
{
	wchar_t	 exe[MAX_PATH], num[32], *cmd, **wargv;
	size_t	 len = 0;
	DWORD	 n;
	int	 i, wargc;

	n = GetModuleFileNameW(NULL, exe, nitems(exe));
	if (n == 0 || n >= nitems(exe)) {
		log_warnx("%s: GetModuleFileName: %s", __func__,
		    win_strerror(GetLastError()));
		return (NULL);
	}
	if ((wargv = CommandLineToArgvW(GetCommandLineW(), &wargc)) == NULL) {
		log_warnx("%s: CommandLineToArgv: %s", __func__,
		    win_strerror(GetLastError()));
		return (NULL);
	}
	if ((cmd = calloc(BROKER_CMDLINE_MAX, sizeof(*cmd))) == NULL) {
		log_warn("%s", __func__);
		LocalFree(wargv);
		return (NULL);
	}
	if (cmdline_append(cmd, &len, exe) == -1 ||
	    cmdline_append(cmd, &len, L"" BROKER_ROLE_FLAG) == -1 ||
	    cmdline_append(cmd, &len, L"" BROKER_ROLE_WORKER) == -1)
		goto toolong;
	(void)swprintf(num, nitems(num), L"%lu",
	    (unsigned long)GetCurrentProcessId());
	if (cmdline_append(cmd, &len, num) == -1)
		goto toolong;
	(void)swprintf(num, nitems(num), L"%llu",
	    (unsigned long long)(uintptr_t)client);
	if (cmdline_append(cmd, &len, num) == -1)
		goto toolong;
	for (i = 1; i < wargc; i++)
		if (cmdline_append(cmd, &len, wargv[i]) == -1)
			goto toolong;
	LocalFree(wargv);
	return (cmd);

 toolong:
	log_warnx("%s: command line too long", __func__);
	LocalFree(wargv);
	free(cmd);
	return (NULL);
}

/*
 * Start the worker suspended, with the restricted token, inheriting only
 * the client end of the pipe and no standard handles; put it in the job
 * before it runs an instruction, then let it go.
 */
static int
broker_spawn(struct broker *b, HANDLE client)
{
	STARTUPINFOEXW			 si;
	PROCESS_INFORMATION		 pi;
	LPPROC_THREAD_ATTRIBUTE_LIST	 attrs = NULL;
	SIZE_T				 size = 0;
	HANDLE				 token = NULL;
	wchar_t				*cmd = NULL;
	int				 ret = -1, inherit = 0;

	if ((cmd = broker_cmdline(client)) == NULL)
		goto done;
	if ((token = broker_token()) == NULL)
		goto done;

	(void)InitializeProcThreadAttributeList(NULL, 1, 0, &size);
	if ((attrs = malloc(size)) == NULL) {
		log_warn("%s", __func__);
		goto done;
	}
	if (!InitializeProcThreadAttributeList(attrs, 1, 0, &size)) {
		log_warnx("InitializeProcThreadAttributeList: %s",
		    win_strerror(GetLastError()));
		free(attrs);
		attrs = NULL;
		goto done;
	}
	if (!UpdateProcThreadAttribute(attrs, 0,
	    PROC_THREAD_ATTRIBUTE_HANDLE_LIST, &client, sizeof(client), NULL,
	    NULL)) {
		log_warnx("handle list: %s", win_strerror(GetLastError()));
		goto done;
	}
	if (!SetHandleInformation(client, HANDLE_FLAG_INHERIT,
	    HANDLE_FLAG_INHERIT)) {
		log_warnx("pipe handle inheritable: %s",
		    win_strerror(GetLastError()));
		goto done;
	}
	inherit = 1;

	memset(&si, 0, sizeof(si));
	si.StartupInfo.cb = sizeof(si);
	si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
	si.StartupInfo.hStdInput = NULL;
	si.StartupInfo.hStdOutput = NULL;
	si.StartupInfo.hStdError = NULL;
	si.lpAttributeList = attrs;
	memset(&pi, 0, sizeof(pi));
	if (!CreateProcessAsUserW(token, NULL, cmd, NULL, NULL, TRUE,
	    CREATE_SUSPENDED | EXTENDED_STARTUPINFO_PRESENT |
	    CREATE_NO_WINDOW, NULL, NULL, &si.StartupInfo, &pi)) {
		log_warnx("worker: CreateProcessAsUser: %s",
		    win_strerror(GetLastError()));
		goto done;
	}
	if (!AssignProcessToJobObject(b->job, pi.hProcess)) {
		log_warnx("worker: AssignProcessToJobObject: %s",
		    win_strerror(GetLastError()));
		(void)TerminateProcess(pi.hProcess, 1);
		CloseHandle(pi.hThread);
		CloseHandle(pi.hProcess);
		goto done;
	}
	if (ResumeThread(pi.hThread) == (DWORD)-1) {
		log_warnx("worker: ResumeThread: %s",
		    win_strerror(GetLastError()));
		(void)TerminateJobObject(b->job, 1);
		CloseHandle(pi.hThread);
		CloseHandle(pi.hProcess);
		goto done;
	}
	CloseHandle(pi.hThread);
	b->proc = pi.hProcess;
	b->pid = pi.dwProcessId;
	ret = 0;

 done:
	if (inherit)
		(void)SetHandleInformation(client, HANDLE_FLAG_INHERIT, 0);
	if (attrs != NULL) {
		DeleteProcThreadAttributeList(attrs);
		free(attrs);
	}
	if (token != NULL)
		CloseHandle(token);
	free(cmd);
	return (ret);
}

/*
 * Wait for the worker's messages, its exit, or a stop.  Never returns:
 * every way out is broker_exit().
 */
void
broker_loop(struct broker *b)
{
	HANDLE	 hs[4];
	DWORD	 r;
	int	 eof;

	hs[0] = b->stop;
	hs[1] = b->proc;
	hs[2] = imsgbuf_read_event(&b->ibuf);
	hs[3] = imsgbuf_write_event(&b->ibuf);
	for (;;) {
		r = WaitForMultipleObjects(nitems(hs), hs, FALSE, INFINITE);
		if (r == WAIT_FAILED)
			broker_fail(b, "WaitForMultipleObjects: %s",
			    win_strerror(GetLastError()));
		if (WaitForSingleObject(b->stop, 0) == WAIT_OBJECT_0) {
			log_info("stopping");
			broker_exit(b, 0);
		}
		/* The worker's last words first, then how it ended. */
		eof = 0;
		broker_read(b, &eof);
		if (!eof && imsgbuf_queuelen(&b->ibuf) > 0 &&
		    imsgbuf_write(&b->ibuf) == -1) {
			if (errno != EPIPE)
				broker_fail(b, "write to the worker: %s",
				    win_strerror(GetLastError()));
			eof = 1;
		}
		if (eof || WaitForSingleObject(b->proc, 0) == WAIT_OBJECT_0)
			broker_lost(b);
	}
}

static void
broker_read(struct broker *b, int *eof)
{
	struct imsg	 imsg;
	ssize_t		 n;
	int		 r;

	if ((r = imsgbuf_read(&b->ibuf)) == -1) {
		if (errno != EPIPE)
			broker_fail(b, "read from the worker: %s",
			    win_strerror(GetLastError()));
		*eof = 1;
	} else if (r == 0)
		*eof = 1;
	for (;;) {
		if ((n = imsg_get(&b->ibuf, &imsg)) == -1)
			broker_fail(b, "worker sent a malformed message: %s",
			    strerror(errno));
		if (n == 0)
			break;
		broker_imsg(b, &imsg);
		imsg_free(&imsg);
	}
}

/* Fail closed: the type must be known, the size exact, the permit set. */
static void
broker_imsg(struct broker *b, struct imsg *imsg)
{
	const struct broker_req	*req = NULL;
	uint32_t		 type;
	size_t			 i, len;

	type = imsg_get_type(imsg);
	len = imsg_get_len(imsg);
	if (type == IMSG_LOG) {
		broker_worker_log(b, imsg);
		return;
	}
	for (i = 0; i < nitems(broker_reqs); i++)
		if (broker_reqs[i].type == type) {
			req = &broker_reqs[i];
			break;
		}
	if (req == NULL)
		broker_fail(b, "worker sent unexpected imsg type %u", type);
	if ((req->flags & BROKER_VARSIZE) && len > req->size)
		broker_fail(b, "worker sent malformed %s: size %zu, expected "
		    "at most %zu", req->name, len, req->size);
	if (!(req->flags & BROKER_VARSIZE) && len != req->size)
		broker_fail(b, "worker sent malformed %s: size %zu, expected "
		    "%zu", req->name, len, req->size);
	if (req->flags & BROKER_ONCE) {
		if (b->used[i])
			broker_fail(b, "worker sent %s again: allowed once",
			    req->name);
		b->used[i] = 1;
	}
	if (!b->hello && type != IMSG_HELLO)
		broker_fail(b, "worker sent %s before IMSG_HELLO", req->name);
	req->handler(b, imsg);
}

/*
 * IMSG_LOG: {pri, "worker: text\0"}.  The line must name the worker and
 * is written with control characters replaced, so the worker can neither
 * forge the broker's lines nor inject new ones.
 */
static void
broker_worker_log(struct broker *b, struct imsg *imsg)
{
	struct win_log	 lg;
	char		 buf[sizeof(lg) + BROKER_LOG_MAX];
	const char	*prefix = "worker: ";
	char		*line, *s;
	size_t		 len;

	len = imsg_get_len(imsg);
	if (len < sizeof(lg) + 1 || len > sizeof(buf))
		broker_fail(b, "worker sent malformed IMSG_LOG: size %zu, "
		    "expected %zu to %zu", len, sizeof(lg) + 1, sizeof(buf));
	if (imsg_get_data(imsg, buf, len) == -1)
		broker_fail(b, "worker sent malformed IMSG_LOG: %s",
		    strerror(errno));
	memcpy(&lg, buf, sizeof(lg));
	line = buf + sizeof(lg);
	if (line[len - sizeof(lg) - 1] != '\0' ||
	    strlen(line) != len - sizeof(lg) - 1)
		broker_fail(b, "worker sent malformed IMSG_LOG: line not "
		    "terminated");
	if (strncmp(line, prefix, strlen(prefix)) != 0)
		broker_fail(b, "worker sent IMSG_LOG without its name");
	if (lg.pri < LOG_EMERG || lg.pri > LOG_DEBUG)
		broker_fail(b, "worker sent IMSG_LOG with priority %d",
		    (int)lg.pri);
	for (s = line; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	b->emit(lg.pri, line);
}

/*
 * What a token holds, for IMSG_HELLO: how many privileges, the integrity
 * level RID (0: unknown), and what became of BUILTIN\Administrators.
 */
void
win_token_info(HANDLE tok, struct win_hello *h)
{
	SID_IDENTIFIER_AUTHORITY nt = { SECURITY_NT_AUTHORITY };
	union {
		TOKEN_MANDATORY_LABEL	 tml;
		BYTE			 buf[256];
	}		 u;
	TOKEN_PRIVILEGES *tp = NULL;
	TOKEN_GROUPS	*tg = NULL;
	PSID		 admins = NULL;
	DWORD		 len = 0, i, a;
	PUCHAR		 n;

	h->privileges = UINT32_MAX;
	h->integrity = 0;
	h->admins = WIN_ADMINS_UNKNOWN;
	if ((GetTokenInformation(tok, TokenPrivileges, NULL, 0, &len) ||
	    GetLastError() == ERROR_INSUFFICIENT_BUFFER) &&
	    (tp = malloc(len)) != NULL &&
	    GetTokenInformation(tok, TokenPrivileges, tp, len, &len))
		h->privileges = tp->PrivilegeCount;
	free(tp);
	if (GetTokenInformation(tok, TokenIntegrityLevel, &u, sizeof(u),
	    &len) && IsValidSid(u.tml.Label.Sid) &&
	    (n = GetSidSubAuthorityCount(u.tml.Label.Sid)) != NULL && *n > 0)
		h->integrity = *GetSidSubAuthority(u.tml.Label.Sid, *n - 1);

	if (!AllocateAndInitializeSid(&nt, 2, SECURITY_BUILTIN_DOMAIN_RID,
	    DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0, &admins))
		return;
	len = 0;
	if ((GetTokenInformation(tok, TokenGroups, NULL, 0, &len) ||
	    GetLastError() == ERROR_INSUFFICIENT_BUFFER) &&
	    (tg = malloc(len)) != NULL &&
	    GetTokenInformation(tok, TokenGroups, tg, len, &len)) {
		h->admins = WIN_ADMINS_ABSENT;
		for (i = 0; i < tg->GroupCount; i++) {
			if (!EqualSid(tg->Groups[i].Sid, admins))
				continue;
			a = tg->Groups[i].Attributes;
			if (a & SE_GROUP_USE_FOR_DENY_ONLY)
				h->admins = WIN_ADMINS_DENYONLY;
			else if (a & SE_GROUP_ENABLED)
				h->admins = WIN_ADMINS_ENABLED;
			else
				h->admins = WIN_ADMINS_DISABLED;
		}
	}
	free(tg);
	FreeSid(admins);
}

const char *
win_admins_name(uint32_t admins)
{
	switch (admins) {
	case WIN_ADMINS_ABSENT:
		return ("absent");
	case WIN_ADMINS_ENABLED:
		return ("enabled");
	case WIN_ADMINS_DISABLED:
		return ("disabled");
	case WIN_ADMINS_DENYONLY:
		return ("deny-only");
	default:
		return ("unknown");
	}
}

static const char *
integrity_name(uint32_t rid)
{
	static char	 buf[16];

	switch (rid) {
	case SECURITY_MANDATORY_UNTRUSTED_RID:
		return ("untrusted");
	case SECURITY_MANDATORY_LOW_RID:
		return ("low");
	case SECURITY_MANDATORY_MEDIUM_RID:
		return ("medium");
	case SECURITY_MANDATORY_HIGH_RID:
		return ("high");
	case SECURITY_MANDATORY_SYSTEM_RID:
		return ("system");
	default:
		(void)snprintf(buf, sizeof(buf), "0x%x", rid);
		return (buf);
	}
}

static void
broker_req_hello(struct broker *b, struct imsg *imsg)
{
	struct win_hello	 h;

	if (imsg_get_data(imsg, &h, sizeof(h)) == -1)
		broker_fail(b, "IMSG_HELLO: %s", strerror(errno));
	if (h.version != BROKER_VERSION)
		broker_fail(b, "worker speaks version %u, broker %u",
		    h.version, BROKER_VERSION);
	if (h.pid != b->pid)
		broker_fail(b, "worker says it is process %u, the broker "
		    "started %lu", h.pid, (unsigned long)b->pid);
	b->hello = 1;
	log_info("worker %lu ready: token with %u privileges, integrity %s, "
	    "administrators %s", (unsigned long)b->pid, h.privileges,
	    integrity_name(h.integrity), win_admins_name(h.admins));
	broker_send_startup(b);
}

/* A ping's bytes, from its number: the pong is checked against them. */
void
win_ping_fill(struct win_ping *p, uint32_t seq)
{
	size_t	 i;

	memset(p, 0, sizeof(*p));
	p->seq = seq;
	for (i = 0; i < sizeof(p->data); i++)
		p->data[i] = (uint8_t)(seq * 131 + i * 7 + (i >> 8));
	p->sum = win_ping_sum(p);
}

uint32_t
win_ping_sum(const struct win_ping *p)
{
	uint32_t	 sum = 0;
	size_t		 i;

	for (i = 0; i < sizeof(p->data); i++)
		sum = sum * 31 + p->data[i];
	return (sum);
}

static void
broker_req_pong(struct broker *b, struct imsg *imsg)
{
	struct win_ping	 got, want;
	size_t		 i;

	if (imsg_get_data(imsg, &got, sizeof(got)) == -1)
		broker_fail(b, "IMSG_PONG: %s", strerror(errno));
	if (got.seq != b->pongs + 1 || got.seq > b->pings)
		broker_fail(b, "worker sent IMSG_PONG %u, expected %u", got.seq,
		    b->pongs + 1);
	win_ping_fill(&want, got.seq);
	for (i = 0; i < sizeof(got.data); i++)
		if (got.data[i] != (want.data[i] ^ 0xa5))
			broker_fail(b, "worker sent IMSG_PONG %u: byte %zu "
			    "differs", got.seq, i);
	if (got.sum != win_ping_sum(&got))
		broker_fail(b, "worker sent IMSG_PONG %u: bad sum", got.seq);
	if (++b->pongs == b->pings)
		log_info("round trip: %u pings of %zu bytes answered",
		    b->pongs, sizeof(got));
}

static void
broker_req_exit(struct broker *b, struct imsg *imsg)
{
	int32_t	 status;

	if (imsg_get_data(imsg, &status, sizeof(status)) == -1)
		broker_fail(b, "IMSG_REQ_EXIT: %s", strerror(errno));
	if (status < 0 || status > 255)
		broker_fail(b, "worker asks to exit with status %d",
		    (int)status);
	if (b->pongs != b->pings)
		log_warnx("worker exits with %u of %u pings unanswered",
		    b->pings - b->pongs, b->pings);
	log_info("worker asks to exit with status %d", (int)status);
	broker_exit(b, status);
}

/* What the worker gets once it said hello, in this order. */
static void
broker_send_startup(struct broker *b)
{
	struct win_ping	 p;
	int		 i;

	for (i = 1; i <= b->opts.pings; i++) {
		win_ping_fill(&p, i);
		if (imsg_compose(&b->ibuf, IMSG_PING, 0, 0, -1, &p,
		    sizeof(p)) == -1)
			broker_fail(b, "IMSG_PING: %s", strerror(errno));
		b->pings++;
	}
	broker_send_config(b);
}

/* The worker went away (EOF on the pipe, or its process ended). */
static __dead void
broker_lost(struct broker *b)
{
	DWORD	 code = 0;
	int	 i, eof = 0;

	/* What the worker wrote before it went (its fatal, say). */
	for (i = 0; i < 64 && !eof; i++) {
		if (WaitForSingleObject(imsgbuf_read_event(&b->ibuf), 100) !=
		    WAIT_OBJECT_0)
			break;
		broker_read(b, &eof);
	}
	(void)WaitForSingleObject(b->proc, BROKER_STOP_WAIT_MS);
	if (!GetExitCodeProcess(b->proc, &code) || code == STILL_ACTIVE)
		log_warnx("lost worker %lu: pipe closed, process still "
		    "running", (unsigned long)b->pid);
	else
		log_warnx("lost worker %lu: exit status %lu",
		    (unsigned long)b->pid, (unsigned long)code);
	broker_exit(b, 1);
}

/*
 * Stop the worker: gently (close the pipe: it exits on EOF) when asked,
 * else at once; the job ends whatever is left.
 */
static void
broker_stop_worker(struct broker *b, int gently)
{
	DWORD	 code;

	if (b->proc == NULL)
		return;
	if (WaitForSingleObject(b->proc, 0) == WAIT_OBJECT_0) {
		/* Already gone: broker_lost() said how. */
		(void)TerminateJobObject(b->job, 1);
		return;
	}
	if (gently) {
		imsgbuf_clear(&b->ibuf);
		CloseHandle(b->pipe);
		b->pipe = NULL;
		(void)WaitForSingleObject(b->proc, BROKER_STOP_WAIT_MS);
	}
	(void)TerminateJobObject(b->job, 1);
	(void)WaitForSingleObject(b->proc, BROKER_STOP_WAIT_MS);
	if (GetExitCodeProcess(b->proc, &code) && code != STILL_ACTIVE)
		log_info("worker %lu stopped: exit status %lu",
		    (unsigned long)b->pid, (unsigned long)code);
	else
		log_warnx("worker %lu does not stop", (unsigned long)b->pid);
}

/* Every way out of the broker: the worker first, then the SCM, exit. */
void
broker_exit(struct broker *b, int status)
{
	broker_stop_worker(b, status == 0);
	broker_undo(b);
	if (b->udp != INVALID_SOCKET)
		closesocket(b->udp);
	log_info("exiting with status %d", status);
	if (b->onexit != NULL)
		b->onexit(status);
	exit(status);
}

/* A request broke the rules: say which, stop the worker, exit 1. */
void
broker_fail(struct broker *b, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s; stopping worker %lu", msg, (unsigned long)b->pid);
	broker_exit(b, 1);
}
