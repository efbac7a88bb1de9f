/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * spicectl: command-line client of spiced's control socket (protocol in
 * shared/control-msg.h, manual in man/spicectl.1).
 *
 *	spicectl [-s SOCKET] set-ticket DISPLAY [--view-only]
 *	    [--expires-in S | --expires-at T]
 *	spicectl [-s SOCKET] expire-ticket DISPLAY [--view-only]
 *	spicectl [-s SOCKET] [--json] list
 *	spicectl [-s SOCKET] [--json] stats
 *	spicectl [-s SOCKET] disconnect [--display NAME] SESSION
 *	spicectl [-s SOCKET] vv DISPLAY [--lifetime S] [--view-only]
 *	    [--host HOST] [--title TITLE] [--ca FILE]
 *
 * The password of set-ticket comes from standard input (one line, echo
 * off on a terminal) or --password-file, not from the command line, where
 * every local user could read it in ps(1).
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "control-msg.h"
#include "spice-link.h"

#ifndef SPICECTL_SOCKET_PATH
#define SPICECTL_SOCKET_PATH	"/run/spiced/control"
#endif
#define SPICECTL_TIMEOUT_SEC	30	/* for the daemon's answer */
#define SPICECTL_VV_LIFETIME	120	/* s: a vv ticket's default life */

/* Exit statuses: as most tools, 2 for a usage error. */
#define SPICECTL_EXIT_FAIL	1
#define SPICECTL_EXIT_USAGE	2

struct spicectl_opts {
	const char	*socket;
	int		 json;
	const char	*expires_in;
	const char	*expires_at;
	const char	*password_file;
	const char	*password;	/* --password: visible in ps */
	const char	*display;	/* disconnect --display */
	int		 view_only;	/* the view-only ticket */
	const char	*lifetime;	/* vv */
	const char	*host;		/* vv: instead of spiced's answer */
	const char	*title;		/* vv: instead of the display's name */
	const char	*ca;		/* vv: the CA's PEM file */
	const char	*vv_display;	/* vv: the display asked for */
	char		*ca_pem;	/* vv: --ca's content */
};

/* State of the streamed JSON output of list. */
struct spicectl_json {
	int		 in_display;	/* a display object is open */
	int		 in_session;	/* a session object is open */
	int		 ndisplays;
	int		 nsessions;	/* in the open display */
	int		 nchannels;	/* in the open session */
};

static void __attribute__((noreturn))
spicectl_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: spicectl [-s SOCKET] set-ticket DISPLAY [--view-only] "
	    "[--expires-in SECONDS | --expires-at TIME]\n"
	    "                [--password-file FILE]\n"
	    "       spicectl [-s SOCKET] expire-ticket DISPLAY [--view-only]\n"
	    "       spicectl [-s SOCKET] [--json] list\n"
	    "       spicectl [-s SOCKET] [--json] stats\n"
	    "       spicectl [-s SOCKET] disconnect [--display NAME] SESSION\n"
	    "       spicectl [-s SOCKET] vv DISPLAY [--lifetime SECONDS] "
	    "[--view-only]\n"
	    "                [--host HOST] [--title TITLE] [--ca FILE]\n"
	    "  -s, --socket PATH   control socket (default %s)\n"
	    "set-ticket reads the password from standard input (one line).\n",
	    SPICECTL_SOCKET_PATH);
	exit(status);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
spicectl_die(const char *fmt, ...)
{
	va_list ap;

	fputs("spicectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(SPICECTL_EXIT_FAIL);
}

/* A whole decimal number in 0..hi, or exit with a usage error. */
static unsigned long long
spicectl_number(const char *s, unsigned long long hi, const char *what)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = isdigit((unsigned char)s[0]) ? strtoull(s, &end, 10) : 0;
	if (!isdigit((unsigned char)s[0]) || errno != 0 || *end != '\0' ||
	    v > hi) {
		fprintf(stderr, "spicectl: %s: \"%s\" is not a number from 0 "
		    "to %llu\n", what, s, hi);
		exit(SPICECTL_EXIT_USAGE);
	}
	return v;
}

