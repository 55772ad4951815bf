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
 * clientd.conf through parse_config() and print_config() (clientd/parse.y,
 * printconf.c), and the virtual MAC (clientconf.c), on Linux and under
 * Wine: the same grammar, with the values that differ by system
 * (clientconf.h): tap, control, user, file paths, the defaults.  The
 * daemon's own -nv and error messages are compared by regress/config on
 * Linux; here the Windows ones are, and what both share.
 */

#include <sys/types.h>
#include <sys/socket.h>

#ifdef _WIN32
#include <windows.h>
#endif

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "compat.h"
#include "ether.h"
#include "log.h"
#include "../../clientd/clientconf.h"

/* What differs by system in the files below. */
#ifdef _WIN32
#define CA_FILE		"C:\\ProgramData\\softlan\\relay-ca.pem"
#define TAP_NAME	"Ethernet 3"
/* In the file: \\ is the lexer's escape for one backslash. */
#define CONTROL_IN	"\\\\\\\\.\\\\pipe\\\\softlan-test"
#define CONTROL		"\\\\.\\pipe\\softlan-test"
#else
#define CA_FILE		"/etc/softlan/relay-ca.pem"
#define TAP_NAME	"tap7"
#define CONTROL_IN	"/run/softlan-test.sock"
#define CONTROL		CONTROL_IN
#endif

#define FULL_CONF							\
	"# every statement\n"						\
	"relay \"relay.example.net\" port 4433\n"			\
	"server-name \"cert.example.net\"\n"				\
	"ca-certificate \"" CA_FILE "\"\n"				\
	"room \"lan-party\"\n"						\
	"secret \"hunter2\"\n"						\
	"virtual-mac 02:00:00:12:34:56\n"				\
	"tap \"" TAP_NAME "\"\n"					\
	"address 198.18.10.20/24\n"					\
	"route-pinning no\n"						\
	"user \"_softlan\"\n"						\
	"control \"" CONTROL_IN "\"\n"

static char	 logged[16][1024];
static int	 nlogged;
static char	 tmpdir[PATH_MAX];
static char	 created[8][PATH_MAX];	/* to remove, in reverse */
static int	 ncreated;

static void
capture(int pri, const char *line)
{
	(void)pri;
	if (nlogged < (int)nitems(logged))
		strlcpy(logged[nlogged], line, sizeof(logged[0]));
	nlogged++;
}

static void
setup(void)
{
	log_init(1, LOG_DAEMON);
	log_procinit("test");
	log_sethook(capture);
	nlogged = 0;
	ncreated = 0;
#ifdef _WIN32
	{
		char	 base[MAX_PATH];
		DWORD	 n;

		n = GetTempPathA(sizeof(base), base);
		cr_assert(n > 0 && n < sizeof(base));
		cr_assert_lt((size_t)snprintf(tmpdir, sizeof(tmpdir),
		    "%sclientconf.XXXXXX", base), sizeof(tmpdir));
	}
#else
	strlcpy(tmpdir, "/tmp/clientconf.XXXXXX", sizeof(tmpdir));
#endif
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	log_sethook(NULL);
	while (ncreated > 0)
		if (remove(created[--ncreated]) == -1)
			fprintf(stderr, "remove %s failed\n",
			    created[ncreated]);
	if (rmdir(tmpdir) == -1)
		fprintf(stderr, "rmdir %s failed\n", tmpdir);
}

TestSuite(clientconf, .init = setup, .fini = teardown);

/* tmpdir/name, made; its path in a static buffer. */
static const char *
tmpfile_path(const char *name)
{
	static char	 path[PATH_MAX];

	cr_assert_lt((size_t)snprintf(path, sizeof(path), "%s/%s", tmpdir,
	    name), sizeof(path));
	cr_assert_lt(ncreated, (int)nitems(created));
	strlcpy(created[ncreated++], path, sizeof(created[0]));
	return (path);
}

