/* actorscope-dir-follow.h: follow a data directory a service is writing.
 *
 * A document loaded from a `serve --data-dir` directory
 * (actorscope_document_get_data_dir_end) holds what was complete when it
 * was read. ActorscopeDirFollow keeps it growing: every half second a
 * worker thread opens the directory again read-only (no lock: the service
 * holds the writer's lock, and a reader sees every block complete at open,
 * see ingest-log-disk.h; the open scans every block header, the costly
 * part), then the main thread, the store's only writer, appends the events
 * past the last one read under the document's write lock and calls
 * actorscope_document_notify_appended. While a view build holds the read
 * lock it waits for the next poll instead of blocking the UI.
 *
 * "state" (message, failed) reports a directory that cannot be read (gone,
 * a newer format) as a translated sentence, once per new problem; failed is
 * TRUE when following stopped for good (a read error). Reading is lenient:
 * corrupt blocks count as skipped records, as in the CLI.
 */
#pragma once

#include <glib-object.h>
#include "actorscope-document.h"

G_BEGIN_DECLS

#define ACTORSCOPE_TYPE_DIR_FOLLOW (actorscope_dir_follow_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeDirFollow, actorscope_dir_follow, ACTORSCOPE, DIR_FOLLOW, GObject)

/* Follows document (a reference is kept), which must come from a data
 * directory; polling starts at once and stops when the object goes. */
ActorscopeDirFollow *actorscope_dir_follow_new (ActorscopeDocument *document);
/* Events appended since following started. */
guint64 actorscope_dir_follow_get_n_appended (ActorscopeDirFollow *self);

G_END_DECLS
