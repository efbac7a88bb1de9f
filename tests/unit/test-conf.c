/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for daemon/conf*.c: good files and each refusal, with the
 * line number in the message. */
#include "conf.h"
#include "test-helper.h"

static struct conf c;

static void
expect_error(const char *text, int as_root, const char *needle)
{
	struct spd_err err;

	if (conf_load_string(&c, text, "t.conf", as_root, &err) == 0)
		TEST_FAIL("accepted: %s", text);
	ASSERT_STR_CONTAINS(err.msg, needle);
}

static void
test_good(void)
{
	struct spd_err err;
	const char *text =
	    "# comment\n"
	    "run-dir = /run/x\n"
	    "\n"
	    "[display \"vm1\"]\n"
	    "listen = 127.0.0.1:5900   # trailing comment\n"
	    "unix-socket = /run/x/vm1.sock\n"
	    "producer-socket = /run/x/vm1.qxl\n"
	    "producer-user = 1000:1001\n"
	    "worker-user = 64001:64002\n"
	    "password = \"a # b\"\n"
	    "max-clients = 3\n"
	    "worker-memory = 2G\n"
	    "producer-memory = 256M\n"
	    "password-expires = 1700000000\n"
	    "image-compression = off\n"
	    "jpeg-wan-compression = always\n"
	    "streaming-video = off\n"
	    "[display vm2]\n"
	    "listen = [::1]:0\n"
	    "producer-socket = /run/x/vm2.qxl\n"
	    "worker-user = 64003\n"
	    "disable-ticketing = yes\n";

	if (conf_load_string(&c, text, "t.conf", 1, &err) != 0)
		TEST_FAIL("%s", err.msg);
	ASSERT_STR_EQ(c.c_run_dir, "/run/x");
	ASSERT_INT_EQ(c.c_ndisplays, 2);
	ASSERT_STR_EQ(c.c_displays[0].cd_name, "vm1");
	ASSERT_STR_EQ(c.c_displays[0].cd_listen_host, "127.0.0.1");
	ASSERT_INT_EQ(c.c_displays[0].cd_listen_port, 5900);
	ASSERT_STR_EQ(c.c_displays[0].cd_password, "a # b");
	ASSERT_INT_EQ(c.c_displays[0].cd_producer.uid, 1000);
	ASSERT_INT_EQ(c.c_displays[0].cd_producer.gid, 1001);
	ASSERT_INT_EQ(c.c_displays[0].cd_worker.uid, 64001);
	ASSERT_INT_EQ(c.c_displays[0].cd_worker.gid, 64002);
	ASSERT_INT_EQ(c.c_displays[0].cd_max_clients, 3);
	ASSERT_INT_EQ(c.c_displays[0].cd_worker_memory_mib, 2048);
	ASSERT_INT_EQ(c.c_displays[1].cd_worker_memory_mib, 0);
	ASSERT_INT_EQ(c.c_displays[0].cd_producer_memory_mib, 256);
	ASSERT_INT_EQ(c.c_displays[1].cd_producer_memory_mib, 1536);
	ASSERT_INT_EQ(c.c_displays[0].cd_password_expires, 1700000000);
	ASSERT_INT_EQ(c.c_displays[1].cd_password_expires, 0);
	ASSERT_INT_EQ(c.c_displays[0].cd_link_timeout, 10);
	ASSERT_INT_EQ(c.c_displays[0].cd_image_compression, CONF_IMAGE_OFF);
	ASSERT_INT_EQ(c.c_displays[0].cd_jpeg_wan, CONF_JPEG_ALWAYS);
	ASSERT_INT_EQ(c.c_displays[0].cd_streaming, CONF_STREAM_OFF);
	ASSERT_INT_EQ(c.c_displays[1].cd_streaming, CONF_STREAM_FILTER);
	/* libvirt's defaults. */
	ASSERT_INT_EQ(c.c_displays[1].cd_image_compression,
	    CONF_IMAGE_AUTO_GLZ);
	ASSERT_INT_EQ(c.c_displays[1].cd_jpeg_wan, CONF_JPEG_AUTO);
	ASSERT_STR_EQ(c.c_displays[1].cd_listen_host, "::1");
	ASSERT_INT_EQ(c.c_displays[1].cd_listen_port, 0);
	ASSERT_INT_EQ(c.c_displays[1].cd_worker.gid, 64003);
	ASSERT_INT_EQ(c.c_displays[1].cd_disable_ticketing, 1);
}

#define DISP "[display \"d\"]\nlisten = :1\nproducer-socket = /p\n"

