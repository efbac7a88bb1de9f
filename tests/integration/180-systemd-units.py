#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The systemd units as a user runs them, under a real systemd booted in a
container of its own (tests/integration/nspawn.py): spiced installed with
`make install`, spiced.service enabled, spiced-qemu@vm.service started by
systemctl for a QEMU the test runs on the host (its QMP socket bound into
the container as /run/qemu/vm.qmp).

spiced comes up (Type=notify: active only once it said READY); the
bridge runs as the unit's user with no capabilities, no_new_privs and a
seccomp filter; the real spice-gtk client on the host sees QEMU's
screen exactly.  `systemctl reload spiced` takes a display added to
spiced.conf.  QEMU going away ends the bridge with status 1, systemd
restarts it, and the next QEMU's screen reaches the same viewer.
`systemctl restart spiced` refuses no connection (its listener waits in
systemd's fd store and the new supervisor takes it back), and keeps the
viewer's session: the new supervisor adopts its workers and the bridge's
connection (the bridge is not restarted), and keys typed in the viewer
after the restart reach the guest, whose echo the viewer shows; so do
they after kill -9 of the supervisor, which systemd restarts and which
adopts the standby its predecessor kept in the fd store; a ticket
set with spicectl outlives the next restart, and so does a .vv file's
one-time ticket (one session, after it too); after `systemctl stop` the
port is closed.
Two tenants' supervisors (spiced@alpha, spiced@beta: each its own config
under PREFIX/etc/spiced, run-dir, port and worker uid) run beside it,
each taking only its own password.  The sysusers.d and tmpfiles.d files
made their accounts and directories at boot; a third tenant's socket unit
(spiced@gamma.socket, a TCP port added by a drop-in) starts its supervisor
at the first link, which then runs its ticket-key helper as the
spiced-keygen user; with PrivateNetwork=yes (a drop-in) it and its
workers share a network namespace apart from the host's.  Stopping the units ends them
cleanly (spiced exits 0).  The supervisor runs as the user spiced with
no_new_privs and only CAP_SETUID, CAP_SETGID, CAP_SYS_CHROOT and CAP_KILL,
yet starts its workers under their own uids, and the bridge (another uid)
reaches its producer socket through the ACL spiced gave it; a tenant's
spiced.conf readable only by root and the group spiced is enough;
systemd-analyze security rates every unit at most 2.0."""

import os
import re
import socket
import subprocess
import threading
import time

import common
import nspawn
import rawlink
import spice_client
import vm
from common import check
from spice_client import Spice

KEY_A, KEY_B, KEY_C = 0x1e, 0x30, 0x2e


def same_as_qemu(c, q, what, timeout=30):
    """Wait until the client shows QEMU's screendump, pixel for pixel."""
    def same():
        w, h, rgb = q.screendump()
        return c.primary is not None and (c.primary["width"], c.primary["height"]) == (w, h) \
            and c.snapshot() == rgb
    c.wait_until(same, timeout, what)
    return q.screendump()


# CAP_KILL, SETGID, SETUID, SYS_CHROOT.
SPICED_CAPS = 1 << 5 | 1 << 6 | 1 << 7 | 1 << 18
# systemd-analyze security's exposure at most, for every unit.
EXPOSURE = {"spiced-qemu@.service": 2.0, "spiced.service": 2.0, "spiced@.service": 2.0,
            "spiced-tenant@.service": 2.0}

# The displays' workers: uids no one else uses in the container.
WORKER_UID = 64001


def conf(port, uid, port2=None):
    text = ("run-dir = /run/spiced\n"
            "[display \"vm\"]\n"
            "listen = 127.0.0.1:%d\n"
            "producer-socket = /run/spiced/vm.qxl\n"
            "producer-user = %d:%d\n"
            "worker-user = %d:%d\n"
            "password = pw\n" % (port, uid, uid, WORKER_UID, WORKER_UID))
    if port2 is not None:
        text += ("[display \"vm2\"]\nlisten = 127.0.0.1:%d\nproducer-socket = /run/spiced/vm2.qxl\n"
                 "worker-user = %d:%d\n"
                 "password = pw\n" % (port2, WORKER_UID + 1, WORKER_UID + 1))
    return text