/*
 * --expires-at: seconds since the epoch ("1735689600" or "@1735689600"),
 * or a date "YYYY-MM-DD HH:MM[:SS]" ('T' also separates), in local time
 * unless it ends in "Z" or " UTC".
 */
static uint64_t
spicectl_parse_time(const char *s)
{
	static const char *formats[] = {
		"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
		"%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
	};
	const char *end;
	struct tm tm;
	time_t t;
	size_t i;

	if (s[0] == '@')
		s++;
	if (isdigit((unsigned char)s[0]) && strchr(s, '-') == NULL)
		return spicectl_number(s, CONTROL_MAX_EPOCH, "--expires-at");
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		if ((end = strptime(s, formats[i], &tm)) == NULL)
			continue;
		if (*end == '\0') {
			tm.tm_isdst = -1;
			t = mktime(&tm);
		} else if (!strcmp(end, "Z") || !strcmp(end, " UTC"))
			t = timegm(&tm);
		else
			continue;
		if (t <= 0)
			break;
		return (uint64_t)t;
	}
	fprintf(stderr, "spicectl: --expires-at: \"%s\" is neither seconds "
	    "since the epoch nor YYYY-MM-DD HH:MM[:SS][Z]\n", s);
	exit(SPICECTL_EXIT_USAGE);
}

/* One line from f into out (CONTROL_PASSWORD_MAX + 1 bytes), without its
 * newline; exit if longer than the SPICE limit or holding a NUL. */
