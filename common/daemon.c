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


#include <sys/types.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cJSON.h>

#include "compat.h"
#include "control.h"
#include "daemon.h"
#include "log.h"
#include "proc.h"

extern char	*__progname;

static __dead void	daemon_usage(void);

static __dead void
daemon_usage(void)
{
	fprintf(stderr, "usage: %s [-dnv] [-D macro=value] [-f file]\n",
	    __progname);
	exit(1);
}

/*
 * Reads the flags into *o (conffile defaults to defconf) and starts
 * logging: to stderr with -d or -n, else to syslog; -v raises the level.
 * Bad flags or arguments print the usage and exit 1.
 */
void
daemon_getopt(int argc, char **argv, struct daemon_opts *o,
    const char *defconf)
{
	int	 ch;

	log_init(1, LOG_DAEMON);

	memset(o, 0, sizeof(*o));
	o->conffile = defconf;
	while ((ch = getopt(argc, argv, "dD:f:nv")) != -1) {
		switch (ch) {
		case 'd':
			o->debug = 1;
			break;
		case 'D':
			if (strchr(optarg, '=') == NULL ||
			    o->ndefines >= DAEMON_MAX_DEFINES)
				errx(1, "-D %s: expected macro=value (at most "
				    "%d)", optarg, DAEMON_MAX_DEFINES);
			o->defines[o->ndefines++] = optarg;
			break;
		case 'f':
			o->conffile = optarg;
			break;
		case 'n':
			o->noaction = 1;
			break;
		case 'v':
			o->verbose++;
			break;
		default:
			daemon_usage();
		}
	}
	argc -= optind;
	if (argc != 0)
		daemon_usage();

	log_init(o->debug || o->noaction, LOG_DAEMON);
	log_setverbose(o->verbose);
}

/*
 * In the re-executed child (proc_ischild()): take the user the parent
 * checked and exported in the environment variable envname (see
 * daemon_export_user) and run the child; never returns.  In the parent it
 * does nothing.
 */
void
daemon_child(const char *envname, struct proc_child *child,
    const struct proc_parent *parent, int debug, void *arg)
{
	const char	*s;

	if (!proc_ischild())
		return;
	if ((s = getenv(envname)) != NULL)
		child->user = s;
	proc_main(child, parent, debug, arg);
}

/*
 * In the parent: the configured user (if any) replaces the child's
 * default; as root it must exist.  Exported in envname for the
 * re-executed child, which reads it before its own proc_main().
 */
void
daemon_export_user(const char *envname, struct proc_child *child,
    const char *confuser)
{
	if (confuser[0] != '\0')
		child->user = confuser;
	if (geteuid() == 0 && getpwnam(child->user) == NULL)
		errx(1, "unknown user %s", child->user);
	if (setenv(envname, child->user, 1) == -1)
		err(1, "setenv");
}

/*
 * The parent's side of "log verbose" on the control socket: an int32_t
 * level in 0..3 from the child (name is its imsg name, for the error).
 */
void
daemon_req_verbose(struct proc *p, struct imsg *imsg)
{
	int32_t	 v;

	if (imsg_get_data(imsg, &v, sizeof(v)) == -1)
		proc_fail(p, "IMSG_REQ_VERBOSE: %s", strerror(errno));
	if (v < 0 || v > 3)
		proc_fail(p, "IMSG_REQ_VERBOSE: level %d out of 0..3", v);
	log_setverbose(v);
	log_info("log level set to %d by the control socket", v);
}

/* The parent's side of IMSG_REQ_RELOAD: what SIGHUP does. */
void
daemon_req_reload(struct proc *p, struct imsg *imsg)
{
	(void)imsg;
	log_info("reload requested on the control socket");
	if (p->p_parent != NULL && p->p_parent->reload != NULL)
		p->p_parent->reload(p);
}

/*
 * A child's control handler: the requests of its table answered with
 * their show(arg), every other one by daemon_ctl_common().
 */
void
daemon_ctl_dispatch(struct ctl_conn *cc, uint32_t type, const void *data,
    size_t len, struct proc *p, const struct control_show *tab, size_t n,
    void *arg)
{
	if (!control_reply_show(cc, type, tab, n, arg))
		daemon_ctl_common(cc, type, data, len, p);
}