static void
test_errors(void)
{
	expect_error("", 0, "no [display");
	expect_error("bogus = 1\n" DISP, 0, "t.conf:1: unknown global key");
	expect_error(DISP "password = x\nfoo = bar\n", 0,
	    "t.conf:5: unknown key \"foo\"");
	expect_error(DISP "password x\n", 0, "t.conf:4: expected");
	expect_error("[display \"d\"\n", 0, "t.conf:1: section header");
	expect_error("[screen \"d\"]\n", 0, "unknown section");
	expect_error("[display \"a b\"]\n", 0, "only letters");
	expect_error(DISP "password = x\n[display \"d\"]\n", 0,
	    "already defined at line 1");
	expect_error(DISP, 0, "needs a password or");
	expect_error(DISP "password = x\ndisable-ticketing = yes\n", 0,
	    "both a password");
	expect_error(DISP "password = x\n", 1, "needs worker-user");
	expect_error(DISP "password = x\nworker-user = 0:0\n", 1,
	    "must be neither root nor spiced's own uid");
	expect_error(DISP "password = x\nworker-user = nosuchuser-xyz\n", 1,
	    "t.conf:5: worker-user: unknown user");
	expect_error(DISP "password = "
	    "0123456789012345678901234567890123456789012345678901234567890\n",
	    0, "longer than 60");
	expect_error(DISP "password = x\nlisten = 1.2.3.4\n", 0,
	    "t.conf:5: listen must be");
	expect_error(DISP "password = x\nlisten = :70000\n", 0,
	    "listen must be");
	expect_error(DISP "password = x\nmax-clients = 0\n", 0,
	    "max-clients must be a number from 1");
	expect_error(DISP "password = x\nimage-compression = zip\n", 0,
	    "image-compression must be one of auto_glz, auto_lz, quic, glz, "
	    "lz, lz4, off, got \"zip\"");
	expect_error(DISP "password = x\njpeg-wan-compression = yes\n", 0,
	    "jpeg-wan-compression must be one of auto, never, always");
	expect_error(DISP "password = x\nproducer-memory = 8M\n", 0,
	    "producer-memory must be a size from 16M to 64G");
	expect_error(DISP "password = x\nproducer-memory = 1T\n", 0,
	    "producer-memory must be a size");
	expect_error(DISP "password = x\nworker-memory = 512\n", 0,
	    "worker-memory must be a size from 64M to 64G");
	expect_error(DISP "password = x\nworker-memory = 32M\n", 0,
	    "worker-memory must be a size from 64M to 64G");
	expect_error(DISP "password = x\nworker-memory = 65G\n", 0,
	    "worker-memory must be a size");
	expect_error(DISP "password = x\nworker-memory = 1T\n", 0,
	    "worker-memory must be a size");
	expect_error(DISP "password = x\nproducer-socket = rel\n", 0,
	    "absolute path");
	expect_error("[display \"d\"]\nproducer-socket = /p\npassword = x\n",
	    0, "none of listen, tls-port and unix-socket");
	expect_error(DISP "password = x\n[display \"e\"]\nlisten = :2\n"
	    "producer-socket = /p\npassword = y\n", 0, "reuses a socket path");
	expect_error(DISP "password = \"x\n", 0, "badly quoted");
	expect_error(DISP "password = x\npassword-expires = soon\n", 0,
	    "t.conf:5: password-expires must be");
}

#define TLSD DISP "password = x\ntls-port = 127.0.0.1:5901\n"

/* The TLS keys of a display, their defaults and the secure-channels
 * parser. */