def exposure(path):
    """systemd-analyze security's overall exposure of a unit file."""
    r = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager", path],
                       capture_output=True, text=True)
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", r.stdout)
    check(m is not None, "systemd-analyze security %s: %s" % (path, r.stdout[-500:] + r.stderr))
    return float(m.group(1))


def prompt(q):
    """Whether the echo guest's last line is its bare prompt ">"."""
    rows = q.text_screen()
    while rows and not rows[-1]:
        rows.pop()
    return bool(rows) and rows[-1] == ">"


def typed(c, q, key, what, first=True):
    """Type key through the viewer's inputs channel at the guest's prompt
    (first: the bare prompt, nothing typed yet); returns QEMU's screen
    once the viewer shows the echo."""
    if first:
        c.wait_until(lambda: prompt(q), 60, "the guest's prompt")
    before = q.screendump()
    Spice.InputsChannel.key_press_and_release(c.channel(spice_client.CHANNEL_INPUTS), key)
    c.wait_until(lambda: q.screendump() != before, 20, "the guest to echo a key " + what)
    return same_as_qemu(c, q, what)


def main():
    nspawn.need()
    vm.need()
    uid = common.producer_uid()
    qdir = common.tmpdir()
    os.chmod(qdir, 0o777)
    qmp = os.path.join(qdir, "vm.qmp")
    q = vm.Qemu(uid, qmp_path=qmp)

    port = common.free_port()
    ct = nspawn.Container(binds={qdir: "/run/qemu"}, users={"qemu": uid})
    conf_path = os.path.join(ct.prefix, "etc/spiced.conf")
    ct.write(conf_path, conf(port, uid))
    ct.enable("spiced.service")
    # The capless tenant's user, made at boot the way spiced(8) says.
    ct.write("/etc/sysusers.d/spiced-delta.conf", 'u spiced-delta - "spiced tenant delta"\n')
    for unit, most in EXPOSURE.items():
        e = exposure(ct.path(os.path.join(ct.prefix, "lib/systemd/system", unit)))
        print("systemd-analyze security: %s %.1f" % (unit, e))
        check(e <= most, "%s exposure %.1f, want at most %.1f" % (unit, e, most))
    print("container: %s" % ct.boot())
    try:
        in_container(ct, q, qmp, port, uid, conf_path)
    except Exception:
        for unit in ("spiced.service", "spiced-qemu@vm.service", "spiced@alpha.service",
                     "spiced@gamma.service", "spiced-tenant@delta.service"):
            print("---- journal of %s ----\n%s" % (unit, ct.journal(unit)[-3000:]))
        raise


