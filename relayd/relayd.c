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
 * relayd: the public QUIC relay.  main() and the privileged parent: it
 * reads the configuration, binds the UDP sockets, loads or makes the
 * certificate and the reset secret, creates the control socket and hands
 * all of it to the sandboxed "relay" child (relay.c).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "priv.h"
#include "proc.h"
#include "quic.h"
#include "relayd.h"
#include "sandbox.h"

struct relayd {
	struct daemon_opts	 opts;
	struct relayd_conf	*conf;
	struct listen_addr	 laddr[RELAYD_MAX_LISTEN];
	int			 lfd[RELAYD_MAX_LISTEN];
	size_t			 nlisten;
	int			 ctlfd;
	struct priv_ctlsock	 ctlsock;	/* removed at exit */
	uint8_t			*cert;
	size_t			 certlen;
	uint8_t			*key;
	size_t			 keylen;
	uint8_t			 secret[RELAYD_RESET_SECRETLEN];
};

static int	 has_bind_cap(void);
static int	 write_file(const char *, const uint8_t *, size_t, mode_t);
static int	 mkdir_parent(const char *);
static void	 load_secret(struct relayd *);
static void	 load_cert(struct relayd *);
static void	 open_listeners(struct relayd *);
static void	 open_control(struct relayd *);
static void	 send_conf(struct proc *, const struct relayd_conf *);
static void	 parent_start(struct proc *);
static void	 parent_reload(struct proc *);
static void	 parent_shutdown(struct proc *);

static const struct proc_req relayd_reqs[] = {
	{ IMSG_REQ_VERBOSE, "IMSG_REQ_VERBOSE", sizeof(int32_t), 0,
	    daemon_req_verbose },
	{ IMSG_REQ_RELOAD, "IMSG_REQ_RELOAD", 0, 0, daemon_req_reload },
};

static const struct proc_parent relayd_parent = {
	relayd_reqs, nitems(relayd_reqs), parent_start, parent_reload,
	parent_shutdown
};


static struct proc_child relayd_child = {
	"relay", RELAYD_USER, RELAYD_CHROOT, relay_syscalls, 0,
	relay_child_setup, relay_child_run, relay_child_dispatch
};

int
main(int argc, char *argv[])
{
	static struct relayd	 env;

	proc_init(&argc, &argv);
	env.ctlfd = -1;
	daemon_getopt(argc, argv, &env.opts, RELAYD_CONF);
	daemon_child("RELAYD_CHILD_USER", &relayd_child, &relayd_parent,
	    env.opts.debug, &env);

	if ((env.conf = parse_config(env.opts.conffile, env.opts.defines,
	    env.opts.ndefines)) == NULL)
		exit(1);
	if (env.opts.noaction) {
		if (env.opts.verbose)
			print_config(env.conf);
		else
			fprintf(stderr, "configuration OK\n");
		exit(0);
	}

	if (geteuid() != 0 && !has_bind_cap())
		errx(1, "need root privileges (or CAP_NET_BIND_SERVICE under "
		    "the %s user)", env.conf->user[0] != '\0' ?
		    env.conf->user : RELAYD_USER);
	daemon_export_user("RELAYD_CHILD_USER", &relayd_child,
	    env.conf->user);

	load_secret(&env);
	load_cert(&env);
	open_listeners(&env);
	open_control(&env);

	proc_main(&relayd_child, &relayd_parent, env.opts.debug, &env);
}

/* Started as its own user by systemd: CAP_NET_BIND_SERVICE effective. */
static int
has_bind_cap(void)
{
	struct __user_cap_header_struct	 hdr;
	struct __user_cap_data_struct	 data[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, data) == -1)
		return (0);
	return ((data[0].effective & (1U << CAP_NET_BIND_SERVICE)) != 0);
}


/* Write a whole file atomically (temporary file, then rename). */
static int
write_file(const char *path, const uint8_t *buf, size_t len, mode_t mode)
{
	char	 tmp[PATH_MAX];
	size_t	 off = 0;
	ssize_t	 n;
	int	 fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp)) {
		log_warnx("%s: path too long", path);
		return (-1);
	}
	if ((fd = mkstemp(tmp)) == -1) {
		log_warn("%s", tmp);
		return (-1);
	}
	if (fchmod(fd, mode) == -1) {
		log_warn("%s: fchmod", tmp);
		goto fail;
	}
	while (off < len) {
		if ((n = write(fd, buf + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s: write", tmp);
			goto fail;
		}
		off += n;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		log_warn("%s", tmp);
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		log_warn("rename %s to %s", tmp, path);
		goto fail;
	}
	return (0);
 fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return (-1);
}

/* Create the directory of path (one level, mode 0700) if missing. */
static int
mkdir_parent(const char *path)
{
	char	 dir[PATH_MAX];

	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir)) {
		log_warnx("%s: path too long", path);
		return (-1);
	}
	if (mkdir(dirname(dir), 0700) == -1 && errno != EEXIST) {
		log_warn("mkdir %s", dir);
		return (-1);
	}
	return (0);
}