static void
test_tls(void)
{
	struct spd_err err;
	uint32_t mask;
	const struct conf_display *d = &c.c_displays[0];

	if (conf_load_string(&c, DISP "password = x\n", "t.conf", 0,
	    &err) != 0)
		TEST_FAIL("%s", err.msg);
	ASSERT_INT_EQ(d->cd_tls_host[0], '\0');
	ASSERT_INT_EQ(d->cd_tls_min_version, 12);
	ASSERT_INT_EQ(d->cd_secure_channels, 0);

	if (conf_load_string(&c, TLSD "tls-cert = /c.pem\ntls-key = /k.pem\n"
	    "tls-ca = /ca.pem\ntls-ciphers = HIGH:!aNULL\n"
	    "tls-ciphersuites = TLS_AES_256_GCM_SHA384\n"
	    "tls-min-version = 1.3\ntls-require-client-cert = yes\n"
	    "secure-channels = main, inputs\n", "t.conf", 0, &err) != 0)
		TEST_FAIL("%s", err.msg);
	ASSERT_STR_EQ(d->cd_tls_host, "127.0.0.1");
	ASSERT_INT_EQ(d->cd_tls_port, 5901);
	ASSERT_STR_EQ(d->cd_tls_cert, "/c.pem");
	ASSERT_STR_EQ(d->cd_tls_key, "/k.pem");
	ASSERT_STR_EQ(d->cd_tls_ca, "/ca.pem");
	ASSERT_STR_EQ(d->cd_tls_ciphers, "HIGH:!aNULL");
	ASSERT_STR_EQ(d->cd_tls_ciphersuites, "TLS_AES_256_GCM_SHA384");
	ASSERT_INT_EQ(d->cd_tls_min_version, 13);
	ASSERT_INT_EQ(d->cd_tls_require_client_cert, 1);
	ASSERT_INT_EQ(d->cd_secure_channels, (1u << 1) | (1u << 3));

	/* A display reachable over TLS only. */
	if (conf_load_string(&c, "[display \"d\"]\nproducer-socket = /p\n"
	    "password = x\ntls-port = :0\ntls-cert = /c\ntls-key = /k\n",
	    "t.conf", 0, &err) != 0)
		TEST_FAIL("%s", err.msg);
	ASSERT_STR_EQ(d->cd_tls_host, "0.0.0.0");

	ASSERT_INT_EQ(conf_parse_channels("all", &mask, &err), 0);
	ASSERT_INT_EQ(mask, 0xf7e);	/* 1-11 without tunnel (7) */
	ASSERT_INT_EQ(conf_parse_channels("default", &mask, &err), 0);
	ASSERT_INT_EQ(mask, 0xf7e);
	ASSERT_INT_EQ(conf_parse_channels("none", &mask, &err), 0);
	ASSERT_INT_EQ(mask, 0);
	ASSERT_INT_EQ(conf_parse_channels("display,cursor,usbredir,webdav",
	    &mask, &err), 0);
	ASSERT_INT_EQ(mask, (1u << 2) | (1u << 4) | (1u << 9) | (1u << 11));
	ASSERT_INT_EQ(conf_parse_channels(",,main,", &mask, &err), 0);
	ASSERT_INT_EQ(mask, 1u << 1);
	ASSERT_TRUE(conf_parse_channels("main,tunnel", &mask, &err) != 0);
	ASSERT_STR_CONTAINS(err.msg, "unknown channel \"tunnel\"");
	ASSERT_TRUE(conf_parse_channels("MAIN", &mask, &err) != 0);

	expect_error(TLSD, 0, "tls-port needs tls-cert and tls-key");
	expect_error(TLSD "tls-cert = /c\n", 0, "needs tls-cert and tls-key");
	expect_error(DISP "password = x\ntls-cert = /c\n", 0,
	    "tls-* settings but no tls-port");
	expect_error(DISP "password = x\nsecure-channels = main\n", 0,
	    "secure-channels needs a tls-port");
	expect_error(TLSD "tls-cert = /c\ntls-key = /k\n"
	    "tls-require-client-cert = yes\n", 0, "needs tls-ca");
	expect_error(TLSD "tls-min-version = 1.1\n", 0,
	    "t.conf:6: tls-min-version must be 1.2 or 1.3");
	expect_error(TLSD "secure-channels = main,bogus\n", 0,
	    "t.conf:6: secure-channels: unknown channel \"bogus\"");
	expect_error(TLSD "tls-cert = relative.pem\n", 0,
	    "t.conf:6: tls-cert must be an absolute path");
	expect_error(DISP "password = x\ntls-port = 5901\n", 0,
	    "t.conf:5: tls-port must be HOST:PORT");
	expect_error(TLSD "tls-require-client-cert = maybe\n", 0,
	    "must be yes or no");
	expect_error(TLSD "tls-ciphers = \"\"\n", 0,
	    "tls-ciphers must be 1 to");
}

