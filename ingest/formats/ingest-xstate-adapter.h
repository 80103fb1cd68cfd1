/* ingest-xstate-adapter.h: XState v5 inspection events (as sent by
 * @statelyai/inspect's createWebSocketInspector, one JSON object per
 * websocket message) turned into actors and messages.
 *
 * Mapping:
 *   @xstate.actor    -> SPAWN of the actor (name: the parent's name + "/" +
 *                       the machine id, so the system's hierarchy becomes
 *                       the actor path; "#<sessionId>" is appended when two
 *                       live actors would share a name), peer = parent.
 *   @xstate.event    -> SEND from sourceId (or "(external)") to sessionId,
 *                       label = event.type, payload = the event as JSON,
 *                       followed by RECEIVE at the target (XState processes
 *                       an event when it reports it).
 *   @xstate.snapshot -> DONE for the event the actor was processing; a
 *                       status of "done" / "error" / "stopped" also EXITs the
 *                       actor (error = crash, with the error as the reason).
 * Other "@xstate.*" types are accepted and ignored. Times come from
 * createdAt (ms since the epoch, as a string or number).
 *
 * Raw InspectionEvents (what xstate's `inspect` callback gets, written with
 * JSON.stringify: no sessionId, no createdAt) are read too: the session is
 * "actorRef" (and the sender "sourceRef"), a string id or an object with
 * "sessionId" or "id" (an ActorRef's toJSON()). Their time is "now" live,
 * and the previous event's + 1 us in a file (set_file_clock).
 *
 * The same adapter serves the live /ingest path (web/) and XState files
 * (ingest-format-xstate.c), so both give the same picture.
 */
#pragma once

#include <jansson.h>
#include <gio/gio.h>
#include "ingest-store.h"

G_BEGIN_DECLS

typedef struct _IngestXstateAdapter IngestXstateAdapter;

/* source_name (copied) prefixes message keys, so two inspectors never share
 * keys. store is borrowed. Owned by the caller. */
IngestXstateAdapter *ingest_xstate_adapter_new (IngestStore *store, const char *source_name);
void ingest_xstate_adapter_free (IngestXstateAdapter *adapter);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestXstateAdapter, ingest_xstate_adapter_free)

/* TRUE when data looks like one XState inspection event (a JSON object whose
 * "type" starts with "@xstate."). Cheap: no full parse. */
gboolean ingest_xstate_looks_like (const char *data, gsize len);

/* Appends what one inspection event means. Returns FALSE with an
 * INGEST_ERROR (SYNTAX / SCHEMA) naming the problem for a malformed one;
 * nothing is appended then. */
gboolean ingest_xstate_adapter_feed (IngestXstateAdapter *adapter, const char *data, gsize len,
                                     GError **error);

/* The same for an event already parsed (obj borrowed); the error names no
 * source (the caller adds its position). */
gboolean ingest_xstate_adapter_feed_json (IngestXstateAdapter *adapter, json_t *obj,
                                          GError **error);

/* What one adapter (one inspector connection) keeps is bounded: an actor
 * name is at most INGEST_XSTATE_MAX_NAME bytes (a longer path keeps its
 * end: "…" + the nearest ancestors and the machine id), and once the
 * sessions' names and ids take INGEST_XSTATE_MAX_STATE_BYTES or there are
 * INGEST_XSTATE_MAX_SESSIONS sessions, new sessions are shown as
 * INGEST_STORE_OTHER_ACTORS (known ones still resolve). */
#define INGEST_XSTATE_MAX_NAME 1024
#define INGEST_XSTATE_MAX_SESSIONS 65536
#define INGEST_XSTATE_MAX_STATE_BYTES (32u << 20)

/* TRUE: an event without a usable createdAt is timed 1 us after the
 * previous one (from 0) instead of at the wall clock: files load the same
 * every time. Default FALSE (live). */
void ingest_xstate_adapter_set_file_clock (IngestXstateAdapter *adapter, gboolean file_clock);

/* Bytes the adapter keeps for its sessions (names, ids, table entries),
 * approximately. */
gsize ingest_xstate_adapter_get_state_bytes (IngestXstateAdapter *adapter);

/* Inspection events accepted / ignored so far. */
guint64 ingest_xstate_adapter_n_accepted (IngestXstateAdapter *adapter);

G_END_DECLS
