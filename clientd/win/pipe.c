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
 * The pipe between the broker and its worker, around the imsg framing of
 * imsg/imsg-win.c: the pipe itself, and handles carried as values.
 *
 * The pipe.  \\.\pipe\softlan-clientd-<broker pid>, one instance
 * (FILE_FLAG_FIRST_PIPE_INSTANCE: a name somebody else already holds is an
 * error, not a pipe to them), byte mode, overlapped, remote clients
 * rejected, and a protected DACL: SYSTEM, plus the broker's own user when
 * that is not SYSTEM (clientd -d).  The broker opens the client end
 * itself, at once, and the worker inherits that handle
 * (PROC_THREAD_ATTRIBUTE_HANDLE_LIST), as OpenVPN's interactive service
 * hands its per-session pipe to openvpn.exe.  So the worker never opens
 * anything by name and its restricted token needs no access to the pipe;
 * the DACL only has to keep everybody else out.  Each end checks its
 * peer: the broker that the one client is itself
 * (GetNamedPipeClientProcessId names the process that opened the client
 * end, which is the broker, not the worker that inherits it); the worker
 * that the server end belongs to the broker whose pid it was given.  Wine
 * takes the DACL but does not enforce it: there the broker's check is
 * what stops a process that races it to the instance.
 *
 * Handles.  The sender duplicates a handle into the receiver's handle
 * table (DuplicateHandle; it needs PROCESS_DUP_HANDLE on the receiver,
 * which the broker has on the worker it created) and sends the value.  A
 * socket goes with WSADuplicateSocketW: its WSAPROTOCOL_INFOW travels and
 * the receiver makes its own socket from it.  If the message cannot be
 * sent, pipe_handle_revoke() closes the copy in the receiver.
 */

#include <winsock2.h>
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "broker.h"
#include "log.h"

#define PIPE_CONNECT_MS		5000

static int	 pipe_security(SECURITY_ATTRIBUTES *, PSECURITY_DESCRIPTOR *);
static void	 pipe_log_dacl(const struct pipe_pair *);

/* The pipe's security: SYSTEM, and this process's user if not SYSTEM. */
static int
pipe_security(SECURITY_ATTRIBUTES *sa, PSECURITY_DESCRIPTOR *sdp)
{
	union {
		TOKEN_USER	 tu;
		BYTE		 buf[256];
	}		 u;
	HANDLE		 tok;
	DWORD		 len;
	wchar_t		 sddl[256];
	wchar_t		*sid = NULL;

	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
		log_warnx("%s: OpenProcessToken: %s", __func__,
		    win_strerror(GetLastError()));
		return (-1);
	}
	if (!GetTokenInformation(tok, TokenUser, &u, sizeof(u), &len)) {
		log_warnx("%s: GetTokenInformation: %s", __func__,
		    win_strerror(GetLastError()));
		CloseHandle(tok);
		return (-1);
	}
	CloseHandle(tok);
	if (IsWellKnownSid(u.tu.User.Sid, WinLocalSystemSid))
		(void)swprintf(sddl, nitems(sddl), L"D:P(A;;GA;;;SY)");
	else {
		if (!ConvertSidToStringSidW(u.tu.User.Sid, &sid)) {
			log_warnx("%s: ConvertSidToStringSid: %s", __func__,
			    win_strerror(GetLastError()));
			return (-1);
		}
		len = swprintf(sddl, nitems(sddl),
		    L"D:P(A;;GA;;;SY)(A;;GRGW;;;%ls)", sid);
		LocalFree(sid);
		if (len >= nitems(sddl)) {
			log_warnx("%s: sddl too long", __func__);
			return (-1);
		}
	}
	if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl,
	    SDDL_REVISION_1, sdp, NULL)) {
		log_warnx("%s: %ls: %s", __func__, sddl,
		    win_strerror(GetLastError()));
		return (-1);
	}
	memset(sa, 0, sizeof(*sa));
	sa->nLength = sizeof(*sa);
	sa->lpSecurityDescriptor = *sdp;
	sa->bInheritHandle = FALSE;
	return (0);
}

