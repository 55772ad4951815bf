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

#ifndef SOFTLAN_CLIENTCONF_H
#define SOFTLAN_CLIENTCONF_H

/*
 * clientd's configuration, the same on Linux and Windows: clientd.conf(5)
 * (parse.y, printconf.c), the defaults, the configuration the client's
 * network side is given (struct client_reconf), and the virtual MAC
 * derived from the machine's identity (clientconf.c).  Nothing here needs
 * libevent, proc.h or the Linux daemon: the Windows broker and worker
 * include this file, the Linux daemon gets it through clientd.h.
 *
 * What differs by system, Linux then Windows:
 *
 *   configuration	/etc/clientd.conf
 *			%ProgramData%\softlan\clientd.conf
 *   tap		an interface name, "softlan0", < IF_NAMESIZE bytes
 *			an adapter's connection name, "softlan", or its
 *			"{GUID}", up to 255 bytes
 *   control		a UNIX socket's path, "/run/clientd.sock"
 *			a pipe name, "\\.\pipe\softlan-clientd"
 *   user		the network child's user
 *			parsed and checked, not used: a warning
 *   machine id		/etc/machine-id (32 hex digits)
 *			HKLM\SOFTWARE\Microsoft\Cryptography, MachineGuid
 *
 * ca-certificate is an absolute path (cfglex_path_absolute()): on Windows
 * "C:\dir\file", "C:/dir/file", "\\server\share\file" or "\dir\file" (the
 * root of the current drive); an include may be relative to the including
 * file's directory.  In a quoted string only \" and \\ are escapes, so a
 * Windows path is written as it is, but the leading "\\" of a pipe name
 * or a UNC path is written "\\\\" ("\\\\.\\pipe\\NAME", as -nv prints it).
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#ifndef _WIN32
#include <net/if.h>
#endif

#include "ether.h"
#include "wiremsg.h"

#ifdef _WIN32
/* CLIENTD_CONF has no fixed value: see clientd_conf_path(). */
#define CLIENTD_CONF_DIR	"softlan"	/* under %ProgramData% */
#define CLIENTD_SOCKET		"\\\\.\\pipe\\softlan-clientd"
#define CLIENTD_TAP		"softlan"	/* a connection name */
#define CLIENTD_TAP_MAX		256	/* a connection name or GUID */
#define CLIENTD_USER_MAX	256
#define CLIENTD_MACHINE_ID	\
	"HKLM\\SOFTWARE\\Microsoft\\Cryptography\\MachineGuid"
#else
#define CLIENTD_CONF		"/etc/clientd.conf"
#define CLIENTD_SOCKET		"/run/clientd.sock"
#define CLIENTD_CHROOT		"/var/empty/clientd"
#define CLIENTD_TAP		"softlan0"
#define CLIENTD_TAP_MAX		IF_NAMESIZE
#define CLIENTD_USER_MAX	LOGIN_NAME_MAX
#define CLIENTD_MACHINE_ID	"/etc/machine-id"
#endif
#define CLIENTD_USER		"_clientd"
#define CLIENTD_PORT		443
#define CLIENTD_HOST_MAX	255	/* DNS name or address literal */
#define CLIENTD_VERSION		"0.1"

/*
 * Hashed with the machine id: the MAC says nothing about the id itself.
 * Changing it changes every client's MAC.
 */
#define CLIENTD_MAC_LABEL	"softlan clientd virtual-mac v1"
#define CLIENTD_MACHINE_ID_MAX	64	/* a buffer for one, NUL too */