static void
spicectl_read_password(FILE *f, const char *from, char *out)
{
	char line[CONTROL_PASSWORD_MAX + 3];
	size_t len;

	if (fgets(line, sizeof(line), f) == NULL)
		spicectl_die("no password on %s", from);
	len = strlen(line);
	if (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	else if (!feof(f) && len == sizeof(line) - 1)
		len = sizeof(line);	/* more follows: too long */
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	if (len > CONTROL_PASSWORD_MAX) {
		explicit_bzero(line, sizeof(line));
		spicectl_die("password from %s longer than %d bytes (the SPICE "
		    "limit)", from, CONTROL_PASSWORD_MAX);
	}
	memcpy(out, line, len + 1);
	explicit_bzero(line, sizeof(line));
}

static void
spicectl_get_password(const struct spicectl_opts *o, char *out)
{
	struct termios old, quiet;
	FILE *f;
	int tty;

	if (o->password != NULL) {
		fprintf(stderr, "spicectl: warning: --password puts the "
		    "password where every local user can read it (ps); use "
		    "standard input or --password-file\n");
		if (strlen(o->password) > CONTROL_PASSWORD_MAX)
			spicectl_die("password longer than %d bytes (the SPICE "
			    "limit)", CONTROL_PASSWORD_MAX);
		strcpy(out, o->password);
		return;
	}
	if (o->password_file != NULL) {
		if ((f = fopen(o->password_file, "r")) == NULL)
			spicectl_die("cannot open %s: %s", o->password_file,
			    strerror(errno));
		spicectl_read_password(f, o->password_file, out);
		fclose(f);
		return;
	}
	tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		fputs("Password: ", stderr);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	spicectl_read_password(stdin, "standard input", out);
	if (tty) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
}

static int
spicectl_connect(const char *path)
{
	struct timeval tv = { SPICECTL_TIMEOUT_SEC, 0 };
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		spicectl_die("socket path too long: %s", path);
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		spicectl_die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
		spicectl_die("cannot connect to %s: %s", path,
		    strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static void
spicectl_send(int fd, const char *path, const struct control_req *req)
{
	struct obuf ob;
	size_t off = 0;
	ssize_t n;

	obuf_init(&ob);
	control_req_put(&ob, req);
	if (ob.ob_failed)
		spicectl_die("cannot build the request (a name too long?)");
	while (off < ob.ob_len) {
		n = send(fd, ob.ob_data + off, ob.ob_len - off, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		/* spiced may have refused us and closed already: its
		 * answer, saying why, still waits to be read. */
		if (n == -1 && (errno == EPIPE || errno == ECONNRESET))
			break;
		if (n == -1)
			spicectl_die("%s: send: %s", path, strerror(errno));
		off += (size_t)n;
	}
	explicit_bzero(ob.ob_data, ob.ob_len);
	obuf_free(&ob);
}

/* Read exactly n bytes; 0 at a clean end before the first byte. */
static int
spicectl_recv(int fd, const char *path, uint8_t *buf, size_t n)
{
	size_t have = 0;
	ssize_t r;

	while (have < n) {
		r = recv(fd, buf + have, n - have, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			spicectl_die("%s: no answer: %s", path,
			    errno == EAGAIN ? "timed out" : strerror(errno));
		if (r == 0) {
			if (have == 0)
				return 0;
			spicectl_die("%s: answer cut short", path);
		}
		have += (size_t)r;
	}
	return 1;
}

static void
spicectl_read_reply(int fd, const char *path, struct control_rep *rep)
{
	uint8_t buf[CONTROL_LEN_FIELD + CONTROL_MAX_REPLY];
	struct spd_err err;
	size_t len;

	if (!spicectl_recv(fd, path, buf, CONTROL_LEN_FIELD))
		spicectl_die("%s: spiced closed the connection without an "
		    "answer", path);
	if (control_frame_len(buf, CONTROL_MAX_REPLY, &len, &err) != 0 ||
	    !spicectl_recv(fd, path, buf + CONTROL_LEN_FIELD, len) ||
	    control_rep_parse(buf + CONTROL_LEN_FIELD, len, rep, &err) != 0)
		spicectl_die("%s: bad answer: %s", path, err.msg);
}

static void
spicectl_fmt_time(uint64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, len, "%" PRIu64, t);
}

static void
spicectl_json_str(const char *s)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static const char *
spicectl_ticket_name(uint8_t ticket)
{
	switch (ticket) {
	case CONTROL_TICKET_SET:
		return "set";
	case CONTROL_TICKET_DISABLED:
		return "disabled";
	default:
		return "none";
	}
}

static void
spicectl_json_close(struct spicectl_json *js, int display)
{
	if (js->in_session) {
		printf("]}");
		js->in_session = 0;
	}
	if (display && js->in_display) {
		printf("]}");
		js->in_display = 0;
	}
}

static void
spicectl_json_rep(struct spicectl_json *js, const struct control_rep *r)
{
	const struct control_display *d = &r->display;
	const struct control_session *s = &r->session;
	const struct control_channel *c = &r->channel;
	uint8_t i;

	switch (r->type) {
	case CONTROL_REP_DISPLAY:
		spicectl_json_close(js, 1);
		printf("%s{\"name\":", js->ndisplays++ ? "," : "");
		spicectl_json_str(d->name);
		printf(",\"listen\":[");
		for (i = 0; i < d->nlisten; i++) {
			printf("%s", i ? "," : "");
			spicectl_json_str(d->listen[i]);
		}
		printf("],\"producer\":%s,\"producer_pid\":%" PRIu32
		    ",\"preauth\":%" PRIu32 ",\"max_preauth\":%" PRIu32
		    ",\"ticket\":\"%s\",\"expires\":%" PRIu64
		    ",\"sessions\":[", d->producer ? "true" : "false",
		    d->producer_pid, d->preauth, d->max_preauth,
		    spicectl_ticket_name(d->ticket), d->expires);
		js->in_display = 1;
		js->nsessions = 0;
		break;
	case CONTROL_REP_SESSION:
		spicectl_json_close(js, 0);
		printf("%s{\"id\":%" PRIu32 ",\"peer\":",
		    js->nsessions++ ? "," : "", s->id);
		spicectl_json_str(s->peer);
		printf(",\"transport\":");
		spicectl_json_str(s->transport);
		printf(",\"since\":%" PRIu64 ",\"channels\":[", s->since);
		js->in_session = 1;
		js->nchannels = 0;
		break;
	case CONTROL_REP_DISPLAY_STATS:
		spicectl_json_close(js, 1);
		printf("%s{\"name\":", js->ndisplays++ ? "," : "");
		spicectl_json_str(r->dstats.name);
		printf(",\"producer\":%s,\"sessions\":%" PRIu32
		    ",\"display_cpu\":%.3f,\"cursor_cpu\":%.3f,\"channels\":[",
		    r->dstats.producer ? "true" : "false", r->dstats.sessions,
		    r->dstats.display_cpu / 1000.0,
		    r->dstats.cursor_cpu / 1000.0);
		js->in_display = 1;
		js->nchannels = 0;
		break;
	case CONTROL_REP_CHANNEL_STATS:
		printf("%s{\"session\":%" PRIu32 ",\"conn\":%" PRIu32
		    ",\"type\":\"%s\",\"id\":%u,\"bytes_out_per_s\":%" PRIu64
		    ",\"bytes_in_per_s\":%" PRIu64 ",\"msgs_out_per_s\":%" PRIu32
		    ",\"queue_bytes\":%" PRIu32 ",\"rtt_us\":%" PRIu32 "}",
		    js->nchannels++ ? "," : "", r->cstats.session,
		    r->cstats.conn, spice_channel_name(r->cstats.type),
		    r->cstats.id, r->cstats.bytes_out, r->cstats.bytes_in,
		    r->cstats.msgs_out, r->cstats.outq, r->cstats.rtt_us);
		break;
	case CONTROL_REP_CHANNEL:
		printf("%s{\"type\":\"%s\",\"type_id\":%u,\"id\":%u,"
		    "\"conn\":%" PRIu32 ",\"peer\":",
		    js->nchannels++ ? "," : "", spice_channel_name(c->type),
		    c->type, c->id, c->conn);
		spicectl_json_str(c->peer);
		printf(",\"transport\":");
		spicectl_json_str(c->transport);
		printf(",\"since\":%" PRIu64 "}", c->since);
		break;
	}
}

static void
spicectl_text_rep(const struct control_rep *r)
{
	const struct control_display *d = &r->display;
	const struct control_session *s = &r->session;
	const struct control_channel *c = &r->channel;
	char when[64], chan[32];
	uint8_t i;

	switch (r->type) {
	case CONTROL_REP_DISPLAY_STATS:
		printf("display %s: %s, %" PRIu32 " session%s; CPU: display "
		    "worker %.1f%%, cursor worker %.1f%%\n", r->dstats.name,
		    r->dstats.producer ? "producer attached" : "no producer",
		    r->dstats.sessions, r->dstats.sessions == 1 ? "" : "s",
		    r->dstats.display_cpu / 10.0, r->dstats.cursor_cpu / 10.0);
		break;
	case CONTROL_REP_CHANNEL_STATS:
		printf("  session %" PRIu32 " %s:%u: %.1f kB/s out, %.1f kB/s "
		    "in, %" PRIu32 " msg/s, queue %" PRIu32 " B",
		    r->cstats.session, spice_channel_name(r->cstats.type),
		    r->cstats.id, r->cstats.bytes_out / 1000.0,
		    r->cstats.bytes_in / 1000.0, r->cstats.msgs_out,
		    r->cstats.outq);
		if (r->cstats.rtt_us != 0)
			printf(", round trip %.1f ms", r->cstats.rtt_us /
			    1000.0);
		printf("\n");
		break;
	case CONTROL_REP_DISPLAY:
		printf("display %s: ", d->name);
		if (d->producer)
			printf("producer attached (pid %" PRIu32 ")",
			    d->producer_pid);
		else
			printf("no producer");
		printf(", %" PRIu32 " session%s, pre-auth %" PRIu32 "/%"
		    PRIu32 ", ticket %s", d->sessions,
		    d->sessions == 1 ? "" : "s", d->preauth, d->max_preauth,
		    spicectl_ticket_name(d->ticket));
		if (d->ticket == CONTROL_TICKET_SET && d->expires != 0) {
			spicectl_fmt_time(d->expires, when, sizeof(when));
			printf(" (%s %s)", (time_t)d->expires <= time(NULL) ?
			    "expired" : "expires", when);
		}
		printf("\n  listen");
		for (i = 0; i < d->nlisten; i++)
			printf("%s %s", i ? "," : "", d->listen[i]);
		printf("%s\n", d->nlisten == 0 ? " (none)" : "");
		break;
	case CONTROL_REP_SESSION:
		spicectl_fmt_time(s->since, when, sizeof(when));
		printf("  session %" PRIu32 " from %s (%s) since %s, %" PRIu32
		    " channel%s\n", s->id, s->peer[0] ? s->peer : "?",
		    s->transport, when, s->channels,
		    s->channels == 1 ? "" : "s");
		break;
	case CONTROL_REP_CHANNEL:
		spicectl_fmt_time(c->since, when, sizeof(when));
		snprintf(chan, sizeof(chan), "%s:%u",
		    spice_channel_name(c->type), c->id);
		printf("    %-12s conn %-6" PRIu32 " %-22s %-12s since %s\n",
		    chan, c->conn, c->peer, c->transport, when);
		break;
	}
}

/* --ca FILE: the CA certificate a .vv file carries, PEM, read before
 * spiced is asked for a ticket. */
static char *
spicectl_read_ca(const char *path)
{
	char *buf;
	FILE *f;
	size_t n;

	if ((f = fopen(path, "r")) == NULL)
		spicectl_die("--ca %s: %s", path, strerror(errno));
	if ((buf = malloc(CONTROL_CA_MAX + 2)) == NULL)
		spicectl_die("out of memory");
	n = fread(buf, 1, CONTROL_CA_MAX + 1, f);
	fclose(f);
	if (n > CONTROL_CA_MAX)
		spicectl_die("--ca %s: longer than %d bytes", path,
		    CONTROL_CA_MAX);
	buf[n] = '\0';
	if (strstr(buf, "-----BEGIN CERTIFICATE-----") == NULL)
		spicectl_die("--ca %s: no PEM certificate", path);
	return buf;
}

/* A value of a GKeyFile (the .vv format): backslash, newline, tab and
 * carriage return escaped, a leading space kept. */
static void
spicectl_vv_value(const char *key, const char *v)
{
	printf("%s=", key);
	if (*v == ' ') {
		fputs("\\s", stdout);
		v++;
	}
	for (; *v != '\0'; v++) {
		switch (*v) {
		case '\\': fputs("\\\\", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		default: putchar(*v); break;
		}
	}
	putchar('\n');
}

/* The .vv file virt-viewer (remote-viewer FILE) opens, on stdout. */
static void
spicectl_print_vv(const struct spicectl_opts *o, const struct control_vv *v)
{
	const char *sep;
	char when[64];
	int i;

	spicectl_fmt_time(v->expires, when, sizeof(when));
	printf("# spiced: one-time ticket for display \"%s\", valid until "
	    "%s\n", o->vv_display, when);
	printf("[virt-viewer]\ntype=spice\n");
	spicectl_vv_value("host", o->host != NULL ? o->host : v->host);
	if (v->port != 0)
		printf("port=%u\n", v->port);
	if (v->tls_port != 0)
		printf("tls-port=%u\n", v->tls_port);
	spicectl_vv_value("password", v->password);
	spicectl_vv_value("title", o->title != NULL ? o->title :
	    o->vv_display);
	printf("delete-this-file=1\n");
	if (v->secure == UINT32_MAX)
		printf("secure-channels=all\n");
	else if (v->secure != 0) {
		printf("secure-channels=");
		for (i = 0, sep = ""; i < 32; i++)
			if (v->secure & (1u << i)) {
				printf("%s%s", sep, spice_channel_name(
				    (uint8_t)i));
				sep = ";";
			}
		printf("\n");
	}
	if (o->ca_pem != NULL)
		spicectl_vv_value("ca", o->ca_pem);
	else if (v->ca[0] != '\0')
		spicectl_vv_value("ca", v->ca);
	if (v->host_subject[0] != '\0')
		spicectl_vv_value("host-subject", v->host_subject);
}

/* Read the answer to one request; returns the exit status. */
static int
spicectl_answer(int fd, const struct spicectl_opts *o, int list)
{
	struct spicectl_json js;
	struct control_rep rep;

	memset(&js, 0, sizeof(js));
	if (list && o->json)
		printf("{\"displays\":[");
	for (;;) {
		spicectl_read_reply(fd, o->socket, &rep);
		switch (rep.type) {
		case CONTROL_REP_OK:
			if (rep.text[0] != '\0' && !list)
				printf("%s\n", rep.text);
			return 0;
		case CONTROL_REP_ERROR:
			if (list && o->json)
				printf("\n");
			fprintf(stderr, "spicectl: %s: %s\n", o->socket,
			    rep.text);
			return SPICECTL_EXIT_FAIL;
		case CONTROL_REP_VV:
			if (o->vv_display == NULL)
				spicectl_die("%s: unexpected answer type %u",
				    o->socket, rep.type);
			spicectl_print_vv(o, &rep.vv);
			explicit_bzero(&rep, sizeof(rep));
			return 0;
		case CONTROL_REP_END:
			if (o->json) {
				spicectl_json_close(&js, 1);
				printf("]}\n");
			}
			return 0;
		default:
			if (!list)
				spicectl_die("%s: unexpected answer type %u",
				    o->socket, rep.type);
			if (o->json)
				spicectl_json_rep(&js, &rep);
			else
				spicectl_text_rep(&rep);
			break;
		}
	}
}

static void
spicectl_set_name(char *out, const char *name, const char *what)
{
	if (strlen(name) > CONTROL_NAME_MAX || name[0] == '\0') {
		fprintf(stderr, "spicectl: %s \"%s\": 1 to %d bytes\n", what,
		    name, CONTROL_NAME_MAX);
		exit(SPICECTL_EXIT_USAGE);
	}
	strcpy(out, name);
}

int
main(int argc, char *argv[])
{
	enum { OPT_EXPIRES_IN = 256, OPT_EXPIRES_AT, OPT_PASSWORD_FILE,
	    OPT_PASSWORD, OPT_DISPLAY, OPT_VIEW_ONLY, OPT_LIFETIME, OPT_HOST,
	    OPT_TITLE, OPT_CA };
	static const struct option longopts[] = {
		{ "socket",		required_argument, NULL, 's' },
		{ "json",		no_argument,	   NULL, 'j' },
		{ "expires-in",		required_argument, NULL,
		    OPT_EXPIRES_IN },
		{ "expires-at",		required_argument, NULL,
		    OPT_EXPIRES_AT },
		{ "password-file",	required_argument, NULL,
		    OPT_PASSWORD_FILE },
		{ "password",		required_argument, NULL, OPT_PASSWORD },
		{ "display",		required_argument, NULL, OPT_DISPLAY },
		{ "view-only",		no_argument,	   NULL, OPT_VIEW_ONLY },
		{ "lifetime",		required_argument, NULL, OPT_LIFETIME },
		{ "host",		required_argument, NULL, OPT_HOST },
		{ "title",		required_argument, NULL, OPT_TITLE },
		{ "ca",			required_argument, NULL, OPT_CA },
		{ "help",		no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct spicectl_opts o;
	struct control_req req;
	const char *cmd;
	int ch, fd, nargs, rc, records;
	char **args;

	memset(&o, 0, sizeof(o));
	o.socket = SPICECTL_SOCKET_PATH;
	while ((ch = getopt_long(argc, argv, "s:jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': o.socket = optarg; break;
		case 'j': o.json = 1; break;
		case OPT_EXPIRES_IN: o.expires_in = optarg; break;
		case OPT_EXPIRES_AT: o.expires_at = optarg; break;
		case OPT_PASSWORD_FILE: o.password_file = optarg; break;
		case OPT_PASSWORD: o.password = optarg; break;
		case OPT_DISPLAY: o.display = optarg; break;
		case OPT_VIEW_ONLY: o.view_only = 1; break;
		case OPT_LIFETIME: o.lifetime = optarg; break;
		case OPT_HOST: o.host = optarg; break;
		case OPT_TITLE: o.title = optarg; break;
		case OPT_CA: o.ca = optarg; break;
		case 'h': spicectl_usage(0);
		default: spicectl_usage(SPICECTL_EXIT_USAGE);
		}
	}
	if (optind >= argc)
		spicectl_usage(SPICECTL_EXIT_USAGE);
	cmd = argv[optind];
	args = argv + optind + 1;
	nargs = argc - optind - 1;

	memset(&req, 0, sizeof(req));
	if (!strcmp(cmd, "set-ticket") && nargs == 1) {
		if (o.expires_in != NULL && o.expires_at != NULL)
			spicectl_usage(SPICECTL_EXIT_USAGE);
		req.type = CONTROL_REQ_SET_TICKET;
		req.kind = o.view_only ? CONTROL_KIND_VIEW_ONLY :
		    CONTROL_KIND_FULL;
		spicectl_set_name(req.display, args[0], "display");
		if (o.expires_in != NULL) {
			req.expiry = CONTROL_EXPIRY_IN;
			req.expiry_value = spicectl_number(o.expires_in,
			    CONTROL_MAX_EXPIRES_IN, "--expires-in");
		} else if (o.expires_at != NULL) {
			req.expiry = CONTROL_EXPIRY_AT;
			req.expiry_value = spicectl_parse_time(o.expires_at);
		}
		spicectl_get_password(&o, req.password);
	} else if (!strcmp(cmd, "expire-ticket") && nargs == 1) {
		req.type = CONTROL_REQ_EXPIRE_TICKET;
		req.kind = o.view_only ? CONTROL_KIND_VIEW_ONLY :
		    CONTROL_KIND_FULL;
		spicectl_set_name(req.display, args[0], "display");
	} else if (!strcmp(cmd, "list") && nargs == 0) {
		req.type = CONTROL_REQ_LIST;
	} else if (!strcmp(cmd, "stats") && nargs == 0) {
		req.type = CONTROL_REQ_STATS;
	} else if (!strcmp(cmd, "disconnect") && nargs == 1) {
		req.type = CONTROL_REQ_DISCONNECT;
		req.session = (uint32_t)spicectl_number(args[0], UINT32_MAX,
		    "session");
		if (req.session == 0)
			spicectl_die("session 0 does not exist");
		if (o.display != NULL)
			spicectl_set_name(req.display, o.display, "display");
	} else if (!strcmp(cmd, "vv") && nargs == 1) {
		req.type = CONTROL_REQ_VV;
		req.kind = o.view_only ? CONTROL_KIND_VIEW_ONLY :
		    CONTROL_KIND_FULL;
		spicectl_set_name(req.display, args[0], "display");
		o.vv_display = args[0];
		req.lifetime = SPICECTL_VV_LIFETIME;
		if (o.lifetime != NULL)
			req.lifetime = (uint32_t)spicectl_number(o.lifetime,
			    CONTROL_MAX_LIFETIME, "--lifetime");
		if (req.lifetime == 0)
			spicectl_die("--lifetime: at least 1 second");
	} else
		spicectl_usage(SPICECTL_EXIT_USAGE);
	if ((o.lifetime != NULL || o.host != NULL || o.title != NULL ||
	    o.ca != NULL) && req.type != CONTROL_REQ_VV)
		spicectl_usage(SPICECTL_EXIT_USAGE);
	if (o.ca != NULL)
		o.ca_pem = spicectl_read_ca(o.ca);
	if (o.view_only && req.type != CONTROL_REQ_SET_TICKET &&
	    req.type != CONTROL_REQ_EXPIRE_TICKET && req.type != CONTROL_REQ_VV)
		spicectl_usage(SPICECTL_EXIT_USAGE);
	if ((o.expires_in != NULL || o.expires_at != NULL ||
	    o.password != NULL || o.password_file != NULL) &&
	    req.type != CONTROL_REQ_SET_TICKET)
		spicectl_usage(SPICECTL_EXIT_USAGE);
	if ((o.display != NULL && req.type != CONTROL_REQ_DISCONNECT) ||
	    (o.json && req.type != CONTROL_REQ_LIST &&
	    req.type != CONTROL_REQ_STATS))
		spicectl_usage(SPICECTL_EXIT_USAGE);

	records = req.type == CONTROL_REQ_LIST || req.type == CONTROL_REQ_STATS;
	fd = spicectl_connect(o.socket);
	spicectl_send(fd, o.socket, &req);
	explicit_bzero(&req, sizeof(req));
	rc = spicectl_answer(fd, &o, records);
	close(fd);
	return rc;
}