static const char *
writeconf(const char *name, const char *text)
{
	const char	*path;
	FILE		*fp;

	path = tmpfile_path(name);
	cr_assert_not_null(fp = fopen(path, "wb"), "%s", path);
	cr_assert_eq(fputs(text, fp) >= 0, 1);
	cr_assert_eq(fclose(fp), 0);
	return (path);
}

static struct clientd_conf *
parse_text(const char *name, const char *text)
{
	return (parse_config(writeconf(name, text), NULL, 0));
}

/* Logged line i is "test: PATH:LINE: msg". */
static void
assert_logged(int i, const char *path, int line, const char *msg)
{
	char	 want[PATH_MAX + 1024];

	cr_assert_lt(i, nlogged, "line %d of %d logged", i, nlogged);
	snprintf(want, sizeof(want), "test: %s:%d: %s", path, line, msg);
	cr_assert_str_eq(logged[i], want);
}

/* print_config() into tmpdir/name; the path. */
static const char *
print_to(const struct clientd_conf *c, const char *name)
{
	const char	*path;
	int		 fd, saved;

	path = tmpfile_path(name);
	fflush(stdout);
	cr_assert_neq(saved = dup(1), -1);
	cr_assert_neq(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600),
	    -1, "%s", path);
	cr_assert_neq(dup2(fd, 1), -1);
	print_config(c);
	fflush(stdout);
	cr_assert_neq(dup2(saved, 1), -1);
	close(fd);
	close(saved);
	return (path);
}

static void
assert_same_conf(const struct clientd_conf *a, const struct clientd_conf *b)
{
	cr_assert_str_eq(a->relay, b->relay);
	cr_assert_eq(a->port, b->port);
	cr_assert_str_eq(a->server_name, b->server_name);
	cr_assert_str_eq(a->ca_certificate, b->ca_certificate);
	cr_assert_str_eq(a->room, b->room);
	cr_assert_str_eq(a->secret, b->secret);
	cr_assert_eq(a->mac_set, b->mac_set);
	cr_assert_arr_eq(&a->mac, &b->mac, sizeof(a->mac));
	cr_assert_str_eq(a->tap, b->tap);
	cr_assert_eq(a->addr_set, b->addr_set);
	cr_assert_arr_eq(&a->addr, &b->addr, sizeof(a->addr));
	cr_assert_eq(a->prefixlen, b->prefixlen);
	cr_assert_eq(a->pin_route, b->pin_route);
	cr_assert_str_eq(a->control, b->control);
}

Test(clientconf, defaults)
{
	struct clientd_conf	 c;
	const char		*p;
	size_t			 len;

	config_defaults(&c);
	cr_assert_eq(c.port, 443);
	cr_assert_eq(c.pin_route, 1);
	cr_assert_eq(c.mac_set, 0);
	cr_assert_eq(c.addr_set, 0);
	cr_assert_str_eq(c.control, CLIENTD_SOCKET);
	p = clientd_conf_path();
	cr_assert_not_null(p);
	len = strlen(p);
#ifdef _WIN32
	cr_assert_str_eq(c.tap, "softlan");
	cr_assert_str_eq(c.control, "\\\\.\\pipe\\softlan-clientd");
	cr_assert_eq(sizeof(c.tap), 256);
	/* %ProgramData%\softlan\clientd.conf, an absolute path. */
	cr_assert_gt(len, strlen("C:\\softlan\\clientd.conf"));
	cr_assert_str_eq(p + len - strlen("\\softlan\\clientd.conf"),
	    "\\softlan\\clientd.conf", "%s", p);
	cr_assert(p[1] == ':' && p[2] == '\\', "%s", p);
#else
	cr_assert_str_eq(c.tap, "softlan0");
	cr_assert_str_eq(c.control, "/run/clientd.sock");
	cr_assert_str_eq(c.user, "_clientd");
	cr_assert_str_eq(p, "/etc/clientd.conf");
	cr_assert_eq(len, strlen(CLIENTD_CONF));
#endif
}