def in_container(ct, q, qmp, port, uid, conf_path):
    check(ct.show("spiced.service", "ActiveState") == "active",
          "spiced.service is %s: %s" % (ct.show("spiced.service", "ActiveState"),
                                        ct.journal("spiced.service")[-2000:]))
    check(ct.show("spiced.service", "StatusText").startswith("1 display"),
          "spiced's STATUS: %r" % ct.show("spiced.service", "StatusText"))

    # The supervisor: the user spiced, only the capabilities its unit
    # gives it, and no_new_privs; its workers still start under theirs.
    svc_uid = int(ct.run(["getent", "passwd", "spiced"]).stdout.split(":")[2])
    main_pid = int(ct.show("spiced.service", "MainPID"))
    st = ct.status(main_pid)
    check(st["Uid"].split()[0] == str(svc_uid), "spiced runs as uid %s, want spiced (%d)"
          % (st["Uid"], svc_uid))
    check(int(st["CapBnd"], 16) == SPICED_CAPS and int(st["CapEff"], 16) == SPICED_CAPS
          and st["NoNewPrivs"] == "1", "spiced: CapBnd %s CapEff %s NoNewPrivs %s"
          % (st["CapBnd"], st["CapEff"], st["NoNewPrivs"]))

    # The bridge, as the template runs it.
    ct.systemctl("start", "spiced-qemu@vm.service")
    c = spice_client.connect(port=port, password="pw")
    c.wait_primary(30)
    same_as_qemu(c, q, "QEMU's screen through the units")
    before = typed(c, q, KEY_A, "typed in the viewer")
    check(WORKER_UID in ct.child_uids(main_pid), "spiced's workers run as %r"
          % ct.child_uids(main_pid))
    pid = int(ct.show("spiced-qemu@vm.service", "MainPID"))
    st = ct.status(pid)
    check(st["Uid"].split()[0] == str(uid), "bridge uid %r, want %d" % (st["Uid"], uid))
    check(st["NoNewPrivs"] == "1" and st["Seccomp"] == "2" and int(st["CapEff"], 16) == 0,
          "bridge: NoNewPrivs %s Seccomp %s CapEff %s" % (st["NoNewPrivs"], st["Seccomp"],
                                                          st["CapEff"]))

    # systemctl reload: a display added to spiced.conf.
    port2 = common.free_port()
    ct.write(conf_path, conf(port, uid, port2))
    r = ct.systemctl("reload", "spiced.service", check=False)
    check(r.returncode == 0, "systemctl reload spiced: %s\n%s" % (
        r.stderr.strip(), ct.journal("spiced.service")[-2500:]))
    try:
        common.wait_for(lambda: 'reload: display "vm2" added' in ct.journal("spiced.service"),
                        10, "spiced's journal to say the display was added")
    except common.TestFailure as e:
        raise common.TestFailure("%s:\n%s" % (e, ct.journal("spiced.service")[-1500:]))
    s = socket.create_connection(("127.0.0.1", port2), timeout=5)
    s.close()
    check(ct.show("spiced.service", "MainPID") != "0" and not c.disconnected,
          "the reload restarted spiced or dropped the viewer")

    # QEMU goes: the bridge exits 1 and is restarted; the next QEMU (its
    # prompt without the key typed in the first) reaches the same viewer.
    q.stop()
    common.wait_for(lambda: int(ct.show("spiced-qemu@vm.service", "NRestarts") or 0) >= 1, 20,
                    "systemd to restart the bridge")
    check("QEMU closed the display" in ct.journal("spiced-qemu@vm.service"),
          "the bridge's journal: %s" % ct.journal("spiced-qemu@vm.service")[-1500:])
    if os.path.exists(qmp):
        os.unlink(qmp)
    q2 = vm.Qemu(uid, qmp_path=qmp)
    c.wait_until(lambda: q2.screendump() != before, 30, "the second guest's screen")
    same_as_qemu(c, q2, "the second QEMU's screen after systemd restarted the bridge", 60)
    check(not c.disconnected, "the viewer was dropped")
    restart_keeps_viewer(ct, port, c, q2)
    c.disconnect()

    # One supervisor per tenant (spiced@NAME.service), side by side with
    # the main one: each its own config, run-dir, port and worker uid.
    tenants = {}
    for i, name in enumerate(("alpha", "beta")):
        tport = common.free_port()
        tenants[name] = tport
        ct.write(os.path.join(ct.prefix, "etc/spiced/%s.conf" % name),
                 "run-dir = /run/spiced-%s\n[display \"%s\"]\nlisten = 127.0.0.1:%d\n"
                 "producer-socket = /run/spiced-%s/%s.qxl\nworker-user = %d:%d\n"
                 "password = %s-pw\n" % (name, name, tport, name, name, WORKER_UID + 10 + i,
                                        WORKER_UID + 10 + i, name))
        if name == "alpha":
            # Passwords inside: root's and the group spiced's only.
            ct.run(["chgrp", "spiced", os.path.join(ct.prefix, "etc/spiced/alpha.conf")])
            os.chmod(ct.path(os.path.join(ct.prefix, "etc/spiced/alpha.conf")), 0o640)
        ct.systemctl("start", "spiced@%s.service" % name)
    for i, (name, tport) in enumerate(tenants.items()):
        unit = "spiced@%s.service" % name
        check(ct.show(unit, "ActiveState") == "active", "%s: %s" % (unit, ct.journal(unit)[-1500:]))
        res, s = rawlink.link(tport, "%s-pw" % name, keep=True)
        check(res == 0, "%s: link refused: %s" % (name, rawlink.ERR.get(res, res)))
        s.close()
        other = [n for n in tenants if n != name][0]
        res, _ = rawlink.link(tport, "%s-pw" % other)
        check(res != 0, "%s took %s's password" % (name, other))
        workers = ct.child_uids(int(ct.show(unit, "MainPID")))
        check(WORKER_UID + 10 + i in workers, "%s's workers run as %r" % (name, workers))
    ct.systemctl("stop", "spiced@alpha.service", "spiced@beta.service")

    # sysusers.d and tmpfiles.d applied at boot.
    keygen = ct.run(["getent", "passwd", "spiced-keygen"]).stdout.split(":")
    ct.run(["getent", "group", "spiced"])
    ct.run(["test", "-d", "/run/spiced-sockets"])

    # A tenant started by its socket unit at the first link.
    gport = common.free_port()
    ct.write(os.path.join(ct.prefix, "etc/spiced/gamma.conf"),
             "run-dir = /run/spiced-gamma\nkeygen-user = spiced-keygen\n"
             "control-group = spiced\n[display \"gamma\"]\nlisten = 127.0.0.1:%d\n"
             "unix-socket = /run/spiced-sockets/gamma.sock\n"
             "producer-socket = /run/spiced-gamma/gamma.qxl\nworker-user = %d:%d\n"
             "password = gamma-pw\n" % (gport, WORKER_UID + 20, WORKER_UID + 20))
    ct.write("/etc/systemd/system/spiced@gamma.socket.d/port.conf",
             "[Socket]\nListenStream=127.0.0.1:%d\n" % gport)
    # Every listener from systemd: the tenant can do without a network.
    ct.write("/etc/systemd/system/spiced@gamma.service.d/net.conf",
             "[Service]\nPrivateNetwork=yes\n")
    ct.systemctl("daemon-reload")
    ct.systemctl("start", "spiced@gamma.socket")
    check(ct.show("spiced@gamma.service", "ActiveState") == "inactive",
          "spiced@gamma.service started before any link")
    res, s = rawlink.link(gport, "gamma-pw", keep=True, timeout=30)
    check(res == 0, "gamma: link refused: %s" % rawlink.ERR.get(res, res))
    s.close()
    check(ct.show("spiced@gamma.service", "ActiveState") == "active",
          "spiced@gamma.service after the link: %s" % ct.journal("spiced@gamma.service")[-1500:])
    uids = ct.child_uids(int(ct.show("spiced@gamma.service", "MainPID")))
    check(int(keygen[2]) in uids and WORKER_UID + 20 in uids,
          "gamma's helpers run as %r, want spiced-keygen (%s) and %d among them"
          % (uids, keygen[2], WORKER_UID + 20))
    # With PrivateNetwork=yes the supervisor and its workers share a
    # network namespace of their own, the link came through systemd's
    # socket, and nothing was bound in that namespace.
    gpid = int(ct.show("spiced@gamma.service", "MainPID"))
    nets = ct.run(["sh", "-c", "readlink /proc/1/ns/net /proc/%d/ns/net; "
                   "for s in /proc/[0-9]*/status; do grep -q '^PPid:[[:space:]]*%d$' "
                   "\"$s\" 2>/dev/null && readlink \"${s%%/status}/ns/net\"; done; true"
                   % (gpid, gpid)]).stdout.split()
    check(len(nets) >= 4 and nets[1] != nets[0] and set(nets[2:]) == {nets[1]},
          "network namespaces of the container, gamma's supervisor and its "
          "children: %s" % nets)
    check("only the loopback" not in ct.journal("spiced@gamma.service"),
          "gamma bound a listener of its own")
    ct.systemctl("stop", "spiced@gamma.socket", "spiced@gamma.service")
    capless_tenant(ct)

    # Stopping: both end cleanly, the bridge first.
    ct.systemctl("stop", "spiced-qemu@vm.service")
    q2.stop()
    ct.systemctl("stop", "spiced.service")
    for unit in ("spiced-qemu@vm.service", "spiced.service"):
        check(ct.show(unit, "ActiveState") == "inactive" and ct.show(unit, "Result") == "success",
              "%s after stop: %s/%s" % (unit, ct.show(unit, "ActiveState"), ct.show(unit, "Result")))
    # Stopped for good, systemd lets the kept sockets go, and with the
    # handed-over state, every worker the last supervisor left.
    common.wait_for(lambda: not spiced_procs(ct), 10, "spiced's workers to end after "
                    "systemctl stop")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        check(False, "port %d still accepts after systemctl stop" % port)
    except ConnectionRefusedError:
        pass


