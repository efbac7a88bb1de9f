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

int
main(void)
{
	int first = 1;

	printf("{\"ipc_client\": {\"size\": %zu, \"fields\": {",
	    sizeof(struct ipc_client));
	FIELD(ipc_client, channel_type);
	FIELD(ipc_client, channel_id);
	FIELD(ipc_client, mini_header);
	FIELD(ipc_client, transport);
	FIELD(ipc_client, n_common_caps);
	FIELD(ipc_client, n_channel_caps);
	FIELD(ipc_client, common_caps);
	FIELD(ipc_client, channel_caps);
	FIELD(ipc_client, peer);
	printf("}}}\n");
	return 0;
}
