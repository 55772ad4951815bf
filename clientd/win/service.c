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
 * The broker as a Windows service: "clientd.exe install" registers it
 * (softlan-clientd, LocalSystem, automatic start, restarted by the service
 * manager when it stops with an error), "clientd.exe uninstall" stops
 * and deletes it, and clientd.exe without -d is the service process
 * (StartServiceCtrlDispatcher).  Its log goes to
 * %ProgramData%\softlan\clientd.log (a real installer must give that
 * directory a DACL for SYSTEM and Administrators only; ProgramData's own
 * lets users create files).
 *
 * Without -d, clientd.exe always takes the service path: Wine's
 * StartServiceCtrlDispatcher does not fail with 1063 outside the service
 * manager, so "not a service" cannot be detected there; -d is the
 * explicit foreground mode.
 */

#include <winsock2.h>
#include <windows.h>
#include <knownfolders.h>
#include <shellapi.h>
#include <shlobj.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "broker.h"
#include "log.h"

#define SERVICE_WAIT_MS		10000	/* uninstall: for the stop */
#define SERVICE_RESTART_MS	5000	/* failure actions: first restarts */
#define SERVICE_RESET_S		86400	/* failure count reset after a day */

static void WINAPI service_main(DWORD, LPWSTR *);
static DWORD WINAPI service_ctrl(DWORD, DWORD, LPVOID, LPVOID);
static void	 service_report(DWORD, int, DWORD);
static void	 service_stopped(int);
static SC_HANDLE service_manager(DWORD);
static int	 service_log_open(void);
static void	 service_log_line(int, const char *);

static wchar_t			 service_name[] = BROKER_SERVICE;
static struct broker		*service_broker;
static SERVICE_STATUS_HANDLE	 service_handle;
static SERVICE_STATUS		 service_status;
static CRITICAL_SECTION		 service_lock;
static HANDLE			 service_log = INVALID_HANDLE_VALUE;

static SC_HANDLE
service_manager(DWORD access)
{
	SC_HANDLE	 scm;

	if ((scm = OpenSCManagerW(NULL, NULL, access)) == NULL)
		log_warnx("service manager: %s",
		    win_strerror(GetLastError()));
	return (scm);
}

/*
 * clientd.exe install [flags]: the flags (checked here as the service
 * will parse them; -d and -n make no sense for a service) are appended
 * to the service's command line.
 */
int
service_install(int argc, char **argv)
{
	SERVICE_DESCRIPTIONW		 desc;
	SERVICE_FAILURE_ACTIONSW	 fa;
	SERVICE_FAILURE_ACTIONS_FLAG	 faf;
	SC_ACTION			 actions[3];
	SC_HANDLE			 scm, svc;
	struct win_opts			 o;
	wchar_t				 exe[MAX_PATH], *bin, **wargv;
	wchar_t				 descr[] = BROKER_DESCRIPTION;
	size_t				 len = 0;
	DWORD				 n;
	int				 i, wargc, ret = 0;

	if (broker_opts(&o, argc, argv) == -1 || o.debug || o.noaction) {
		log_warnx("install: flags: [-v] [-f file]");
		return (-1);
	}
	n = GetModuleFileNameW(NULL, exe, nitems(exe));
	if (n == 0 || n >= nitems(exe)) {
		log_warnx("install: GetModuleFileName: %s",
		    win_strerror(GetLastError()));
		return (-1);
	}
	if ((wargv = CommandLineToArgvW(GetCommandLineW(), &wargc)) == NULL) {
		log_warnx("install: CommandLineToArgv: %s",
		    win_strerror(GetLastError()));
		return (-1);
	}
	if ((bin = calloc(BROKER_CMDLINE_MAX, sizeof(*bin))) == NULL) {
		log_warn("install");
		LocalFree(wargv);
		return (-1);
	}
	/* The exe always quoted: a path with spaces, and no "\"" in it. */
	(void)swprintf(bin, BROKER_CMDLINE_MAX, L"\"%ls\"", exe);
	len = wcslen(bin);
	for (i = 2; i < wargc; i++)
		if (cmdline_append(bin, &len, wargv[i]) == -1) {
			log_warnx("install: command line too long");
			LocalFree(wargv);
			free(bin);
			return (-1);
		}
	LocalFree(wargv);
	if ((scm = service_manager(SC_MANAGER_CREATE_SERVICE)) == NULL) {
		free(bin);
		return (-1);
	}
	svc = CreateServiceW(scm, BROKER_SERVICE, BROKER_DISPLAY,
	    SERVICE_CHANGE_CONFIG | SERVICE_QUERY_STATUS,
	    SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START,
	    SERVICE_ERROR_NORMAL, bin, NULL, NULL, NULL, NULL, NULL);
	if (svc == NULL) {
		n = GetLastError();
		if (n == ERROR_SERVICE_EXISTS)
			log_warnx("install: service %ls exists already",
			    BROKER_SERVICE);
		else
			log_warnx("install: CreateService: %s",
			    win_strerror(n));
		CloseServiceHandle(scm);
		free(bin);
		return (-1);
	}

	desc.lpDescription = descr;
	if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_DESCRIPTION, &desc)) {
		log_warnx("install: description: %s",
		    win_strerror(GetLastError()));
		ret = -1;
	}
	/* Restart after a crash and after an exit with an error status. */
	memset(&fa, 0, sizeof(fa));
	actions[0].Type = SC_ACTION_RESTART;
	actions[0].Delay = SERVICE_RESTART_MS;
	actions[1].Type = SC_ACTION_RESTART;
	actions[1].Delay = SERVICE_RESTART_MS;
	actions[2].Type = SC_ACTION_RESTART;
	actions[2].Delay = 12 * SERVICE_RESTART_MS;
	fa.dwResetPeriod = SERVICE_RESET_S;
	fa.cActions = nitems(actions);
	fa.lpsaActions = actions;
	if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS, &fa)) {
		log_warnx("install: failure actions: %s",
		    win_strerror(GetLastError()));
		ret = -1;
	}
	faf.fFailureActionsOnNonCrashFailures = TRUE;
	if (!ChangeServiceConfig2W(svc, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG,
	    &faf)) {
		n = GetLastError();
		if (n == ERROR_INVALID_LEVEL)
			/* Wine 8: unknown level; Windows has it since Vista. */
			log_warnx("install: this service manager restarts "
			    "the service after a crash only, not after an "
			    "exit with an error status");
		else {
			log_warnx("install: failure actions flag: %s",
			    win_strerror(n));
			ret = -1;
		}
	}
	CloseServiceHandle(svc);
	CloseServiceHandle(scm);
	if (ret == 0)
		log_info("service %ls installed: %ls, automatic start, "
		    "restart on failure", BROKER_SERVICE, bin);
	else
		log_warnx("service %ls installed, but not fully configured",
		    BROKER_SERVICE);
	free(bin);
	return (ret);
}