def capless_tenant(ct):
    """spiced-tenant@delta.service: the tenant's supervisor as its own user
    (spiced-delta, from a sysusers.d line) with no capability at all,
    started by spiced@delta.socket (a drop-in naming it); its workers keep
    that uid, each in a user namespace of its own with the run
    directory's empty root and a network namespace of its own; a restart
    keeps the session."""
    dport = common.free_port()
    path = os.path.join(ct.prefix, "etc/spiced/delta.conf")
    ct.write(path, "run-dir = /run/spiced-delta\n[display \"delta\"]\n"
             "listen = 127.0.0.1:%d\nunix-socket = /run/spiced-sockets/delta.sock\n"
             "producer-socket = /run/spiced-delta/delta.qxl\n"
             "password = delta-pw\n" % dport)
    ct.run(["chgrp", "spiced-delta", path])
    os.chmod(ct.path(path), 0o640)
    unit = "spiced-tenant@delta.service"
    ct.write("/etc/systemd/system/spiced@delta.socket.d/tenant.conf",
             "[Socket]\nListenStream=127.0.0.1:%d\nService=%s\n" % (dport, unit))
    ct.systemctl("daemon-reload")
    ct.systemctl("start", "spiced@delta.socket")
    res, s = rawlink.link(dport, "delta-pw", keep=True, timeout=30)
    check(res == 0, "delta: link refused: %s" % rawlink.ERR.get(res, res))
    check(ct.show(unit, "ActiveState") == "active", "%s: %s" % (unit, ct.journal(unit)[-1500:]))
    duid = ct.run(["getent", "passwd", "spiced-delta"]).stdout.split(":")[2]
    pid = int(ct.show(unit, "MainPID"))
    st = ct.status(pid)
    check(st["Uid"].split() == [duid] * 4 and int(st["CapEff"], 16) == 0 and
          int(st["CapPrm"], 16) == 0 and int(st["CapBnd"], 16) == 0 and
          st["NoNewPrivs"] == "1" and st["Seccomp"] == "2",
          "delta's supervisor: Uid %s (want %s) CapEff %s CapPrm %s CapBnd %s NoNewPrivs %s "
          "Seccomp %s" % (st["Uid"], duid, st["CapEff"], st["CapPrm"], st["CapBnd"],
                          st["NoNewPrivs"], st["Seccomp"]))
    check("each in a user namespace of its own" in ct.journal(unit),
          "delta's workers have no user namespace: %s" % ct.journal(unit)[-1500:])
    # Each child (the ticket-key helper, the main worker): the tenant's
    # uid, the empty root, user and network namespaces not the
    # supervisor's.
    kids = ct.run(["sh", "-c", "for s in /proc/[0-9]*/status; do "
                   "grep -q '^PPid:[[:space:]]*%d$' \"$s\" 2>/dev/null || continue; "
                   "p=${s%%/status}; echo $(awk '/^Uid:/ {print $2}' $s) $(readlink $p/root) "
                   "$(readlink $p/ns/user) $(readlink $p/ns/net); done; "
                   "readlink /proc/%d/ns/user /proc/%d/ns/net" % (pid, pid, pid)]).stdout.split()
    own_user, own_net = kids[-2:]
    rows = [kids[i:i + 4] for i in range(0, len(kids) - 2, 4)]
    check(len(rows) >= 2 and all(r[0] == duid and r[1] == "/run/spiced-delta/empty" and
                                 r[2] != own_user and r[3] != own_net for r in rows),
          "delta's children (uid, root, user ns, net ns) %s; the supervisor's %s %s"
          % (rows, own_user, own_net))
    # Signalling its workers needs no CAP_KILL: a restart hands the session on.
    ct.systemctl("restart", unit)
    common.wait_for(lambda: 'display "delta": 1 session kept from the previous run' in
                    ct.journal(unit), 20, "delta's session to be kept across the restart")
    res, s2 = rawlink.link(dport, "delta-pw", keep=True, timeout=30)
    check(res == 0, "delta: link after the restart refused: %s" % rawlink.ERR.get(res, res))
    s.close()
    s2.close()
    ct.systemctl("stop", "spiced@delta.socket", unit)
    print("spiced-tenant@delta, started by its socket: uid %s, no capability; %d children each "
          "in its own user and network namespace, chrooted; a restart kept the session"
          % (duid, len(rows)))


