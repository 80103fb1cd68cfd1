/* actorscope-document.h: one open trace in the desktop app.
 *
 * An ActorscopeDocument owns an IngestStore and the facts the UI derives from
 * it once (time range, the activity histogram behind the overview strip).
 * Files are loaded off the UI thread: a GTask thread fills a fresh store,
 * computes the histogram and hands the finished document to the main thread,
 * which writes to it afterwards. Live sources append on the main thread
 * (under the write lock below) and call actorscope_document_notify_appended()
 * so views refresh.
 *
 * Views are built in worker threads (see actorscope-scene-view.c), so the
 * store has a reader/writer lock: workers hold the read lock while they read;
 * the main thread, the only writer, takes the write lock around appends.
 * Reads on the main thread need no lock (no write can run concurrently with
 * them). Before starting a reader, the main thread calls
 * actorscope_document_prepare_readers(), which brings the store's lazily
 * merged time index up to date so that concurrent readers never write.
 */
#pragma once

#include <gio/gio.h>
#include "ingest-parser.h"

G_BEGIN_DECLS

#define ACTORSCOPE_TYPE_DOCUMENT (actorscope_document_get_type ())
G_DECLARE_FINAL_TYPE (ActorscopeDocument, actorscope_document, ACTORSCOPE, DOCUMENT, GObject)

/* Bins of the activity histogram (events per time bucket). */
#define ACTORSCOPE_DOCUMENT_N_BINS 512

/* Takes ownership of store. title is copied (shown in the window title). */
ActorscopeDocument *actorscope_document_new (IngestStore *store, const char *title);

/* Progress of a load, called on the main thread: done and total in bytes
 * (total 0 when unknown). */
typedef void (*ActorscopeProgressFunc) (guint64 done, guint64 total, gpointer user_data);

/* Loads file (a trace, or a data directory) in a worker thread. progress (may be NULL) runs on the calling
 * thread's main context; user_data must outlive the task. strict selects
 * strict parsing (stop at the first malformed record). */
void actorscope_document_load_async (GFile *file, gboolean strict, GCancellable *cancellable,
                                     ActorscopeProgressFunc progress, gpointer progress_data,
                                     GAsyncReadyCallback callback, gpointer user_data);
/* Returns the new document (owned) or NULL with error set. */
ActorscopeDocument *actorscope_document_load_finish (GAsyncResult *result, GError **error);

/* Whether the document was loaded from a data directory (`serve
 * --data-dir`; opened like a file, without the writer's lock); *log_end
 * (may be NULL) gets the log seq one past the last event read, where
 * following the directory goes on (actorscope-dir-follow.h). */
gboolean actorscope_document_get_data_dir_end (ActorscopeDocument *self, guint64 *log_end);

/* Borrowed. */
IngestStore *actorscope_document_get_store (ActorscopeDocument *self);
const char *actorscope_document_get_title (ActorscopeDocument *self);
/* The file it came from, or NULL (borrowed). */
GFile *actorscope_document_get_file (ActorscopeDocument *self);
void actorscope_document_set_file (ActorscopeDocument *self, GFile *file);
/* Whether events are still arriving (a live source). */
gboolean actorscope_document_get_live (ActorscopeDocument *self);
void actorscope_document_set_live (ActorscopeDocument *self, gboolean live);
/* Records skipped by a lenient load. */
guint64 actorscope_document_get_n_skipped (ActorscopeDocument *self);

/* Time range of the events in ns; FALSE when the store is empty. */
gboolean actorscope_document_get_time_range (ActorscopeDocument *self, gint64 *min_ns, gint64 *max_ns);

/* The activity histogram: ACTORSCOPE_DOCUMENT_N_BINS counts over the time
 * range (borrowed, valid until the next "changed"). *max_out gets the
 * largest bin. Recomputed lazily after appends. */
const guint32 *actorscope_document_get_activity (ActorscopeDocument *self, guint32 *max_out);

/* Live sources call this after appending events (main thread only): drops
 * cached facts and emits "changed". */
void actorscope_document_notify_appended (ActorscopeDocument *self);

/* Worker threads: hold the read lock while reading the store. */
void actorscope_document_read_lock (ActorscopeDocument *self);
void actorscope_document_read_unlock (ActorscopeDocument *self);
/* Main thread, before handing the document to a reader (see above). */
void actorscope_document_prepare_readers (ActorscopeDocument *self);
/* Main thread, around appends: try_write_lock never blocks (FALSE while a
 * worker reads: buffer the input and try again later); write_lock blocks. */
gboolean actorscope_document_try_write_lock (ActorscopeDocument *self);
void actorscope_document_write_lock (ActorscopeDocument *self);
void actorscope_document_write_unlock (ActorscopeDocument *self);

/* Replay works on positions in the store's time order (0 .. n_events-1).
 * Finds the nearest SEND event after (forward) or before (!forward) position
 * from (from may be -1 = before the first event, or n_events = after the
 * last); fills *pos_out and returns TRUE, FALSE when there is none. */
gboolean actorscope_document_find_send (ActorscopeDocument *self, gint64 from, gboolean forward,
                                        gint64 *pos_out);
/* The event at time-order position pos (borrowed), NULL when out of range. */
const IngestEvent *actorscope_document_event_at (ActorscopeDocument *self, gint64 pos);
/* The first time-order position whose time is >= t_ns (n_events if none). */
gint64 actorscope_document_position_for_time (ActorscopeDocument *self, gint64 t_ns);

G_END_DECLS