int
service_uninstall(void)
{
	SERVICE_STATUS	 st;
	SC_HANDLE	 scm, svc;
	DWORD		 err, waited = 0;
	int		 ret = 0;

	if ((scm = service_manager(SC_MANAGER_CONNECT)) == NULL)
		return (-1);
	svc = OpenServiceW(scm, BROKER_SERVICE, SERVICE_STOP |
	    SERVICE_QUERY_STATUS | DELETE);
	if (svc == NULL) {
		err = GetLastError();
		if (err == ERROR_SERVICE_DOES_NOT_EXIST)
			log_warnx("uninstall: service %ls is not installed",
			    BROKER_SERVICE);
		else
			log_warnx("uninstall: OpenService: %s",
			    win_strerror(err));
		CloseServiceHandle(scm);
		return (-1);
	}
	if (QueryServiceStatus(svc, &st) &&
	    st.dwCurrentState != SERVICE_STOPPED) {
		if (!ControlService(svc, SERVICE_CONTROL_STOP, &st) &&
		    GetLastError() != ERROR_SERVICE_NOT_ACTIVE)
			log_warnx("uninstall: stop: %s",
			    win_strerror(GetLastError()));
		while (QueryServiceStatus(svc, &st) &&
		    st.dwCurrentState != SERVICE_STOPPED &&
		    waited < SERVICE_WAIT_MS) {
			Sleep(250);
			waited += 250;
		}
		if (st.dwCurrentState != SERVICE_STOPPED)
			log_warnx("uninstall: service %ls does not stop",
			    BROKER_SERVICE);
	}
	if (!DeleteService(svc)) {
		log_warnx("uninstall: DeleteService: %s",
		    win_strerror(GetLastError()));
		ret = -1;
	} else
		log_info("service %ls uninstalled", BROKER_SERVICE);
	CloseServiceHandle(svc);
	CloseServiceHandle(scm);
	return (ret);
}

/*
 * The service's log: %ProgramData%\softlan\clientd.log, found as the
 * known folder (Wine gives a service another ProgramData variable).
 * Lines go out with WriteFile through log.c's hook, and the worker's
 * through broker->emit: a service has no standard handles, and Wine's
 * msvcrt cannot freopen() a stderr that has none.
 */
static int
service_log_open(void)
{
	wchar_t	 path[MAX_PATH];
	PWSTR	 pd = NULL;
	int	 len;

	if (SHGetKnownFolderPath(&FOLDERID_ProgramData, 0, NULL, &pd) !=
	    S_OK) {
		CoTaskMemFree(pd);
		return (-1);
	}
	len = swprintf(path, nitems(path), L"%ls\\%ls", pd, BROKER_LOGDIR);
	if (len < 0 || (size_t)len >= nitems(path) ||
	    (!CreateDirectoryW(path, NULL) &&
	    GetLastError() != ERROR_ALREADY_EXISTS)) {
		CoTaskMemFree(pd);
		return (-1);
	}
	len = swprintf(path, nitems(path), L"%ls\\%ls\\%ls", pd,
	    BROKER_LOGDIR, BROKER_LOGFILE);
	CoTaskMemFree(pd);
	if (len < 0 || (size_t)len >= nitems(path))
		return (-1);
	service_log = CreateFileW(path, FILE_APPEND_DATA | SYNCHRONIZE,
	    FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_ALWAYS,
	    FILE_ATTRIBUTE_NORMAL, NULL);
	if (service_log == INVALID_HANDLE_VALUE)
		return (-1);
	log_sethook(service_log_line);
	service_broker->emit = service_log_line;
	return (0);
}