/* control-socket and control-group (global keys). */
static void
test_control(void)
{
#define CTLD "[display a]\nlisten = :1\nproducer-socket = /p\n" \
	    "disable-ticketing = yes\n"
	struct spd_err err;

	/* Default: RUN-DIR/control; none in /tmp (the non-root default). */
	if (conf_load_string(&c, "run-dir = /run/q\n" CTLD, "t.conf", 0,
	    &err) != 0)
		TEST_FAIL("%s", err.msg);
	ASSERT_STR_EQ(c.c_control_path, "/run/q/control");
	ASSERT_INT_EQ(c.c_control_group_set, 0);
	if (conf_load_string(&c, CTLD, "t.conf", 0, &err) != 0)
		TEST_FAIL("%s", err.msg);
	ASSERT_STR_EQ(c.c_control_path, "");
	if (conf_load_string(&c, "control-socket = /x/ctl\n"
	    "control-group = 4321\n" CTLD, "t.conf", 0, &err) != 0)
		TEST_FAIL("%s", err.msg);
	ASSERT_STR_EQ(c.c_control_path, "/x/ctl");
	ASSERT_INT_EQ(c.c_control_group_set, 1);
	ASSERT_INT_EQ(c.c_control_group, 4321);
	if (conf_load_string(&c, "run-dir = /run/q\ncontrol-socket = none\n"
	    CTLD, "t.conf", 0, &err) != 0)
		TEST_FAIL("%s", err.msg);
	ASSERT_STR_EQ(c.c_control_path, "");
	if (conf_load_string(&c, "control-group = root\n" CTLD, "t.conf", 0,
	    &err) != 0)
		TEST_FAIL("%s", err.msg);
	ASSERT_INT_EQ(c.c_control_group, 0);
	expect_error("control-socket = rel/ctl\n" CTLD, 0,
	    "t.conf:1: control-socket must be an absolute path");
	expect_error("control-group = no-such-group-xyz\n" CTLD, 0,
	    "t.conf:1: control-group: unknown group");
	/* user: the supervisor's own, never root. */
	if (conf_load_string(&c, "user = 4321:4322\n" CTLD, "t.conf", 0,
	    &err) != 0)
		TEST_FAIL("%s", err.msg);
	ASSERT_INT_EQ(c.c_user.set, 1);
	ASSERT_INT_EQ(c.c_user.uid, 4321);
	ASSERT_INT_EQ(c.c_user.gid, 4322);
	expect_error("user = 0:0\n" CTLD, 0, "t.conf:1: user must not be root");
	expect_error("user = nosuchuser-xyz\n" CTLD, 0, "t.conf:1: user");
	/* keep-sessions: on unless turned off. */
	ASSERT_INT_EQ(c.c_keep_sessions, 1);
	if (conf_load_string(&c, "keep-sessions = no\n" CTLD, "t.conf", 0,
	    &err) != 0)
		TEST_FAIL("%s", err.msg);
	ASSERT_INT_EQ(c.c_keep_sessions, 0);
	expect_error("keep-sessions = maybe\n" CTLD, 0, "t.conf:1:");
#undef CTLD
}

static void
test_sasl(void)
{
	struct spd_err err;

	if (conf_load_string(&c, "sasl-config-dir = /etc/x\n" DISP
	    "sasl = yes\nsasl-realm = EX.ORG\nsasl-server-name = vdi\n"
	    "sasl-mechanisms = GSSAPI, DIGEST-MD5\nsasl-max-steps = 3\n",
	    "t.conf", 0, &err) != 0)
		TEST_FAIL("%s", err.msg);
	ASSERT_INT_EQ(c.c_displays[0].cd_sasl, 1);
	ASSERT_STR_EQ(c.c_sasl_appname, "spice");
	ASSERT_STR_EQ(c.c_sasl_config_dir, "/etc/x");
	ASSERT_STR_EQ(c.c_displays[0].cd_sasl_realm, "EX.ORG");
	ASSERT_STR_EQ(c.c_displays[0].cd_sasl_server_name, "vdi");
	ASSERT_STR_EQ(c.c_displays[0].cd_sasl_mechs, ",GSSAPI,DIGEST-MD5,");
	ASSERT_INT_EQ(c.c_displays[0].cd_sasl_max_steps, 3);
	if (conf_load_string(&c, DISP "sasl = yes\n", "t.conf", 0, &err) != 0)
		TEST_FAIL("%s", err.msg);
	ASSERT_INT_EQ(c.c_displays[0].cd_sasl_max_steps, 10);
	ASSERT_STR_EQ(c.c_displays[0].cd_sasl_mechs, "");
	expect_error(DISP "sasl = yes\npassword = x\n", 0,
	    "replaces ticket authentication; remove password");
	expect_error(DISP "sasl = yes\nsasl-mechanisms = gssapi\n", 0,
	    "t.conf:5: sasl-mechanisms: bad mechanism name");
	expect_error(DISP "sasl = yes\nsasl-mechanisms = ,\n", 0,
	    "sasl-mechanisms is empty");
	expect_error(DISP "sasl = yes\nsasl-max-steps = 11\n", 0,
	    "sasl-max-steps must be a number from 0 to 10");
}

int
main(void)
{
	test_good();
	test_errors();
	test_tls();
	test_control();
	test_sasl();
	printf("test-conf: all passed\n");
	return 0;
}