/* Every statement, then -nv's output parses back to the same. */
Test(clientconf, full_config_and_its_canonical_form)
{
	struct clientd_conf	*c, *again;
	struct sockaddr_in	*sin;
	char			 mac[ETHER_MAC_STRLEN];
	const char		*path;

	path = writeconf("full.conf", FULL_CONF);
	c = parse_config(path, NULL, 0);
	cr_assert_not_null(c);
	cr_assert_str_eq(c->relay, "relay.example.net");
	cr_assert_eq(c->port, 4433);
	cr_assert_str_eq(c->server_name, "cert.example.net");
	cr_assert_str_eq(c->ca_certificate, CA_FILE);
	cr_assert_str_eq(c->room, "lan-party");
	cr_assert_str_eq(c->secret, "hunter2");
	cr_assert_eq(c->mac_set, 1);
	cr_assert_str_eq(ether_mac_format(&c->mac, mac, sizeof(mac)),
	    "02:00:00:12:34:56");
	cr_assert_str_eq(c->tap, TAP_NAME);
	cr_assert_eq(c->addr_set, 1);
	cr_assert_eq(c->addr.ss_family, AF_INET);
	sin = (struct sockaddr_in *)&c->addr;
	cr_assert_eq(ntohl(sin->sin_addr.s_addr), 0xc6120a14);
	cr_assert_eq(c->prefixlen, 24);
	cr_assert_eq(c->pin_route, 0);
	cr_assert_str_eq(c->user, "_softlan");
	cr_assert_str_eq(c->control, CONTROL);
#ifdef _WIN32
	/* user: a warning, not an error. */
	cr_assert_eq(nlogged, 1);
	assert_logged(0, path, 11, "user is not used on Windows");
#else
	cr_assert_eq(nlogged, 0, "%s", logged[0]);
#endif

	nlogged = 0;
	path = print_to(c, "printed.conf");
	again = parse_config(path, NULL, 0);
	cr_assert_not_null(again, "%s", nlogged > 0 ? logged[0] : "");
	cr_assert_eq(nlogged, 0, "%s", logged[0]);
	assert_same_conf(c, again);
#ifdef _WIN32
	cr_assert_str_eq(again->user, CLIENTD_USER);
#else
	cr_assert_str_eq(again->user, c->user);
#endif
	free_config(again);
	free_config(c);
}

Test(clientconf, required_statements_only)
{
	struct clientd_conf	*c;

	c = parse_text("min.conf", "relay 192.0.2.7\n"
	    "ca-certificate \"" CA_FILE "\"\nroom lan\n");
	cr_assert_not_null(c);
	cr_assert_eq(nlogged, 0, "%s", logged[0]);
	cr_assert_str_eq(c->server_name, "192.0.2.7");
	cr_assert_eq(c->port, CLIENTD_PORT);
	cr_assert_str_eq(c->tap, CLIENTD_TAP);
	cr_assert_str_eq(c->control, CLIENTD_SOCKET);
	cr_assert_eq(c->pin_route, 1);
	cr_assert_eq(c->mac_set, 0);
	free_config(c);
}

Test(clientconf, errors_name_file_and_line)
{
	const char	*path;

	char		 want[PATH_MAX + 64];

	path = writeconf("bad.conf", "relay relay.example.net\n"
	    "ca-certificate \"relay-ca.pem\"\n"
	    "virtual-mac 01:00:00:00:00:01\n");
	cr_assert_null(parse_config(path, NULL, 0));
	cr_assert_eq(nlogged, 3);
	assert_logged(0, path, 2,
	    "ca-certificate \"relay-ca.pem\": not an absolute path");
	assert_logged(1, path, 3, "virtual-mac 01:00:00:00:00:01: a "
	    "multicast address (the low bit of the first octet is set)");
	snprintf(want, sizeof(want), "test: %s: no room statement (required)",
	    path);
	cr_assert_str_eq(logged[2], want);
}

