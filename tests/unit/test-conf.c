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
	    "password-expires = 1700000000\n"
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
	ASSERT_INT_EQ(c.c_displays[0].cd_password_expires, 1700000000);
	ASSERT_INT_EQ(c.c_displays[1].cd_password_expires, 0);
	ASSERT_INT_EQ(c.c_displays[0].cd_link_timeout, 10);
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
	    "must not be root");
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
	expect_error(DISP "password = x\nproducer-socket = rel\n", 0,
	    "absolute path");
	expect_error("[display \"d\"]\nproducer-socket = /p\npassword = x\n",
	    0, "neither listen nor unix-socket");
	expect_error(DISP "password = x\n[display \"e\"]\nlisten = :2\n"
	    "producer-socket = /p\npassword = y\n", 0, "reuses a socket path");
	expect_error(DISP "password = \"x\n", 0, "badly quoted");
	expect_error(DISP "password = x\npassword-expires = soon\n", 0,
	    "t.conf:5: password-expires must be");
}

int
main(void)
{
	test_good();
	test_errors();
	printf("test-conf: all passed\n");
	return 0;
}
