#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The guest agent of a VM through spiced-qemu: a real QEMU (TCG) boots a
Linux guest the test builds (Debian's cloud kernel, busybox, the virtio
console modules and tests/tools/guest-agent, a small agent speaking the
VDAgent protocol on the com.redhat.spice.0 port, logging on the serial
console), with the agent's chardev on QEMU's D-Bus display
(-chardev dbus,name=org.spice-space.vdagent.0 + virtserialport).  The
real spice-gtk client sees the agent connect once the guest opens its
port; the guest's clipboard reaches the client and the client's reaches
the guest; a monitor configuration from the client reaches the guest;
a guest writing a chunk for a port that does not exist loses its agent
(logged with the reason, the client told it left) while spiced, the
bridge and the viewer stay; when the guest's agent starts again (the
port reopened) the client has it back and its clipboard works."""

import common
import spice_client
import vm
from common import check
from spice_client import Spice

UTF8 = 1
CLIPBOARD = 0


def main():
    vm.need_linux()
    uid = common.producer_uid()
    sp = common.Spiced(password="pw", extra=common.producer_conf(uid))
    common.wait_producer_socket(sp)
    q = vm.Qemu(uid, extra=vm.AGENT_CHARDEV, linux=True)
    bridge = vm.start_bridge(sp, q, uid)
    c = spice_client.connect(port=sp.port, password="pw")
    clip = spice_client.Clip(c)
    c.wait_until(clip.ready, 60, "the guest agent")
    sp.wait_log(r"spiced-qemu\[\d+\]: info: guest agent: the guest opened its port", 5)

    # The guest's clipboard, offered at its start.
    c.wait_until(lambda: clip.grabs, 10, "the guest's clipboard grab")
    check(clip.grabs[-1] == (CLIPBOARD, [UTF8]), "guest grab %r" % clip.grabs)
    Spice.MainChannel.clipboard_selection_request(clip.m, CLIPBOARD, UTF8)
    c.wait_until(lambda: clip.data, 10, "the guest's clipboard text")
    check(clip.data[-1] == (CLIPBOARD, UTF8, b"from the guest"), "guest text %r" % clip.data)
    q.wait_serial(r"agent: clipboard request, sent 14 bytes", 5, c)

    # The client's clipboard, asked for by the guest.
    clip.offer[CLIPBOARD] = b"from the client"
    Spice.MainChannel.clipboard_selection_grab(clip.m, CLIPBOARD, [UTF8])
    q.wait_serial(r"agent: client clipboard: from the client", 10, c)

    # A monitor configuration.
    Spice.MainChannel.update_display_enabled(clip.m, 0, True, False)
    Spice.MainChannel.update_display(clip.m, 0, 0, 0, 1024, 768, True)
    Spice.MainChannel.send_monitor_config(clip.m)
    q.wait_serial(r"agent: monitors 1: 1024x768\+0\+0", 10, c)

    # A hostile guest: a chunk for a port that does not exist.  The agent
    # is cut off (the client told), the bridge, spiced and the viewer
    # stay; the guest's agent exits and starts again, and the client has
    # its agent back.
    mark = sp.log_mark()
    ngrabs = len(clip.grabs)
    clip.offer[CLIPBOARD] = b"bad-chunk"
    Spice.MainChannel.clipboard_selection_grab(clip.m, CLIPBOARD, [UTF8])
    sp.wait_log(r"guest agent: chunk for port 7 of 5 bytes .* the agent is "
                r"disconnected until the guest opens its port again", 10, mark, client=c)
    c.wait_until(lambda: not clip.connected(), 10, "the agent cut off")
    check(bridge.poll() is None and sp.alive() and not c.disconnected,
          "the bridge, spiced or the viewer went with the bad chunk")
    q.wait_serial(r"guest: agent exited 0", 10, c)
    c.wait_until(clip.connected, 20, "the agent back")
    ndata = len(clip.data)
    # The new agent offers the guest's clipboard after its capabilities.
    c.wait_until(lambda: len(clip.grabs) > ngrabs, 10, "the new agent's clipboard grab")
    Spice.MainChannel.clipboard_selection_request(clip.m, CLIPBOARD, UTF8)
    c.wait_until(lambda: len(clip.data) > ndata, 10, "the new agent's clipboard text")
    check(clip.data[-1] == (CLIPBOARD, UTF8, b"from the guest"), "new agent's text %r"
          % (clip.data[-1],))
    c.wait_until(lambda: q.serial().count("agent: started on") == 2, 10,
                 "the guest's log of the agent's second start")
    q.wait_serial(r"agent: started on[^\n]*\n(.*\n)*agent: monitors 1: 1024x768", 10, c)
    check(c.primary is not None, "the viewer lost its picture")


common.run(main)
