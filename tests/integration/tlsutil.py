# SPDX-License-Identifier: LGPL-2.1-or-later
"""Throwaway TLS material for the tests, made with the openssl CLI in a
test's temporary directory, and small helpers around the relay process.

make_pki(dir) returns a dict of paths:
  ca, ca_key                 the CA spiced trusts for client certificates
  cert, key                  server certificate for 127.0.0.1 / localhost
  client_cert, client_key    client certificate signed by ca
  other_ca                   an unrelated CA
  other_cert, other_key      client certificate signed by other_ca
"""

import os
import subprocess

import common


def _run(*args):
    subprocess.run(["openssl"] + list(args), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _ca(d, name):
    key, pem = os.path.join(d, name + ".key"), os.path.join(d, name + ".pem")
    _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", key, "-out", pem, "-days", "2",
         "-subj", "/CN=spiced test %s" % name,
         "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return pem, key


def _leaf(d, name, ca, ca_key, cn, ext):
    key, csr = os.path.join(d, name + ".key"), os.path.join(d, name + ".csr")
    pem, extf = os.path.join(d, name + ".pem"), os.path.join(d, name + ".ext")
    with open(extf, "w") as f:
        f.write(ext + "\n")
    _run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", key, "-out", csr, "-subj", "/CN=%s" % cn)
    _run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
         "-CAcreateserial", "-out", pem, "-days", "2", "-extfile", extf)
    return pem, key


def make_pki(d):
    ca, ca_key = _ca(d, "ca")
    other_ca, other_ca_key = _ca(d, "otherca")
    cert, key = _leaf(d, "server", ca, ca_key, "127.0.0.1",
                      "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                      "extendedKeyUsage=serverAuth")
    client_cert, client_key = _leaf(d, "client", ca, ca_key, "client",
                                    "extendedKeyUsage=clientAuth")
    other_cert, other_key = _leaf(d, "other", other_ca, other_ca_key, "intruder",
                                  "extendedKeyUsage=clientAuth")
    # The unprivileged runs read them as another uid.
    for name in os.listdir(d):
        os.chmod(os.path.join(d, name), 0o644)
    return dict(ca=ca, ca_key=ca_key, cert=cert, key=key,
                client_cert=client_cert, client_key=client_key,
                other_ca=other_ca, other_cert=other_cert, other_key=other_key)


def tls_conf(pki, tls_port, extra=()):
    """spiced.conf lines for a display's TLS port."""
    return "\n".join(["tls-port = 127.0.0.1:%d" % tls_port,
                      "tls-cert = %s" % pki["cert"],
                      "tls-key = %s" % pki["key"]] + list(extra))


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def relays(sp):
    """pids of the relay processes of spiced sp."""
    return [p for p in common.children(sp.pid) if comm(p) == "spiced-relay"]


def ktls_available():
    try:
        with open("/proc/sys/net/ipv4/tcp_available_ulp") as f:
            return "tls" in f.read().split()
    except OSError:
        return False


def release_client(c):
    """Disconnect a spice_client.Client and drop every reference to its
    session: spice-gtk 0.42 keeps a TLS channel's socket open until the
    channel object is finalized, not at disconnect."""
    import gc
    import time
    from gi.repository import GLib
    c.disconnect()
    c.session = None
    c.channels = {}
    gc.collect()
    ctx = GLib.MainContext.default()
    end = time.monotonic() + 0.5
    while time.monotonic() < end:
        while ctx.iteration(False):
            pass
        time.sleep(0.01)