/* One line, as syslog would have it: time, ident[pid], the line. */
static void
service_log_line(int pri, const char *line)
{
	SYSTEMTIME	 st;
	char		 buf[1200];
	DWORD		 n;
	int		 len;

	(void)pri;
	GetLocalTime(&st);
	len = snprintf(buf, sizeof(buf), "%04u-%02u-%02u %02u:%02u:%02u "
	    "%s[%lu]: %.1024s\r\n", st.wYear, st.wMonth, st.wDay, st.wHour,
	    st.wMinute, st.wSecond, __progname,
	    (unsigned long)GetCurrentProcessId(), line);
	if (len > 0 && (size_t)len < sizeof(buf))
		(void)WriteFile(service_log, buf, len, &n, NULL);
}

/* clientd.exe without -d: hand the main thread to the service manager. */
int
service_run(struct broker *b)
{
	SERVICE_TABLE_ENTRYW	 table[] = {
		{ service_name, service_main },
		{ NULL, NULL }
	};
	DWORD			 err;

	service_broker = b;
	InitializeCriticalSection(&service_lock);
	if (!StartServiceCtrlDispatcherW(table)) {
		err = GetLastError();
		if (err == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT)
			log_warnx("not started by the service manager: run "
			    "clientd -d in the foreground, or install the "
			    "service");
		else
			log_warnx("StartServiceCtrlDispatcher: %s",
			    win_strerror(err));
		return (1);
	}
	return (0);
}

static void WINAPI
service_main(DWORD argc, LPWSTR *argv)
{
	struct broker	*b = service_broker;

	(void)argc;
	(void)argv;
	service_handle = RegisterServiceCtrlHandlerExW(service_name,
	    service_ctrl, NULL);
	if (service_handle == NULL) {
		log_warnx("RegisterServiceCtrlHandlerEx: %s",
		    win_strerror(GetLastError()));
		return;
	}
	service_status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
	service_report(SERVICE_START_PENDING, 0, 3000);
	/* Without its log file the service has nowhere to say so. */
	(void)service_log_open();
	log_info("service %ls starting", BROKER_SERVICE);
	b->onexit = service_stopped;
	if ((b->stop = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL) {
		log_warnx("CreateEvent: %s", win_strerror(GetLastError()));
		broker_exit(b, 1);
	}
	if (broker_start(b) == -1)
		broker_exit(b, 1);
	service_report(SERVICE_RUNNING, 0, 0);
	broker_loop(b);
}

static DWORD WINAPI
service_ctrl(DWORD ctrl, DWORD type, LPVOID data, LPVOID ctx)
{
	(void)type;
	(void)data;
	(void)ctx;
	switch (ctrl) {
	case SERVICE_CONTROL_STOP:
	case SERVICE_CONTROL_SHUTDOWN:
		service_report(SERVICE_STOP_PENDING, 0,
		    2 * BROKER_STOP_WAIT_MS + 1000);
		(void)SetEvent(service_broker->stop);
		return (NO_ERROR);
	case SERVICE_CONTROL_INTERROGATE:
		return (NO_ERROR);
	default:
		return (ERROR_CALL_NOT_IMPLEMENTED);
	}
}

/* Status 0: stopped cleanly; else a service-specific error (restart). */
static void
service_report(DWORD state, int status, DWORD hint)
{
	static DWORD	 checkpoint = 1;

	EnterCriticalSection(&service_lock);
	service_status.dwCurrentState = state;
	service_status.dwControlsAccepted = state == SERVICE_RUNNING ?
	    SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
	service_status.dwWin32ExitCode = status == 0 ? NO_ERROR :
	    ERROR_SERVICE_SPECIFIC_ERROR;
	service_status.dwServiceSpecificExitCode = (DWORD)status;
	service_status.dwWaitHint = hint;
	if (state == SERVICE_RUNNING || state == SERVICE_STOPPED)
		service_status.dwCheckPoint = 0;
	else
		service_status.dwCheckPoint = checkpoint++;
	if (!SetServiceStatus(service_handle, &service_status))
		log_warnx("SetServiceStatus: %s",
		    win_strerror(GetLastError()));
	LeaveCriticalSection(&service_lock);
}

/* broker_exit(): the last thing before exit(). */
static void
service_stopped(int status)
{
	fflush(stderr);
	service_report(SERVICE_STOPPED, status, 0);
}