/* -vv: the DACL as the system kept it (Wine keeps it, enforces none). */
static void
pipe_log_dacl(const struct pipe_pair *pp)
{
	PSECURITY_DESCRIPTOR	 sd = NULL;
	wchar_t			*str = NULL;
	DWORD			 err;

	if (log_getverbose() < 2)
		return;
	err = GetSecurityInfo(pp->server, SE_KERNEL_OBJECT,
	    DACL_SECURITY_INFORMATION, NULL, NULL, NULL, NULL, &sd);
	if (err != ERROR_SUCCESS) {
		log_debug("pipe %ls: no dacl read back: %s", pp->name,
		    win_strerror(err));
		return;
	}
	if (ConvertSecurityDescriptorToStringSecurityDescriptorW(sd,
	    SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &str, NULL)) {
		log_debug("pipe %ls: dacl %ls", pp->name, str);
		LocalFree(str);
	}
	LocalFree(sd);
}

/*
 * The broker's pipe with its one client end, opened by the broker for
 * the worker it is about to spawn.  Both handles are not inheritable.
 */
int
pipe_pair_open(struct pipe_pair *pp)
{
	SECURITY_ATTRIBUTES	 sa;
	PSECURITY_DESCRIPTOR	 sd = NULL;
	OVERLAPPED		 ov;
	DWORD			 err, n, pid;
	int			 ok;

	memset(pp, 0, sizeof(*pp));
	pp->server = pp->client = INVALID_HANDLE_VALUE;
	(void)swprintf(pp->name, nitems(pp->name), L"%ls%lu",
	    BROKER_PIPE_PREFIX, (unsigned long)GetCurrentProcessId());

	if (pipe_security(&sa, &sd) == -1)
		return (-1);
	pp->server = CreateNamedPipeW(pp->name, PIPE_ACCESS_DUPLEX |
	    FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
	    PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
	    PIPE_REJECT_REMOTE_CLIENTS, 1, BROKER_PIPE_BUFSIZE,
	    BROKER_PIPE_BUFSIZE, 0, &sa);
	err = GetLastError();
	LocalFree(sd);
	if (pp->server == INVALID_HANDLE_VALUE) {
		log_warnx("pipe %ls: %s", pp->name, win_strerror(err));
		return (-1);
	}
	pipe_log_dacl(pp);

	pp->client = CreateFileW(pp->name, GENERIC_READ | GENERIC_WRITE, 0,
	    NULL, OPEN_EXISTING, FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT |
	    SECURITY_IDENTIFICATION, NULL);
	if (pp->client == INVALID_HANDLE_VALUE) {
		log_warnx("pipe %ls: client end: %s", pp->name,
		    win_strerror(GetLastError()));
		pipe_pair_close(pp);
		return (-1);
	}

	/* The client is already there: ConnectNamedPipe says so. */
	memset(&ov, 0, sizeof(ov));
	if ((ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL) {
		log_warnx("%s: CreateEvent: %s", __func__,
		    win_strerror(GetLastError()));
		pipe_pair_close(pp);
		return (-1);
	}
	ok = ConnectNamedPipe(pp->server, &ov);
	err = ok ? ERROR_SUCCESS : GetLastError();
	if (err == ERROR_IO_PENDING) {
		if (WaitForSingleObject(ov.hEvent, PIPE_CONNECT_MS) ==
		    WAIT_OBJECT_0 && GetOverlappedResult(pp->server, &ov, &n,
		    FALSE))
			err = ERROR_SUCCESS;
		else {
			err = GetLastError();
			(void)CancelIoEx(pp->server, &ov);
			(void)GetOverlappedResult(pp->server, &ov, &n, TRUE);
		}
	}
	CloseHandle(ov.hEvent);
	if (err != ERROR_SUCCESS && err != ERROR_PIPE_CONNECTED) {
		log_warnx("pipe %ls: connect: %s", pp->name,
		    win_strerror(err));
		pipe_pair_close(pp);
		return (-1);
	}

	/* Nobody raced us to the one instance. */
	if (!GetNamedPipeClientProcessId(pp->server, &pid)) {
		log_warnx("pipe %ls: client process: %s", pp->name,
		    win_strerror(GetLastError()));
		pipe_pair_close(pp);
		return (-1);
	}
	if (pid != GetCurrentProcessId()) {
		log_warnx("pipe %ls: client is process %lu, not this broker",
		    pp->name, (unsigned long)pid);
		pipe_pair_close(pp);
		return (-1);
	}
	return (0);
}

void
pipe_pair_close(struct pipe_pair *pp)
{
	if (pp->client != INVALID_HANDLE_VALUE && pp->client != NULL)
		CloseHandle(pp->client);
	if (pp->server != INVALID_HANDLE_VALUE && pp->server != NULL)
		CloseHandle(pp->server);
	pp->client = pp->server = INVALID_HANDLE_VALUE;
}

/*
 * The worker's side: h must be the client end of a byte-mode pipe whose
 * server end belongs to process broker.
 */
int
pipe_check_server(HANDLE h, DWORD broker)
{
	DWORD	 flags, pid;

	if (GetFileType(h) != FILE_TYPE_PIPE) {
		log_warnx("pipe handle %p: not a pipe", h);
		return (-1);
	}
	if (!GetNamedPipeInfo(h, &flags, NULL, NULL, NULL)) {
		log_warnx("pipe handle %p: %s", h,
		    win_strerror(GetLastError()));
		return (-1);
	}
	if ((flags & PIPE_SERVER_END) || (flags & PIPE_TYPE_MESSAGE)) {
		log_warnx("pipe handle %p: not the client end of a byte pipe",
		    h);
		return (-1);
	}
	if (!GetNamedPipeServerProcessId(h, &pid)) {
		log_warnx("pipe handle %p: server process: %s", h,
		    win_strerror(GetLastError()));
		return (-1);
	}
	if (pid != broker) {
		log_warnx("pipe handle %p: server is process %lu, not the "
		    "broker %lu", h, (unsigned long)pid,
		    (unsigned long)broker);
		return (-1);
	}
	return (0);
}

/*
 * Duplicate h into process proc with access (0: the same access) and
 * give its value there.  -1 with GetLastError() set on failure.
 */
int
pipe_handle_give(HANDLE proc, HANDLE h, DWORD access, uint64_t *value)
{
	HANDLE	 remote = NULL;

	if (!DuplicateHandle(GetCurrentProcess(), h, proc, &remote, access,
	    FALSE, access == 0 ? DUPLICATE_SAME_ACCESS : 0))
		return (-1);
	*value = (uint64_t)(uintptr_t)remote;
	return (0);
}

/* The message with the value was not sent: close the copy in proc. */
void
pipe_handle_revoke(HANDLE proc, uint64_t value)
{
	(void)DuplicateHandle(proc, (HANDLE)(uintptr_t)value, NULL, NULL, 0,
	    FALSE, DUPLICATE_CLOSE_SOURCE);
}

/*
 * The receiver's side: a value from a message must name an open handle
 * of this process (handle values are multiples of 4 below 2^32; pseudo
 * handles such as GetCurrentProcess() are not).
 */
HANDLE
pipe_handle_take(uint64_t value)
{
	HANDLE	 h;
	DWORD	 flags;

	if (value == 0 || value > UINT32_MAX || (value & 3) != 0) {
		SetLastError(ERROR_INVALID_HANDLE);
		return (INVALID_HANDLE_VALUE);
	}
	h = (HANDLE)(uintptr_t)value;
	if (!GetHandleInformation(h, &flags))
		return (INVALID_HANDLE_VALUE);
	return (h);
}

/* A socket for process pid: the WSAPROTOCOL_INFOW to send it. */
int
pipe_socket_give(SOCKET s, DWORD pid, WSAPROTOCOL_INFOW *info)
{
	memset(info, 0, sizeof(*info));
	if (WSADuplicateSocketW(s, pid, info) != 0) {
		SetLastError(WSAGetLastError());
		return (-1);
	}
	return (0);
}

/*
 * The receiver's side: a socket of the family, type and protocol it
 * expects, from the WSAPROTOCOL_INFOW in a message.
 */
SOCKET
pipe_socket_take(const WSAPROTOCOL_INFOW *in, int type, int protocol)
{
	WSAPROTOCOL_INFOW	 info;
	SOCKET			 s;

	memcpy(&info, in, sizeof(info));
	if ((info.iAddressFamily != AF_INET &&
	    info.iAddressFamily != AF_INET6) || info.iSocketType != type ||
	    info.iProtocol != protocol) {
		SetLastError(WSAEINVAL);
		return (INVALID_SOCKET);
	}
	s = WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO,
	    FROM_PROTOCOL_INFO, &info, 0, WSA_FLAG_OVERLAPPED);
	if (s == INVALID_SOCKET)
		SetLastError(WSAGetLastError());
	return (s);
}