/* The persistent stateless reset secret: load it, or make it once. */
static void
load_secret(struct relayd *env)
{
	const char	*path = env->conf->reset_secret;
	uint8_t		*buf;
	size_t		 len;

	if (*path == '\0')
		path = RELAYD_RESET_SECRET;
	if (access(path, F_OK) == 0) {
		if ((buf = daemon_read_file(path, RELAYD_PEM_MAX,
		    &len)) == NULL)
			fatalx("reset secret %s unreadable", path);
		if (len != RELAYD_RESET_SECRETLEN)
			fatalx("reset secret %s: %zu bytes, expected %d "
			    "(remove it to make a new one)", path, len,
			    RELAYD_RESET_SECRETLEN);
		memcpy(env->secret, buf, len);
		freezero(buf, len);
		log_debug("reset secret loaded from %s", path);
		return;
	}
	if (errno != ENOENT)
		fatal("reset secret %s", path);
	arc4random_buf(env->secret, sizeof(env->secret));
	if (mkdir_parent(path) == -1 ||
	    write_file(path, env->secret, sizeof(env->secret), 0600) == -1)
		fatalx("cannot create the reset secret %s", path);
	log_info("new reset secret written to %s", path);
}

static void
load_cert(struct relayd *env)
{
	struct relayd_conf	*conf = env->conf;

	if (conf->dev_certificate[0] != '\0') {
		if (quic_certgen(RELAYD_DEV_NAME, RELAYD_DEV_DAYS, &env->cert,
		    &env->certlen, &env->key, &env->keylen) == -1)
			fatalx("dev-certificate: cannot generate a "
			    "certificate");
		if (write_file(conf->dev_certificate, env->cert,
		    env->certlen, 0644) == -1)
			fatalx("dev-certificate: cannot write %s",
			    conf->dev_certificate);
		log_warnx("development certificate for \"%s\" written to %s "
		    "(clients must pin it)", RELAYD_DEV_NAME,
		    conf->dev_certificate);
		return;
	}
	if (conf->certificate[0] == '\0' || conf->key[0] == '\0')
		fatalx("no certificate and key (or dev-certificate) "
		    "configured");
	if ((env->cert = daemon_read_file(conf->certificate, RELAYD_PEM_MAX,
	    &env->certlen)) == NULL)
		fatalx("certificate %s unreadable", conf->certificate);
	if ((env->key = daemon_read_file(conf->key, RELAYD_PEM_MAX,
	    &env->keylen)) == NULL)
		fatalx("key %s unreadable", conf->key);
}

static void
open_listeners(struct relayd *env)
{
	struct listen_addr	*la;
	char			 err[PRIV_ERRLEN];
	int			 fd;

	TAILQ_FOREACH(la, &env->conf->listens, entry) {
		if (env->nlisten >= RELAYD_MAX_LISTEN)
			fatalx("more than %d listen addresses",
			    RELAYD_MAX_LISTEN);
		if ((fd = priv_udp_bind((struct sockaddr *)&la->ss,
		    la->sslen, err, sizeof(err))) == -1)
			fatalx("listen: %s", err);
		env->laddr[env->nlisten] = *la;
		env->lfd[env->nlisten++] = fd;
	}
	if (env->nlisten == 0)
		fatalx("no listen address configured");
}

static void
open_control(struct relayd *env)
{
	const char	*path = env->conf->control;
	struct passwd	*pw;
	char		 err[PRIV_ERRLEN];
	gid_t		 gid;

	if (*path == '\0')
		path = RELAYD_SOCKET;
	if ((pw = getpwnam(relayd_child.user)) != NULL)
		gid = pw->pw_gid;
	else
		gid = getegid();
	if ((env->ctlfd = priv_control_socket(path, gid, err,
	    sizeof(err))) == -1)
		fatalx("control socket: %s", err);
	priv_control_remember(&env->ctlsock, path);
}