struct clientd_conf {
	char			 relay[CLIENTD_HOST_MAX + 1];
	uint16_t		 port;
	char			 server_name[CLIENTD_HOST_MAX + 1];
	char			 ca_certificate[PATH_MAX];	/* PEM or DER */
	char			 room[WIREMSG_ROOM_MAX + 1];
	char			 secret[WIREMSG_SECRET_MAX + 1]; /* "": none */
	int			 mac_set;	/* virtual-mac given */
	struct ether_mac	 mac;		/* else from the machine id */
	char			 tap[CLIENTD_TAP_MAX];
	int			 addr_set;	/* "address ADDR/PREFIX" */
	struct sockaddr_storage	 addr;
	unsigned int		 prefixlen;
	int			 pin_route;	/* "route-pinning yes|no" */
	uint32_t		 mss_clamp;	/* mssclamp.h: no, auto, N */
	char			 user[CLIENTD_USER_MAX];	/* not on Windows */
	char			 control[PATH_MAX];	/* socket or pipe */
};

#define CLIENT_CA_MAX		(256 * 1024)
#define CLIENT_MTU_MIN		576
#define CLIENT_MTU_MAX		1500
#define CLIENT_MTU_DEFAULT	1500	/* of a new TAP, until welcome */

/* The relay's address, as resolved by the privileged side. */
struct client_relay {
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
};

/* What the network side is given: IMSG_RECONF_CONF. */
struct client_reconf {
	char			 relay[CLIENTD_HOST_MAX + 1];
	char			 server_name[CLIENTD_HOST_MAX + 1];
	char			 room[WIREMSG_ROOM_MAX + 1];
	char			 secret[WIREMSG_SECRET_MAX + 1];
	struct ether_mac	 mac;
	char			 tap[CLIENTD_TAP_MAX];
	uint32_t		 tap_mtu;	/* the TAP's MTU at start */
	int32_t			 pinned;	/* a host route was pinned */
	uint32_t		 mss_clamp;	/* mssclamp.h: no, auto, N */
	struct client_relay	 addr;		/* the resolved relay */
};

/* IMSG_MTU_DONE: the MTU asked for and whether it is set. */
struct client_mtu {
	uint32_t		 mtu;
	int32_t			 ok;
};

/*
 * parse.y: NULL (errors already logged with file:line) on failure.
 * The defines are -D "name=value" macros.
 */
struct clientd_conf	*parse_config(const char *, char **, int);
void			 free_config(struct clientd_conf *);
void			 config_defaults(struct clientd_conf *);

/* printconf.c: -nv, the configuration in canonical form on stdout */
void			 print_config(const struct clientd_conf *);

/*
 * clientconf.c
 *
 * clientd_conf_path: where the configuration is read from by default:
 * CLIENTD_CONF on Linux; on Windows %ProgramData%\softlan\clientd.conf,
 * %ProgramData% the known folder (SHGetKnownFolderPath), else the
 * environment's, else C:\ProgramData.  Never NULL.
 *
 * client_machine_id: this machine's identity, as a NUL-terminated string
 * into buf (CLIENTD_MACHINE_ID_MAX bytes are enough): on Linux the first
 * line of /etc/machine-id, 32 hex digits; on Windows the MachineGuid
 * value, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" as the registry holds it
 * (lower case).  -1 with a message in err if it cannot be read or has
 * another form.
 *
 * client_resolve_relay: the relay's name and port, resolved (the first
 * IPv4 or IPv6 address getaddrinfo gives); -1 with a message in err.
 *
 * client_reconf_terminate: every string of a struct client_reconf that
 * came over a pipe, NUL-terminated at its last byte.
 *
 * client_mac_derive: the virtual MAC of a machine id: the first six bytes
 * of SHA-256(CLIENTD_MAC_LABEL with its NUL, then the id's idlen bytes),
 * with bit 0x02 of the first octet set (locally administered) and bit
 * 0x01 cleared (unicast).  The id is hashed as given, without its NUL or
 * a newline.  -1 only if SHA-256 fails.
 */
const char		*clientd_conf_path(void);
int			 client_resolve_relay(const struct clientd_conf *,
			    struct client_relay *, char *, size_t);
void			 client_reconf_terminate(struct client_reconf *);
int			 client_machine_id(char *, size_t, char *, size_t);
int			 client_mac_derive(const char *, size_t,
			    struct ether_mac *);

#endif /* SOFTLAN_CLIENTCONF_H */
