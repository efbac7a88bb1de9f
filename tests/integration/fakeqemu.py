# SPDX-License-Identifier: LGPL-2.1-or-later
"""QEMU's side of the D-Bus display as QEMU 9.2 and later play it, for
what Debian 12's QEMU 7.2 cannot show: the shared-memory scanouts of the
optional org.qemu.Display1.Listener.Unix.Map interface.  Written from
QEMU's ui/dbus-display1.xml and ui/dbus-listener.c (read for the facts,
not copied): the listener says what it implements in its Interfaces
property; QEMU then calls ScanoutMap(h fd, u offset, u width, u height,
u stride, u pixman_format) with the memfd of the console's surface, which
it does not seal, and UpdateMap(i x, i y, i width, i height) for each
change, instead of pixels inline.

Display(fd) serves a peer-to-peer display connection (what QMP
add_client hands spiced-qemu, given to it with --fd): a VM with one
graphic console or more, each with a label, a mouse and a keyboard, no
chardevs, no audio.  When the bridge registers its listener on console
N, Display.listeners[N] is the D-Bus connection to it (listener: console
0's), with QEMU as the server, as QEMU does; call() and call_fd() call
a listener's methods.  Everything runs on the GLib main context, which the
test's spice-gtk client loop iterates."""

import os
import socket

import gi
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib   # noqa: E402

IFACE = "org.qemu.Display1"
LISTENER = "/org/qemu/Display1/Listener"
CONSOLE = "/org/qemu/Display1/Console_%d"
VM = "/org/qemu/Display1/VM"
# Pixman format codes (pixman.h: PIXMAN_FORMAT(bpp, type, a, r, g, b)).
X8R8G8B8 = 0x20020888
R5G6B5 = 0x10020565

# What of QEMU's interfaces the bridge uses, declared for GDBus.
NODE_XML = """
<node>
  <interface name="org.qemu.Display1.Console">
    <method name="RegisterListener"><arg type="h" name="listener" direction="in"/></method>
    <property name="Label" type="s" access="read"/>
    <property name="Type" type="s" access="read"/>
    <property name="Width" type="u" access="read"/>
    <property name="Height" type="u" access="read"/>
  </interface>
  <interface name="org.qemu.Display1.Mouse">
    <property name="IsAbsolute" type="b" access="read"/>
  </interface>
  <interface name="org.qemu.Display1.Keyboard">
    <property name="Modifiers" type="u" access="read"/>
  </interface>
</node>"""
VM_XML = """
<node>
  <interface name="org.qemu.Display1.VM">
    <property name="ConsoleIDs" type="au" access="read"/>
  </interface>
</node>"""
MANAGER_XML = """
<node>
  <interface name="org.freedesktop.DBus.ObjectManager">
    <method name="GetManagedObjects">
      <arg type="a{oa{sa{sv}}}" name="objects" direction="out"/>
    </method>
  </interface>
</node>"""


class Display:
    """The server end of a display connection on sock (a socket)."""

    def __init__(self, sock, width=640, height=480, consoles=1):
        self.width, self.height = width, height
        self.consoles = consoles
        self.listeners = {}
        self.calls = []          # methods the bridge called on us
        self._sock = sock
        stream = Gio.Socket.new_from_fd(sock.detach()).connection_factory_create_connection()
        self._auth = Gio.DBusAuthObserver.new()
        # The bridge runs as another user than the test: allow it, as
        # QEMU's p2p server allows its one client.
        self._auth.connect("authorize-authenticated-peer", lambda *a: True)
        self.conn = None
        Gio.DBusConnection.new(stream, Gio.dbus_generate_guid(),
                               Gio.DBusConnectionFlags.AUTHENTICATION_SERVER |
                               Gio.DBusConnectionFlags.DELAY_MESSAGE_PROCESSING,
                               self._auth, None, self._connected)

    def _connected(self, _src, res):
        self.conn = Gio.DBusConnection.new_finish(res)
        node = Gio.DBusNodeInfo.new_for_xml(NODE_XML)
        for n in range(self.consoles):
            for iface in node.interfaces:
                self.conn.register_object(CONSOLE % n, iface, self._method, self._property,
                                          None)
        self.conn.register_object(VM, Gio.DBusNodeInfo.new_for_xml(VM_XML).interfaces[0],
                                  self._method, self._property, None)
        manager = Gio.DBusNodeInfo.new_for_xml(MANAGER_XML)
        self.conn.register_object("/org/qemu/Display1", manager.interfaces[0],
                                  self._method, None, None)
        self.conn.start_message_processing()

    @property
    def listener(self):
        return self.listeners.get(0)

    def _property(self, _conn, _sender, path, iface, prop):
        return {"Label": GLib.Variant("s", "VGA" + path[len(CONSOLE) - 2:]),
                "Type": GLib.Variant("s", "Graphic"),
                "ConsoleIDs": GLib.Variant("au", list(range(self.consoles))),
                "Width": GLib.Variant("u", self.width),
                "Height": GLib.Variant("u", self.height),
                "IsAbsolute": GLib.Variant("b", False),
                "Modifiers": GLib.Variant("u", 0)}.get(prop)

    def _method(self, _conn, _sender, path, iface, method, params, invocation):
        self.calls.append(method)
        if method == "GetManagedObjects":
            invocation.return_value(GLib.Variant("(a{oa{sa{sv}}})", ({},)))
        elif method == "RegisterListener":
            fds = invocation.get_message().get_unix_fd_list()
            fd = fds.get(params.unpack()[0])
            invocation.return_value(None)
            self._listen(fd, int(path[len(CONSOLE) - 2:]))
        else:
            invocation.return_dbus_error(IFACE + ".Error.Unsupported", method)

    def _listen(self, fd, n):
        # As QEMU: the listener's connection with us as the server.
        stream = Gio.Socket.new_from_fd(fd).connection_factory_create_connection()
        Gio.DBusConnection.new(stream, Gio.dbus_generate_guid(),
                               Gio.DBusConnectionFlags.AUTHENTICATION_SERVER,
                               self._auth, None, self._listening, n)

    def _listening(self, _src, res, n):
        self.listeners[n] = Gio.DBusConnection.new_finish(res)

    def interfaces(self):
        """The listener's Interfaces property."""
        v = self.listener.call_sync(None, LISTENER, "org.freedesktop.DBus.Properties", "Get",
                                    GLib.Variant("(ss)", (IFACE + ".Listener", "Interfaces")),
                                    GLib.VariantType("(v)"), Gio.DBusCallFlags.NONE, 5000, None)
        return v.unpack()[0]

    def call(self, iface, method, signature, args, console=0):
        """A listener method (console's); raises GLib.Error when the
        bridge refuses."""
        self.listeners[console].call_sync(None, LISTENER, IFACE + "." + iface, method,
                                GLib.Variant(signature, args), None,
                                Gio.DBusCallFlags.NONE, 5000, None)

    def call_fd(self, iface, method, signature, args, fd):
        """A listener method that passes fd (as handle 0)."""
        fds = Gio.UnixFDList.new()
        fds.append(fd)
        self.listener.call_with_unix_fd_list_sync(None, LISTENER, IFACE + "." + iface, method,
                                                  GLib.Variant(signature, args), None,
                                                  Gio.DBusCallFlags.NONE, 5000, fds, None)


def socketpair():
    """(ours, the bridge's) ends of a display connection."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)


def memfd(size, name="displaysurface"):
    """A memfd of size bytes, unsealed, as QEMU allocates its surfaces."""
    fd = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, size)
    return fd