/* The longest tap name that fits, and one more: a file:line error. */
Test(clientconf, tap_too_long)
{
	struct clientd_conf	*c;
	const char		*path;
	char			 name[CLIENTD_TAP_MAX + 1], text[1024];
	char			 want[CLIENTD_TAP_MAX + 128];

	memset(name, 'n', sizeof(name));
	name[CLIENTD_TAP_MAX - 1] = '\0';
	snprintf(text, sizeof(text), "relay r.example\nroom lan\n"
	    "ca-certificate \"" CA_FILE "\"\ntap \"%s\"\n", name);
	c = parse_text("tapmax.conf", text);
	cr_assert_not_null(c, "%s", logged[0]);
	cr_assert_str_eq(c->tap, name);
	free_config(c);

	name[CLIENTD_TAP_MAX - 1] = 'n';
	name[CLIENTD_TAP_MAX] = '\0';
	snprintf(text, sizeof(text), "relay r.example\nroom lan\n"
	    "ca-certificate \"" CA_FILE "\"\ntap \"%s\"\n", name);
	path = writeconf("taplong.conf", text);
	cr_assert_null(parse_config(path, NULL, 0));
	cr_assert_eq(nlogged, 1);
#ifdef _WIN32
	assert_logged(0, path, 4, "tap: adapter name longer than 255 bytes");
#else
	snprintf(want, sizeof(want), "tap \"%s\": longer than %d bytes", name,
	    CLIENTD_TAP_MAX - 1);
	assert_logged(0, path, 4, want);
#endif
	(void)want;
}

#define GUID_TAP	"{6F1ED002-AB5D-4A5E-9E6A-1234567890AB}"

Test(clientconf, tap_guid)
{
	struct clientd_conf	*c;
	const char		*path;

	path = writeconf("guid.conf", "relay r.example\nroom lan\n"
	    "ca-certificate \"" CA_FILE "\"\ntap \"" GUID_TAP "\"\n");
	c = parse_config(path, NULL, 0);
#ifdef _WIN32
	cr_assert_not_null(c, "%s", logged[0]);
	cr_assert_str_eq(c->tap, GUID_TAP);
	free_config(c);

	/* A value in braces is a GUID, checked for form. */
	path = writeconf("badguid.conf", "relay r.example\nroom lan\n"
	    "ca-certificate \"" CA_FILE "\"\ntap \"{6F1ED002-AB5D}\"\n");
	cr_assert_null(parse_config(path, NULL, 0));
	assert_logged(0, path, 4, "tap \"{6F1ED002-AB5D}\": not a GUID "
	    "({xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx})");
#else
	/* Longer than an interface name on Linux. */
	cr_assert_null(c);
	cr_assert_eq(nlogged, 1);
	assert_logged(0, path, 4, "tap \"" GUID_TAP "\": longer than 15 "
	    "bytes");
#endif
}

Test(clientconf, control_values)
{
	const char	*path;

#ifdef _WIN32
	/* One backslash less than needed: the lexer took it as an escape. */
	path = writeconf("ctl.conf", "relay r.example\nroom lan\n"
	    "ca-certificate \"" CA_FILE "\"\n"
	    "control \"\\\\.\\pipe\\x\"\n");
	cr_assert_null(parse_config(path, NULL, 0));
	cr_assert_eq(nlogged, 1);
	assert_logged(0, path, 4, "control \"\\.\\pipe\\x\": not a pipe name "
	    "(\\\\.\\pipe\\NAME, in quotes \"\\\\\\\\.\\\\pipe\\\\NAME\")");
	nlogged = 0;
	path = writeconf("ctl2.conf", "relay r.example\nroom lan\n"
	    "ca-certificate \"" CA_FILE "\"\n"
	    "control '\\\\\\\\.\\\\PIPE\\\\a\\\\b'\n");
	cr_assert_null(parse_config(path, NULL, 0));
	assert_logged(0, path, 4, "control \"\\\\.\\PIPE\\a\\b\": not a pipe "
	    "name (\\\\.\\pipe\\NAME, in quotes "
	    "\"\\\\\\\\.\\\\pipe\\\\NAME\")");
#else
	path = writeconf("ctl.conf", "relay r.example\nroom lan\n"
	    "ca-certificate \"" CA_FILE "\"\ncontrol \"run/x.sock\"\n");
	cr_assert_null(parse_config(path, NULL, 0));
	cr_assert_eq(nlogged, 1);
	assert_logged(0, path, 4, "control \"run/x.sock\": not an absolute "
	    "path");
#endif
}

