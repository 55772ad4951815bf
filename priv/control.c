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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "priv.h"

#define CONTROL_BACKLOG	16

/*
 * Is somebody listening on the socket at sun?  1: yes, 0: no (a stale
 * socket, now removed), -1: cannot tell (err set).
 */
static int
control_probe(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	int	 fd, saved;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return (priv_seterr(err, errlen, "control socket %s: socket: "
		    "%s", sun->sun_path, strerror(errno)));
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0) {
		close(fd);
		return (1);
	}
	saved = errno;
	close(fd);
	switch (saved) {
	case EAGAIN:		/* a full backlog: alive */
	case EINPROGRESS:
		return (1);
	case ECONNREFUSED:	/* nobody listens: stale */
		if (unlink(sun->sun_path) == -1 && errno != ENOENT)
			return (priv_seterr(err, errlen, "control socket %s: "
			    "removing stale socket: %s", sun->sun_path,
			    strerror(errno)));
		return (0);
	case ENOENT:		/* went away meanwhile */
		return (0);
	default:
		return (priv_seterr(err, errlen, "control socket %s: "
		    "connect: %s", sun->sun_path, strerror(saved)));
	}
}

/*
 * The socket's directory, e.g. /run/relayd: created 0755 if missing (it
 * is /run itself for most daemons).  Under systemd as a dedicated user it
 * is the unit's RuntimeDirectory and exists already.
 */
static int
control_dir(const char *path, char *err, size_t errlen)
{
	char	 dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char	*slash;

	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir))
		return (0);	/* reported by the caller */
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return (0);
	*slash = '\0';
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return (priv_seterr(err, errlen, "control socket %s: mkdir %s: "
		    "%s", path, dir, strerror(errno)));
	return (0);
}

int
priv_control_socket(const char *path, gid_t gid, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 omask;
	int			 fd, r, saved;

	if (path == NULL || path[0] != '/')
		return (priv_seterr(err, errlen, "control socket %s: not an "
		    "absolute path", path == NULL ? "(null)" : path));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return (priv_seterr(err, errlen, "control socket %s: path too "
		    "long (%zu bytes, at most %zu)", path, strlen(path),
		    sizeof(sun.sun_path) - 1));

	if (control_dir(path, err, errlen) == -1)
		return (-1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return (priv_seterr(err, errlen, "control socket %s: "
			    "exists and is not a socket", path));
		if ((r = control_probe(&sun, err, errlen)) == -1)
			return (-1);
		if (r == 1)
			return (priv_seterr(err, errlen, "control socket %s: "
			    "in use", path));
	} else if (errno != ENOENT)
		return (priv_seterr(err, errlen, "control socket %s: %s", path,
		    strerror(errno)));

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return (priv_seterr(err, errlen, "control socket %s: socket: "
		    "%s", path, strerror(errno)));
	omask = umask(0117);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	(void)umask(omask);
	if (r == -1) {
		close(fd);
		return (priv_seterr(err, errlen, "control socket %s: bind: %s",
		    path, strerror(saved)));
	}
	/*
	 * Without root (a dedicated user with CAP_NET_BIND_SERVICE) the
	 * socket keeps the caller's owner and group.
	 */
	if (geteuid() == 0 &&
	    fchownat(AT_FDCWD, path, 0, gid, AT_SYMLINK_NOFOLLOW) == -1) {
		saved = errno;
		(void)unlink(path);
		close(fd);
		return (priv_seterr(err, errlen, "control socket %s: chown "
		    "0:%u: %s", path, (unsigned int)gid, strerror(saved)));
	}
	if (chmod(path, 0660) == -1) {
		saved = errno;
		(void)unlink(path);
		close(fd);
		return (priv_seterr(err, errlen, "control socket %s: chmod: "
		    "%s", path, strerror(saved)));
	}
	if (listen(fd, CONTROL_BACKLOG) == -1) {
		saved = errno;
		(void)unlink(path);
		close(fd);
		return (priv_seterr(err, errlen, "control socket %s: listen: "
		    "%s", path, strerror(saved)));
	}
	return (fd);
}

/* After priv_control_socket(): what path names now, for the exit. */
void
priv_control_remember(struct priv_ctlsock *cs, const char *path)
{
	struct stat	 st;

	memset(cs, 0, sizeof(*cs));
	if (strlcpy(cs->path, path, sizeof(cs->path)) >= sizeof(cs->path) ||
	    lstat(path, &st) == -1 || !S_ISSOCK(st.st_mode))
		return;
	cs->dev = st.st_dev;
	cs->ino = st.st_ino;
	cs->set = 1;
}

/*
 * At exit: unlink the socket if the path still names the one we bound.
 * 1 removed, 0 nothing to do (not remembered, gone, or another's).
 */
int
priv_control_remove(struct priv_ctlsock *cs)
{
	struct stat	 st;

	if (!cs->set)
		return (0);
	cs->set = 0;
	if (lstat(cs->path, &st) == -1 || !S_ISSOCK(st.st_mode) ||
	    st.st_dev != cs->dev || st.st_ino != cs->ino)
		return (0);
	return (unlink(cs->path) == 0);
}
