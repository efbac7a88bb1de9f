/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ipc-layout: print the layout of the IPC payloads that tests build by
 * hand (as JSON: size and {offset, size} per field), so that the Python
 * worker-level tests pack them from shared/ipc-msg.h itself instead of
 * restating the structs.
 */
#include <stddef.h>
#include <stdio.h>

#include "ipc-msg.h"

#define FIELD(type, f) \
	printf("%s\"%s\": [%zu, %zu]", first ? "" : ", ", #f, \
	    offsetof(struct type, f), sizeof(((struct type *)0)->f)), first = 0

#define BEGIN(type) \
	printf("%s\"%s\": {\"size\": %zu, \"fields\": {", \
	    nstruct++ ? ", " : "{", #type, sizeof(struct type)), first = 1
#define END()	printf("}}")

int
main(void)
{
	int first, nstruct = 0;

	BEGIN(ipc_client);
	FIELD(ipc_client, channel_type);
	FIELD(ipc_client, channel_id);
	FIELD(ipc_client, mini_header);
	FIELD(ipc_client, transport);
	FIELD(ipc_client, n_common_caps);
	FIELD(ipc_client, n_channel_caps);
	FIELD(ipc_client, common_caps);
	FIELD(ipc_client, channel_caps);
	FIELD(ipc_client, peer);
	END();
	BEGIN(ipc_ready);
	FIELD(ipc_ready, version);
	FIELD(ipc_ready, pid);
	END();
	BEGIN(ipc_conn_closed);
	FIELD(ipc_conn_closed, reason);
	END();
	BEGIN(ipc_producer_fault);
	FIELD(ipc_producer_fault, reason);
	END();
	BEGIN(ipc_stats);
	FIELD(ipc_stats, cpu_ns);
	FIELD(ipc_stats, nconn);
	FIELD(ipc_stats, conn);
	END();
	BEGIN(ipc_conn_stats);
	FIELD(ipc_conn_stats, session);
	FIELD(ipc_conn_stats, conn);
	FIELD(ipc_conn_stats, bytes_out);
	END();
	printf("}\n");
	return 0;
}
