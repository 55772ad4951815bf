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
 * What clientconf.h declares besides the grammar: the facts of the host
 * the configuration needs, on Linux and on Windows.  Where the
 * configuration file is by default, this machine's identity, and the
 * virtual MAC derived from it (one hash for both systems, so that the
 * derivation is tested once).  See clientconf.h.
 */

#include <sys/types.h>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <shlobj.h>
#else
#include <sys/socket.h>

#include <fcntl.h>
#include <netdb.h>
#include <unistd.h>
#endif

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "clientconf.h"
#include "ether.h"

#ifdef _WIN32
#define PROGRAMDATA_DEFAULT	"C:\\ProgramData"
#define MACHINEGUID_KEY		"SOFTWARE\\Microsoft\\Cryptography"
#define MACHINEGUID_VALUE	"MachineGuid"
#define GUID_LEN		36	/* 8-4-4-4-12 hex digits */

static int	 guid_valid(const char *);

const char *
clientd_conf_path(void)
{
	static char	 path[MAX_PATH];
	char		 dir[MAX_PATH];
	PWSTR		 pd;
	size_t		 len;
	DWORD		 n;
	int		 rv;

	if (path[0] != '\0')
		return (path);
	/*
	 * The known folder first: a service's environment may say another
	 * thing (Wine gives services C:\users\Public); the service's log
	 * (clientd/win/service.c) is found the same way.
	 */
	n = 0;
	if (SHGetKnownFolderPath(&FOLDERID_ProgramData, 0, NULL, &pd) ==
	    S_OK) {
		if (WideCharToMultiByte(CP_UTF8, 0, pd, -1, dir, sizeof(dir),
		    NULL, NULL) > 0)
			n = strlen(dir);
		CoTaskMemFree(pd);
	}
	if (n == 0)
		n = GetEnvironmentVariableA("ProgramData", dir, sizeof(dir));
	/* Not set, too long or not an absolute path: the usual one. */
	if (n == 0 || n >= sizeof(dir) || !isalpha((unsigned char)dir[0]) ||
	    dir[1] != ':' || (dir[2] != '\\' && dir[2] != '/'))
		(void)strlcpy(dir, PROGRAMDATA_DEFAULT, sizeof(dir));
	len = strlen(dir);
	while (len > 3 && (dir[len - 1] == '\\' || dir[len - 1] == '/'))
		dir[--len] = '\0';
	rv = snprintf(path, sizeof(path), "%s%s%s\\clientd.conf", dir,
	    dir[len - 1] == '\\' || dir[len - 1] == '/' ? "" : "\\",
	    CLIENTD_CONF_DIR);
	if (rv < 0 || (size_t)rv >= sizeof(path))
		(void)snprintf(path, sizeof(path), "%s\\%s\\clientd.conf",
		    PROGRAMDATA_DEFAULT, CLIENTD_CONF_DIR);
	return (path);
}

/* A GUID as Windows writes it, without braces. */
static int
guid_valid(const char *s)
{
	size_t	 i;

	if (strlen(s) != GUID_LEN)
		return (0);
	for (i = 0; i < GUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
		} else if (!isxdigit((unsigned char)s[i]))
			return (0);
	}
	return (1);
}

/*
 * HKLM\SOFTWARE\Microsoft\Cryptography, MachineGuid: made when Windows
 * is installed (and by Wine for its prefix), readable by every user.
 * Lower-cased, so that the same GUID always gives the same MAC.
 */
int
client_machine_id(char *buf, size_t len, char *err, size_t errlen)
{
	char	 guid[128];
	DWORD	 size = sizeof(guid);
	LONG	 rc;
	size_t	 i;

	rc = RegGetValueA(HKEY_LOCAL_MACHINE, MACHINEGUID_KEY,
	    MACHINEGUID_VALUE, RRF_RT_REG_SZ, NULL, guid, &size);
	if (rc != ERROR_SUCCESS) {
		snprintf(err, errlen, "%s: cannot be read (error %ld)",
		    CLIENTD_MACHINE_ID, (long)rc);
		return (-1);
	}
	guid[sizeof(guid) - 1] = '\0';
	if (!guid_valid(guid)) {
		snprintf(err, errlen, "%s: not a GUID "
		    "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
		    CLIENTD_MACHINE_ID);
		return (-1);
	}
	for (i = 0; guid[i] != '\0'; i++)
		guid[i] = tolower((unsigned char)guid[i]);
	if (strlcpy(buf, guid, len) >= len) {
		snprintf(err, errlen, "%s: %zu bytes for a machine id",
		    __func__, len);
		return (-1);
	}
	return (0);
}

