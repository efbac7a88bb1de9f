/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * guest-agent: a small SPICE guest agent for the spiced-qemu tests, run
 * inside the test's Linux guest on the virtio port com.redhat.spice.0
 * (what spice-vdagent does in a real guest, reduced to what the tests
 * check).  Built static: the guest has nothing but busybox.
 *
 *   guest-agent /dev/vportNpM
 *
 * It announces its capabilities (clipboard by demand), then offers the
 * guest's clipboard (UTF-8 text "from the guest") with a GRAB, and logs
 * on standard output (the guest's serial console) one line per event:
 *   agent: caps from the client
 *   agent: clipboard request, sent N bytes
 *   agent: client clipboard: TEXT
 *   agent: monitors N: WxH[+X+Y]...
 * It asks for the client's clipboard when the client grabs, and answers
 * MONITORS_CONFIG with a successful REPLY.  Messages of other types are
 * logged by number.  One client clipboard text is a command, for the
 * tests: "bad-chunk" writes a chunk for port 7 (a hostile guest), waits a
 * second and exits (the guest closes the port; its init starts the agent
 * again).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spice/vd_agent.h>

#define GA_CHUNK	2048	/* as spice-vdagent chunks its messages */
#define GA_MAX_MSG	(1u << 20)
#define GA_TEXT		"from the guest"

static int ga_fd;

static void
ga_write_all(const void *buf, size_t n)
{
	const uint8_t *p = buf;
	ssize_t w;

	while (n > 0) {
		if ((w = write(ga_fd, p, n)) <= 0) {
			perror("agent: write");
			exit(1);
		}
		p += w;
		n -= (size_t)w;
	}
}

/* One message to the client, in chunks. */
static void
ga_send(uint32_t type, const void *data, uint32_t size)
{
	uint8_t buf[sizeof(VDAgentMessage) + 256];
	VDAgentMessage m = { VD_AGENT_PROTOCOL, type, 0, size };
	VDIChunkHeader h;
	size_t len = sizeof(m) + size, off = 0, n;

	if (size > sizeof(buf) - sizeof(m))
		abort();
	memcpy(buf, &m, sizeof(m));
	memcpy(buf + sizeof(m), data, size);
	while (off < len) {
		n = len - off < GA_CHUNK ? len - off : GA_CHUNK;
		h.port = VDP_CLIENT_PORT;
		h.size = (uint32_t)n;
		ga_write_all(&h, sizeof(h));
		ga_write_all(buf + off, n);
		off += n;
	}
}

static void
ga_caps(int request)
{
	uint8_t buf[sizeof(VDAgentAnnounceCapabilities) + 4];
	VDAgentAnnounceCapabilities *c = (VDAgentAnnounceCapabilities *)buf;

	memset(buf, 0, sizeof(buf));
	c->request = (uint32_t)request;
	c->caps[0] = 1u << VD_AGENT_CAP_CLIPBOARD_BY_DEMAND;
	ga_send(VD_AGENT_ANNOUNCE_CAPABILITIES, buf, sizeof(buf));
}

static void
ga_message(uint32_t type, const uint8_t *d, uint32_t size)
{
	const VDAgentMonitorsConfig *mc;
	uint8_t out[4 + sizeof(GA_TEXT) - 1];
	uint32_t u, i;
	VDAgentReply r;

	switch (type) {
	case VD_AGENT_ANNOUNCE_CAPABILITIES:
		printf("agent: caps from the client\n");
		memcpy(&u, d, 4);
		if (u)
			ga_caps(0);
		break;
	case VD_AGENT_CLIPBOARD_GRAB:
		u = VD_AGENT_CLIPBOARD_UTF8_TEXT;
		ga_send(VD_AGENT_CLIPBOARD_REQUEST, &u, 4);
		printf("agent: client grabbed its clipboard\n");
		break;
	case VD_AGENT_CLIPBOARD:
		printf("agent: client clipboard: %.*s\n", (int)(size - 4),
		    (const char *)d + 4);
		if (size - 4 == 9 && memcmp(d + 4, "bad-chunk", 9) == 0) {
			VDIChunkHeader bad = { 7, 5 };

			ga_write_all(&bad, sizeof(bad));
			ga_write_all("hello", 5);
			sleep(1);
			exit(0);
		}
		break;
	case VD_AGENT_CLIPBOARD_REQUEST:
		u = VD_AGENT_CLIPBOARD_UTF8_TEXT;
		memcpy(out, &u, 4);
		memcpy(out + 4, GA_TEXT, sizeof(GA_TEXT) - 1);
		ga_send(VD_AGENT_CLIPBOARD, out, sizeof(out));
		printf("agent: clipboard request, sent %zu bytes\n",
		    sizeof(GA_TEXT) - 1);
		break;
	case VD_AGENT_MONITORS_CONFIG:
		mc = (const VDAgentMonitorsConfig *)d;
		if (size < sizeof(*mc) || mc->num_of_monitors > 16 ||
		    size < sizeof(*mc) + mc->num_of_monitors *
		    sizeof(VDAgentMonConfig))
			break;
		printf("agent: monitors %u:", mc->num_of_monitors);
		for (i = 0; i < mc->num_of_monitors; i++)
			printf(" %ux%u+%d+%d", mc->monitors[i].width,
			    mc->monitors[i].height, mc->monitors[i].x,
			    mc->monitors[i].y);
		printf("\n");
		r.type = VD_AGENT_MONITORS_CONFIG;
		r.error = VD_AGENT_SUCCESS;
		ga_send(VD_AGENT_REPLY, &r, sizeof(r));
		break;
	default:
		printf("agent: message type %u, %u bytes\n", type, size);
		break;
	}
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	static uint8_t msg[GA_MAX_MSG];
	VDIChunkHeader h;
	VDAgentMessage m;
	uint32_t have = 0, need = sizeof(m);
	uint8_t chunk[GA_CHUNK * 2];
	ssize_t n;
	size_t got;
	uint32_t u = VD_AGENT_CLIPBOARD_UTF8_TEXT;

	if (argc != 2 || (ga_fd = open(argv[1], O_RDWR)) == -1) {
		fprintf(stderr, "usage: guest-agent PORT_DEVICE\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ga_caps(1);
	ga_send(VD_AGENT_CLIPBOARD_GRAB, &u, 4);
	printf("agent: started on %s\n", argv[1]);
	for (;;) {
		/* A chunk: its header, then its bytes, appended to the
		 * message being gathered. */
		for (got = 0; got < sizeof(h); got += (size_t)n)
			if ((n = read(ga_fd, (uint8_t *)&h + got,
			    sizeof(h) - got)) <= 0)
				return 1;
		if (h.size > sizeof(chunk))
			return 3;
		for (got = 0; got < h.size; got += (size_t)n)
			if ((n = read(ga_fd, chunk + got, h.size - got)) <= 0)
				return 1;
		if (have + h.size > sizeof(msg))
			return 3;
		memcpy(msg + have, chunk, h.size);
		have += h.size;
		while (have >= sizeof(m)) {
			memcpy(&m, msg, sizeof(m));
			need = (uint32_t)sizeof(m) + m.size;
			if (need > sizeof(msg))
				return 3;
			if (have < need)
				break;
			ga_message(m.type, msg + sizeof(m), m.size);
			memmove(msg, msg + need, have - need);
			have -= need;
		}
	}
}