/*
 * The control requests every daemon answers alike, for the child's
 * handler to pass on: "log verbose", "reload" (the parent does what
 * SIGHUP does) and anything unknown.
 */
void
daemon_ctl_common(struct ctl_conn *cc, uint32_t type, const void *data,
    size_t len, struct proc *p)
{
	cJSON	*o;
	int32_t	 level;

	switch (type) {
	case IMSG_CTL_LOG_VERBOSE:
		/* Passed on: the parent logs it and sets its own. */
		if ((level = control_log_verbose(cc, data, len)) != -1)
			proc_compose(p, IMSG_REQ_VERBOSE, -1, &level,
			    sizeof(level));
		break;
	case IMSG_CTL_RELOAD:
		proc_compose(p, IMSG_REQ_RELOAD, -1, NULL, 0);
		if ((o = cJSON_CreateObject()) != NULL)
			cJSON_AddStringToObject(o, "reload", "requested");
		control_reply_cjson(cc, o);
		break;
	default:
		control_reply_error(cc, "unknown request");
		break;
	}
}

/*
 * A whole regular file of 1 to max bytes, for the parent (certificates,
 * keys); NULL after logging why.  Freed with freezero on failure.
 *
 * The open does not wait: a FIFO (or a device) given as a certificate
 * would block it until a writer came.  It is refused after the open, as
 * anything that is not a regular file is; reading a regular file never
 * blocks, so O_NONBLOCK may stay set.  A symbolic link is followed:
 * certbot's live/ files and /etc/ssl/certs are links, and the path comes
 * from root's own configuration, so following one grants nothing.
 */
uint8_t *
daemon_read_file(const char *path, size_t max, size_t *lenp)
{
	struct stat	 st;
	uint8_t		*buf;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1) {
		log_warn("%s", path);
		return (NULL);
	}
	if (fstat(fd, &st) == -1) {
		log_warn("%s: fstat", path);
		close(fd);
		return (NULL);
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > max) {
		log_warnx("%s: not a regular file of 1 to %zu bytes", path,
		    max);
		close(fd);
		return (NULL);
	}
	if ((buf = malloc(st.st_size)) == NULL) {
		log_warn("%s", path);
		close(fd);
		return (NULL);
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, st.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				log_warnx("%s: file shrank while read", path);
			else
				log_warn("%s: read", path);
			freezero(buf, st.st_size);
			close(fd);
			return (NULL);
		}
		len += n;
	}
	close(fd);
	*lenp = len;
	return (buf);
}

/*
 * The parent's side of a blob (a certificate, a CA, a key) for the child:
 * imsgs of that type, of at most DAEMON_BLOB_CHUNK bytes each, in order.
 * The message that ends the configuration ends the blob too.
 */
void
daemon_blob_send(struct proc *p, uint32_t type, const uint8_t *buf,
    size_t len)
{
	size_t	 off, n;

	for (off = 0; off < len; off += n) {
		n = MINIMUM(len - off, DAEMON_BLOB_CHUNK);
		if (proc_compose(p, type, -1, buf + off, n) == -1)
			fatal("%s: proc_compose", __func__);
	}
}

/*
 * The child's side: one piece appended to *bufp (*lenp bytes).  An empty
 * piece, or one that takes the blob past max bytes, is the parent's bug:
 * fatal, with what (the imsg's name).  The outgrown buffer is wiped, as a
 * key's must be.
 */
void
daemon_blob_append(uint8_t **bufp, size_t *lenp, struct imsg *imsg,
    size_t max, const char *what)
{
	size_t	 n, len;
	uint8_t	*nb;

	n = imsg_get_len(imsg);
	if (n == 0 || *lenp > max || n > max - *lenp)
		fatalx("%s: chunk of %zu bytes out of range", what, n);
	len = *lenp + n;
	if ((nb = malloc(len)) == NULL)
		fatal("%s", what);
	if (*lenp > 0)
		memcpy(nb, *bufp, *lenp);
	if (imsg_get_data(imsg, nb + *lenp, n) == -1)
		fatal("%s", what);
	freezero(*bufp, *lenp);
	*bufp = nb;
	*lenp = len;
}

/* A blob wiped and freed: NULL and 0 after. */
void
daemon_blob_free(uint8_t **bufp, size_t *lenp)
{
	freezero(*bufp, *lenp);
	*bufp = NULL;
	*lenp = 0;
}