def spiced_procs(ct):
    """Names of the spiced workers and relays running in the container."""
    out = ct.run(["sh", "-c", "cat /proc/[0-9]*/comm 2>/dev/null"], check=False).stdout
    return [n for n in out.split() if n.startswith("spiced-w") or n == "spiced-relay"]


def restart_keeps_viewer(ct, port, c, q):
    """systemctl restart spiced: its listener waits in systemd's fd store,
    so clients connecting meanwhile are not refused; the new supervisor
    adopts the viewer's session and the bridge's connection, so that keys
    typed afterwards reach the guest and its echo the viewer, without a
    disconnect or a relink; new logins work."""
    before = int(ct.show("spiced.service", "MainPID"))
    bridge_restarts = ct.show("spiced-qemu@vm.service", "NRestarts")
    stop = threading.Event()
    done = threading.Event()
    tally = {"refused": 0, "connected": 0}

    def hammer():
        while not stop.is_set():
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                tally["connected"] += 1
            except ConnectionRefusedError:
                tally["refused"] += 1
            time.sleep(0.005)

    def restart():
        try:
            ct.systemctl("restart", "spiced.service")
            time.sleep(0.5)
        finally:
            done.set()
    t = threading.Thread(target=hammer)
    r = threading.Thread(target=restart)
    t.start()
    r.start()
    try:
        # The viewer's GLib loop runs meanwhile, as remote-viewer's does.
        c.wait_until(done.is_set, 60, "systemctl restart spiced")
    finally:
        stop.set()
        done.wait()
        t.join()
        r.join()
    after = int(ct.show("spiced.service", "MainPID"))
    check(after != before and ct.show("spiced.service", "ActiveState") == "active",
          "spiced.service after restart: pid %d -> %d, %s" % (before, after,
                                                             ct.show("spiced.service", "ActiveState")))
    check(tally["refused"] == 0 and tally["connected"] > 10,
          "during systemctl restart: %r" % tally)
    check(re.search(r"listening on 127\.0\.0\.1:%d \(kept from the previous run\)" % port,
                    ct.journal("spiced.service")) is not None,
          "the new spiced did not take the kept listener:\n%s" % ct.journal("spiced.service")[-1500:])
    journal = ct.journal("spiced.service")
    check("handoff: 1 session and " in journal and
          'display "vm": 1 session kept from the previous run' in journal and
          re.search(r'producer "[^"]+" \(pid \d+\) kept from the previous run', journal),
          "the session was not handed over:\n%s" % "\n".join(
              ln for ln in journal.splitlines() if "left-over" not in ln and
              "usually indicates" not in ln)[-3000:])
    check(ct.show("spiced-qemu@vm.service", "NRestarts") == bridge_restarts,
          "the bridge was restarted with spiced")
    typed(c, q, KEY_B, "typed in the viewer after systemctl restart spiced")
    check(not c.disconnected, "the viewer was disconnected by the restart")
    check(len(re.findall(r"session \d+ started", ct.journal("spiced.service").split(
        "1 session kept from the previous run")[-1])) == 0, "the viewer linked again")
    res, s = rawlink.link(port, "pw", keep=True, timeout=30)
    check(res == 0, "link after the restart refused: %s" % rawlink.ERR.get(res, res))
    s.close()
    print("systemctl restart spiced: %d connections during it, none refused; the viewer "
          "kept its session, typed into the VM and saw the echo" % tally["connected"])

    # kill -9 of the supervisor: systemd restarts it (Restart=on-failure)
    # and it adopts the standby the dead one kept in the fd store.
    time.sleep(0.5)
    killed = int(ct.show("spiced.service", "MainPID"))
    kept = ct.journal("spiced.service").count("1 session kept from the previous run")
    ct.run(["sh", "-c", "kill -9 %d" % killed])
    common.wait_for(lambda: ct.show("spiced.service", "MainPID") not in ("0", str(killed)) and
                    ct.show("spiced.service", "ActiveState") == "active", 30,
                    "systemd to restart the killed spiced")
    common.wait_for(lambda: ct.journal("spiced.service").count(
        "1 session kept from the previous run") > kept, 10,
        "the restarted spiced to adopt the session")
    typed(c, q, KEY_C, "typed in the viewer after kill -9 of spiced", first=False)
    check(not c.disconnected, "the viewer was disconnected by kill -9 of spiced")
    print("kill -9 of spiced: systemd restarted it, the viewer kept its session")

    # A ticket set at run time (as libvirt sets a VM's password) outlives
    # the next restart; spiced.conf's password stays overridden.
    spicectl = os.path.join(ct.prefix, "bin/spicectl")
    ct.run(["sh", "-c", "echo rt-pw | %s -s /run/spiced/control set-ticket vm" % spicectl])
    check(rawlink.link(port, "rt-pw")[0] == 0, "the run-time ticket was refused")
    ct.systemctl("restart", "spiced.service")
    check("ticket set at run time kept from the previous run" in ct.journal("spiced.service"),
          "the new spiced did not take the run-time ticket back")
    res, s = rawlink.link(port, "rt-pw", keep=True, timeout=30)
    check(res == 0, "the run-time ticket after a restart: %s" % rawlink.ERR.get(res, res))
    s.close()
    check(rawlink.link(port, "pw")[0] != 0, "spiced.conf's password came back over the "
          "run-time ticket")

    # A .vv file handed out before a restart still opens its one session
    # after it (and one only).
    vv = ct.run([spicectl, "-s", "/run/spiced/control", "vv", "vm"]).stdout
    once = re.search(r"^password=(.+)$", vv, re.M).group(1)
    ct.systemctl("restart", "spiced.service")
    check("one-time ticket (spicectl vv) kept from the previous run"
          in ct.journal("spiced.service"), "the new spiced did not keep the .vv's ticket")
    res, s = rawlink.link(port, once, keep=True, timeout=30)
    check(res == 0, "the .vv's one-time ticket after a restart: %s" % rawlink.ERR.get(res, res))
    check(rawlink.link(port, once)[0] != 0, "the one-time ticket opened a second session")
    s.close()


common.run(main)
