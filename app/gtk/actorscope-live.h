/* actorscope-live.h: attach to a running `actorscope serve`.
 *
 * A websocket client (web/web-client.c) on the GLib main loop reads the
 * service's /events stream (native NDJSON, from sequence 0) and feeds it,
 * as it arrives, to an ingest push parser appending to the document's store; after each batch it
 * calls actorscope_document_notify_appended(). Everything runs on the main
 * thread, so the store is never shared between threads.
 *
 * When the service goes away the client reconnects with backoff (250 ms
 * doubling to 5 s) and asks for the events after those it has (?from=N).
 * A url of the form unix:PATH or http://HOST:PORT attaches directly to a
 * message-switch broker instead (ingest's long-poll client, which has its
 * own backoff).
 *
 * Appends take the document's write lock without blocking; while a view
 * build holds the read lock, input is parked (up to 16 MiB, then the
 * append waits) and appended shortly after.
 *
 * "state" (message, failed) reports connection changes as a translated
 * sentence; failed is TRUE when the stream stopped for good (bad data).
 */
#pragma once

#include <glib-object.h>
#include "actorscope-document.h"

G_BEGIN_DECLS

#define ACTORSCOPE_TYPE_LIVE (actorscope_live_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeLive, actorscope_live, ACTORSCOPE, LIVE, GObject)

/* url: ws://HOST[:PORT][/PATH][?QUERY] (path defaults to /events; a
 * token=... query is passed through). NULL with error for a bad URL or when
 * the websocket library is unavailable. */
ActorscopeLive *actorscope_live_new (const char *url, GError **error);
/* Connects and appends into document's store (a reference is kept). */
void actorscope_live_start (ActorscopeLive *self, ActorscopeDocument *document);
/* Whether the websocket is open. */
gboolean actorscope_live_is_connected (ActorscopeLive *self);
/* Connection attempts so far (reconnections included). */
guint actorscope_live_get_n_connects (ActorscopeLive *self);
/* Events received so far. */
guint64 actorscope_live_get_n_records (ActorscopeLive *self);

G_END_DECLS
