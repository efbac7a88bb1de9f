/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conf: spiced's configuration file (grammar in man/spiced.conf.5).
 *
 *	# comment
 *	run-dir = /run/spiced
 *	[display "vm1"]
 *	listen = 127.0.0.1:5900
 *	producer-socket = /run/spiced/vm1.qxl
 *	...
 *
 * conf-parse.c splits the text into (line, section, key, value) items;
 * conf.c gives them meaning and checks the result as a whole.
 */
#ifndef SPICED_CONF_H
#define SPICED_CONF_H

#include <sys/types.h>
#include <sys/un.h>

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CONF_NAME_LEN		64
#define CONF_MAX_DISPLAYS	64
#define CONF_MAX_LINE		1024
#define CONF_MAX_PASSWORD	60	/* SPICE_MAX_PASSWORD_LENGTH */
#define CONF_PATH_LEN		sizeof(((struct sockaddr_un *)0)->sun_path)
#define CONF_FILE_LEN		512	/* certificate and key paths */
#define CONF_CIPHERS_LEN	512	/* OpenSSL cipher strings */
#define CONF_SASL_NAME_LEN	256	/* = AUTH_SASL_NAME_LEN */
#define CONF_SASL_MECHS_LEN	512	/* = AUTH_SASL_LIST_LEN */
#define CONF_SASL_MAX_STEPS	10	/* = AUTH_SASL_STEPS_MAX */

struct conf_ids {
	int	set;
	uid_t	uid;
	gid_t	gid;
};

struct conf_display {
	char		cd_name[CONF_NAME_LEN];
	int		cd_line;		/* where the section starts */
	char		cd_listen_host[256];	/* empty: no TCP listener */
	int		cd_listen_port;		/* 0: ask the kernel */
	char		cd_unix_path[CONF_PATH_LEN];
	char		cd_producer_path[CONF_PATH_LEN];
	struct conf_ids	cd_producer;		/* allowed producer peer */
	struct conf_ids	cd_worker;		/* workers run as this */
	char		cd_password[CONF_MAX_PASSWORD + 1];
	int		cd_password_set;
	char		cd_password_view[CONF_MAX_PASSWORD + 1]; /* "": none */
	long long	cd_password_expires;	/* epoch seconds; 0: never */
	int		cd_disable_ticketing;
	int		cd_max_clients;
	int		cd_worker_memory_mib;	/* RLIMIT_DATA; 0: none */
	int		cd_producer_memory_mib;	/* memslots' total, MiB */
	int		cd_max_preauth;
	int		cd_link_timeout;	/* seconds */
	int		cd_max_preauth_per_addr; /* 0: only max-preauth */
	int		cd_auth_timeout;	/* seconds after the reply */

	/* TLS: its own listener; cd_tls_host empty = no TLS. */
	char		cd_tls_host[256];
	int		cd_tls_port;
	char		cd_tls_cert[CONF_FILE_LEN];	/* PEM chain */
	char		cd_tls_key[CONF_FILE_LEN];	/* PEM */
	char		cd_tls_ca[CONF_FILE_LEN];	/* client CAs or "" */
	char		cd_tls_ciphers[CONF_CIPHERS_LEN];	/* TLS 1.2 */
	char		cd_tls_ciphersuites[CONF_CIPHERS_LEN];	/* TLS 1.3 */
	int		cd_tls_min_version;	/* 12 or 13 */
	int		cd_tls_require_client_cert;
	int		cd_tls_ktls;		/* try kernel TLS (default) */
	uint32_t	cd_secure_channels;	/* bit N: channel type N */

	/* SASL (cyrus-sasl): when on, it replaces ticket auth. */
	int		cd_sasl;
	char		cd_sasl_realm[CONF_SASL_NAME_LEN];
	char		cd_sasl_server_name[CONF_SASL_NAME_LEN];
	char		cd_sasl_mechs[CONF_SASL_MECHS_LEN];	/* ",A,B," */
	int		cd_sasl_max_steps;

	/* Images, with libvirt's names for the keys and their values. */
	int		cd_image_compression;	/* CONF_IMAGE_* */
	int		cd_jpeg_wan;		/* CONF_JPEG_* */
	int		cd_streaming;		/* CONF_STREAM_* */
};

/* image-compression: every lossless value is served by spiced's
 * lossless codec (LZ4, or plain bitmaps for clients without it); off
 * sends plain bitmaps. */
enum { CONF_IMAGE_AUTO_GLZ, CONF_IMAGE_AUTO_LZ, CONF_IMAGE_QUIC,
	CONF_IMAGE_GLZ, CONF_IMAGE_LZ, CONF_IMAGE_LZ4, CONF_IMAGE_OFF };
/* jpeg-wan-compression: JPEG for photographic images on slow links
 * (auto), on every link (always) or never. */
enum { CONF_JPEG_AUTO, CONF_JPEG_NEVER, CONF_JPEG_ALWAYS };
/* streaming-video: video as an MJPEG stream when it looks like a
 * photograph (filter, the default), whatever it looks like (all), or
 * never (off). */
enum { CONF_STREAM_FILTER, CONF_STREAM_ALL, CONF_STREAM_OFF };

struct conf {
	char			 c_run_dir[CONF_PATH_LEN];
	char			 c_control_path[CONF_PATH_LEN]; /* "": none */
	int			 c_control_group_set;
	gid_t			 c_control_group;	/* may use the socket */
	/* cyrus-sasl reads one APP.conf per process, so these are global. */
	char			 c_sasl_appname[CONF_SASL_NAME_LEN];
	char			 c_sasl_config_dir[CONF_PATH_LEN]; /* "": cyrus' */
	struct conf_ids		 c_keygen;	/* keygen helper's ids */
	struct conf_ids		 c_user;	/* started as root: become */
	int			 c_log_debug;	/* log-level = debug */
	/* A restart under systemd hands sessions to the next supervisor
	 * (handoff.h); 0: their viewers link again instead. */
	int			 c_keep_sessions;
	struct conf_display	 c_displays[CONF_MAX_DISPLAYS];
	size_t			 c_ndisplays;
};

/* One parsed line handed from conf-parse.c to conf.c. */
struct conf_item {
	int		 ci_line;
	const char	*ci_section;	/* NULL for the global part */
	const char	*ci_key;
	const char	*ci_value;
};

/* Read and check the file at path into *conf.  as_root tells whether
 * worker-user is required.  Errors name the file and line. */
int	conf_load(struct conf *, const char *path, int as_root,
	    struct spd_err *);
/* Same, from a string (tests); name is used in messages. */
int	conf_load_string(struct conf *, const char *text, const char *name,
	    int as_root, struct spd_err *);

/* conf-parse.c: call item_cb for each "key = value" line, and for each
 * section header with ci_key == NULL.  Returns -1 with "name:line: why". */
int	conf_parse_text(const char *text, const char *name,
	    int (*item_cb)(const struct conf_item *, void *, struct spd_err *),
	    void *arg, struct spd_err *);

/* The mask of every channel secure-channels can name ("all"). */
uint32_t conf_all_channels(void);
/* Parse a secure-channels value: a comma-separated list of channel names
 * (main, display, inputs, cursor, playback, record, smartcard, usbredir,
 * port, webdav), or "all"/"default" (every channel), or "none", into a
 * mask with bit N set for SPICE channel type N. */
int	conf_parse_channels(const char *value, uint32_t *mask,
	    struct spd_err *);

/* Parse "user", "uid:gid" or "uid" (gid = uid's primary group or uid). */
int	conf_parse_ids(const char *value, struct conf_ids *, struct spd_err *);

#endif
