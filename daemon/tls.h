/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tls: OpenSSL 3 server side of a display's TLS port (SPICE-NOTES 1.1).
 *
 * One context per display, loaded at start (and by --check-config) so a
 * missing, unreadable or mismatched certificate or key stops spiced with
 * a message naming the file.  TLS 1.2 or later (tls-min-version), no
 * renegotiation, no compression, no session tickets or cache; DH and ECDH
 * groups are OpenSSL 3's defaults.
 *
 * A connection on the TLS port runs its handshake as the bottom layer of
 * the link state machine (link.h), under the link deadline; the SPICE
 * link then runs over TLS.  After the OK result the data path leaves the
 * supervisor (DESIGN.md 3): if OpenSSL moved both directions into the
 * kernel (SSL_OP_ENABLE_KTLS; needs the `tls` ULP and, with OpenSSL 3.0,
 * TLS 1.2 for the receive side) and holds no buffered input, the worker
 * gets the socket itself (IPC_TRANSPORT_KTLS); otherwise a relay process
 * carries the session (relay.h, IPC_TRANSPORT_RELAYED).
 */
#ifndef SPICED_TLS_H
#define SPICED_TLS_H

#include "conf.h"
#include "err.h"
#include "link.h"
#include "relay.h"

struct event_base;
struct tls_server;

/*
 * Build the TLS context of display cd: certificate chain, key (checked
 * against the certificate), client CA list and verification mode, cipher
 * lists, minimum version.  rc says how relays of this display run (copied;
 * its strings must outlive the server).  Returns NULL with err naming the
 * file or setting that failed.
 */
struct tls_server *tls_server_new(const struct conf_display *cd,
	    const struct relay_conf *rc, struct spd_err *err);
void	 tls_server_free(struct tls_server *);

/*
 * What a client needs to check this display's certificate, from the PEM
 * chain at cert_path: the subject of its first certificate, one line
 * ("C=..,O=..,CN=..", as virt-viewer's host-subject wants it), and the
 * last certificate of the chain as PEM (the CA, or the certificate itself
 * when it is self-signed; "" when the chain stops below a CA it does not
 * hold).  0, or -1 with err.
 */
int	 tls_cert_identity(const char *cert_path, char *subject,
	    size_t subject_len, char *ca, size_t ca_len, struct spd_err *err);

/*
 * Start the link of an accepted TLS-port socket: the TLS handshake first,
 * then link_start()'s state machine over it.  Takes ownership of fd, with
 * the same contract as link_start().
 */
struct link_conn *tls_link_start(struct tls_server *, struct event_base *,
	    int fd, const char *peer, const struct link_policy *policy,
	    link_admit_cb admit, link_handoff_cb handoff, void *arg);

/* Nonzero if this kernel offers the `tls` ULP (asked once, of a TCP
 * socket: not from /proc/sys, which the hardened units hide). */
int	 tls_ktls_available(void);

#endif