/* The shipped examples parse: on Windows too, with the Windows one. */
Test(clientconf, shipped_examples_parse)
{
	struct clientd_conf	*c;

	c = parse_config("etc/clientd.conf", NULL, 0);
	cr_assert_not_null(c, "%s", nlogged > 0 ? logged[0] : "");
	cr_assert_eq(nlogged, 0, "%s", logged[0]);
	cr_assert_str_eq(c->room, "lan-party");
	cr_assert_str_eq(c->tap, CLIENTD_TAP);
	free_config(c);
#ifdef _WIN32
	c = parse_config("etc/clientd-windows.conf", NULL, 0);
	cr_assert_not_null(c, "%s", nlogged > 0 ? logged[0] : "");
	cr_assert_eq(nlogged, 0, "%s", logged[0]);
	cr_assert_str_eq(c->ca_certificate,
	    "C:\\ProgramData\\softlan\\relay-ca.pem");
	cr_assert_str_eq(c->tap, "softlan");
	free_config(c);
#endif
}

/*
 * The virtual MAC of a machine id: the same hash on both systems, so
 * these values hold on both, and Linux's derivation from /etc/machine-id
 * is the one regress/clientd checks against sha256sum(1).
 */
Test(clientconf, mac_derivation_is_pinned)
{
	static const struct {
		const char	*id;
		const char	*mac;
	} t[] = {
		/* A Linux machine id (32 hex digits). */
		{ "0123456789abcdef0123456789abcdef", "82:2c:4b:c0:ef:2a" },
		/* A Windows MachineGuid. */
		{ "6f1ed002-ab5d-4a5e-9e6a-1234567890ab", "9a:7f:bb:b9:21:2d" },
	};
	struct ether_mac	 mac, again;
	char			 buf[ETHER_MAC_STRLEN];
	size_t			 i;

	for (i = 0; i < nitems(t); i++) {
		cr_assert_eq(client_mac_derive(t[i].id, strlen(t[i].id),
		    &mac), 0);
		cr_assert_str_eq(ether_mac_format(&mac, buf, sizeof(buf)),
		    t[i].mac);
		cr_assert(ether_mac_valid_client(&mac), "%s", t[i].mac);
		cr_assert_eq(mac.octet[0] & 0x03, 0x02);
		cr_assert_eq(client_mac_derive(t[i].id, strlen(t[i].id),
		    &again), 0);
		cr_assert_arr_eq(&mac, &again, sizeof(mac));
	}
}

/* This machine's id, and a MAC a client may use from it. */
Test(clientconf, machine_id)
{
	struct ether_mac	 mac;
	char			 id[CLIENTD_MACHINE_ID_MAX], err[256];
	size_t			 i;

#ifndef _WIN32
	if (access(CLIENTD_MACHINE_ID, R_OK) == -1) {
		cr_log_warn("no %s here: not tested", CLIENTD_MACHINE_ID);
		return;
	}
#endif
	cr_assert_eq(client_machine_id(id, sizeof(id), err, sizeof(err)), 0,
	    "%s", err);
#ifdef _WIN32
	/* As Wine and Windows write it, lower-cased. */
	cr_assert_eq(strlen(id), 36, "%s", id);
	for (i = 0; i < 36; i++)
		cr_assert(i == 8 || i == 13 || i == 18 || i == 23 ?
		    id[i] == '-' : strchr("0123456789abcdef", id[i]) != NULL,
		    "%s", id);
#else
	cr_assert_eq(strlen(id), 32, "%s", id);
	for (i = 0; i < 32; i++)
		cr_assert(strchr("0123456789abcdefABCDEF", id[i]) != NULL,
		    "%s", id);
#endif
	cr_assert_eq(client_mac_derive(id, strlen(id), &mac), 0);
	cr_assert(ether_mac_valid_client(&mac));

	/* Too small a buffer is an error, not a truncated id. */
	cr_assert_eq(client_machine_id(id, 8, err, sizeof(err)), -1);
}
