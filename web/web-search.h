/* web-search.h: the /live "search" request: messages by actor, label or
 * payload text (ingest/views/ingest-search.c) over all the data, as the
 * reply the page steps through (see web/PROTOCOL.md). */
#pragma once

#include <jansson.h>
#include "ingest-store.h"

G_BEGIN_DECLS

/* Reads msg ("text": a string of 1 to 256 bytes; "in": optional array of
 * "actor", "label", "payload"), searches store and returns the reply as
 * JSON text (g_free), or NULL with a WEB_PROTOCOL_ERROR bad-field. Every
 * trace string in it is escaped by jansson. */
char *web_search_reply (IngestStore *store, json_t *msg, GError **error);

G_END_DECLS