#else /* !_WIN32 */

const char *
clientd_conf_path(void)
{
	return (CLIENTD_CONF);
}

/* systemd's machine-id(5): 32 hex digits and a newline. */
int
client_machine_id(char *buf, size_t len, char *err, size_t errlen)
{
	char	 id[128];
	ssize_t	 n;
	size_t	 idlen, i;
	int	 fd, rv = -1;

	if ((fd = open(CLIENTD_MACHINE_ID, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", CLIENTD_MACHINE_ID,
		    strerror(errno));
		return (-1);
	}
	n = read(fd, id, sizeof(id) - 1);
	close(fd);
	if (n == -1) {
		snprintf(err, errlen, "%s: %s", CLIENTD_MACHINE_ID,
		    strerror(errno));
		return (-1);
	}
	id[n] = '\0';
	idlen = strcspn(id, "\r\n");
	id[idlen] = '\0';
	for (i = 0; i < idlen; i++)
		if (!isxdigit((unsigned char)id[i]))
			break;
	if (idlen != 32 || i != idlen)
		snprintf(err, errlen, "%s: not a machine id (32 hex digits)",
		    CLIENTD_MACHINE_ID);
	else if (strlcpy(buf, id, len) >= len)
		snprintf(err, errlen, "%s: %zu bytes for a machine id",
		    __func__, len);
	else
		rv = 0;
	explicit_bzero(id, sizeof(id));
	return (rv);
}

#endif /* _WIN32 */

int
client_mac_derive(const char *id, size_t idlen, struct ether_mac *mac)
{
	wc_Sha256	 sha;
	uint8_t		 digest[WC_SHA256_DIGEST_SIZE];
	int		 rv = 0;

	/* The label with its NUL: it ends where the id begins. */
	if (wc_InitSha256(&sha) != 0)
		return (-1);
	if (wc_Sha256Update(&sha, (const uint8_t *)CLIENTD_MAC_LABEL,
	    sizeof(CLIENTD_MAC_LABEL)) != 0 ||
	    wc_Sha256Update(&sha, (const uint8_t *)id, idlen) != 0 ||
	    wc_Sha256Final(&sha, digest) != 0)
		rv = -1;
	wc_Sha256Free(&sha);
	if (rv == 0) {
		memcpy(mac->octet, digest, ETHER_ADDR_LEN);
		/* Locally administered (bit 1 set), unicast (bit 0 clear). */
		mac->octet[0] = (mac->octet[0] | 0x02) & ~0x01;
	}
	explicit_bzero(digest, sizeof(digest));
	return (rv);
}

int
client_resolve_relay(const struct clientd_conf *conf, struct client_relay *r,
    char *err, size_t errlen)
{
	struct addrinfo	 hints, *res;
	char		 port[8];
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_protocol = IPPROTO_UDP;
	(void)snprintf(port, sizeof(port), "%u", conf->port);
	if ((rc = getaddrinfo(conf->relay, port, &hints, &res)) != 0) {
		(void)snprintf(err, errlen, "cannot resolve: %s",
		    gai_strerror(rc));
		return (-1);
	}
	if (res->ai_addrlen > sizeof(r->ss) ||
	    (res->ai_family != AF_INET && res->ai_family != AF_INET6)) {
		freeaddrinfo(res);
		(void)snprintf(err, errlen, "no IPv4 or IPv6 address");
		return (-1);
	}
	memset(r, 0, sizeof(*r));
	memcpy(&r->ss, res->ai_addr, res->ai_addrlen);
	r->sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return (0);
}

void
client_reconf_terminate(struct client_reconf *c)
{
	c->relay[sizeof(c->relay) - 1] = '\0';
	c->server_name[sizeof(c->server_name) - 1] = '\0';
	c->room[sizeof(c->room) - 1] = '\0';
	c->secret[sizeof(c->secret) - 1] = '\0';
	c->tap[sizeof(c->tap) - 1] = '\0';
}