/* The configuration stream the child applies at IMSG_RECONF_END. */
static void
send_conf(struct proc *p, const struct relayd_conf *conf)
{
	struct relayd_reconf	 rc;
	struct room_decl	*rd;
	struct listen_addr	*la;

	memset(&rc, 0, sizeof(rc));
	rc.rc = conf->rc;
	rc.retry_threshold = conf->retry_threshold;
	rc.max_per_source = conf->max_per_source;
	rc.max_handshakes = conf->max_handshakes;
	rc.hs_per_source = conf->hs_per_source;
	TAILQ_FOREACH(la, &conf->listens, entry)
		rc.nlisten++;
	if (proc_compose(p, IMSG_RECONF_CONF, -1, &rc, sizeof(rc)) == -1)
		fatal("%s: proc_compose", __func__);
	TAILQ_FOREACH(rd, &conf->rooms, entry)
		if (proc_compose(p, IMSG_RECONF_ROOM, -1, rd,
		    sizeof(*rd)) == -1)
			fatal("%s: proc_compose", __func__);
}

/* The child is forked: hand it the sockets, keys and configuration. */
static void
parent_start(struct proc *p)
{
	struct relayd	*env = p->p_arg;
	size_t		 i;

	for (i = 0; i < env->nlisten; i++) {
		if (proc_compose(p, IMSG_LISTEN_FD, env->lfd[i],
		    &env->laddr[i], sizeof(env->laddr[i])) == -1)
			fatal("%s: proc_compose", __func__);
		env->lfd[i] = -1;	/* imsg closes it once sent */
	}
	if (proc_compose(p, IMSG_CONTROL_FD, env->ctlfd, NULL, 0) == -1)
		fatal("%s: proc_compose", __func__);
	env->ctlfd = -1;

	send_conf(p, env->conf);
	daemon_blob_send(p, IMSG_RECONF_CERT, env->cert, env->certlen);
	daemon_blob_send(p, IMSG_RECONF_KEY, env->key, env->keylen);
	if (proc_compose(p, IMSG_RECONF_RESET_SECRET, -1, env->secret,
	    sizeof(env->secret)) == -1)
		fatal("%s: proc_compose", __func__);
	if (proc_compose(p, IMSG_RECONF_END, -1, NULL, 0) == -1)
		fatal("%s: proc_compose", __func__);
	proc_flush(p);

	/* The child has them now; the parent keeps no secret around. */
	daemon_blob_free(&env->key, &env->keylen);
	daemon_blob_free(&env->cert, &env->certlen);
	explicit_bzero(env->secret, sizeof(env->secret));
	log_info("startup: %zu listen address%s", env->nlisten,
	    env->nlisten == 1 ? "" : "es");
}

static int
listens_equal(const struct relayd_conf *a, const struct relayd_conf *b)
{
	const struct listen_addr	*x, *y;

	x = TAILQ_FIRST(&a->listens);
	y = TAILQ_FIRST(&b->listens);
	for (; x != NULL && y != NULL; x = TAILQ_NEXT(x, entry),
	    y = TAILQ_NEXT(y, entry))
		if (x->sslen != y->sslen || memcmp(&x->ss, &y->ss,
		    x->sslen) != 0)
			return (0);
	return (x == NULL && y == NULL);
}

/*
 * SIGHUP (or "reload" on the control socket): a bad configuration keeps
 * the running one.  Only rooms and limits are reloaded: listen addresses,
 * certificates, user and control socket need a restart.
 */
static void
parent_reload(struct proc *p)
{
	struct relayd		*env = p->p_arg;
	struct relayd_conf	*nconf;

	log_info("reloading %s", env->opts.conffile);
	if ((nconf = parse_config(env->opts.conffile,
	    env->opts.defines, env->opts.ndefines)) == NULL) {
		log_warnx("reload: %s has errors, keeping the running "
		    "configuration", env->opts.conffile);
		return;
	}
	if (!listens_equal(env->conf, nconf))
		log_warnx("reload: listen addresses changed; they take "
		    "effect at the next restart");
	if (strcmp(env->conf->certificate, nconf->certificate) != 0 ||
	    strcmp(env->conf->key, nconf->key) != 0 ||
	    strcmp(env->conf->dev_certificate, nconf->dev_certificate) != 0)
		log_warnx("reload: certificate settings changed; they take "
		    "effect at the next restart");
	send_conf(p, nconf);
	if (proc_compose(p, IMSG_RECONF_END, -1, NULL, 0) == -1)
		fatal("%s: proc_compose", __func__);
	free_config(env->conf);
	env->conf = nconf;
}

static void
parent_shutdown(struct proc *p)
{
	struct relayd	*env = p->p_arg;

	(void)priv_control_remove(&env->ctlsock);
	daemon_blob_free(&env->key, &env->keylen);
	explicit_bzero(env->secret, sizeof(env->secret));
}


