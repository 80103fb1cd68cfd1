/* web-deviations.h: the /live "deviations" request: the deviations list of
 * ingest/views/ingest-deviations.c for a client's window, as the reply the
 * page shows (see web/PROTOCOL.md). */
#pragma once

#include <jansson.h>
#include "ingest-store.h"

G_BEGIN_DECLS

/* Reads the thresholds of msg (a "deviations" request: stuck_s,
 * unanswered_s, wait_p99_ms, mailbox_limit, all optional numbers), scans
 * [from_ns, to_ns] of store and returns the reply as JSON text (g_free),
 * or NULL with a WEB_PROTOCOL_ERROR bad-field naming a bad threshold.
 * Every trace string in it is escaped by jansson. */
char *web_deviations_reply (IngestStore *store, gint64 from_ns, gint64 to_ns, json_t *msg,
                            GError **error);

G_END_DECLS
