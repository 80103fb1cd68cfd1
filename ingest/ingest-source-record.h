/* ingest-source-record.h: `--record FILE`: every event accepted into a
 * store is appended to a native trace file, so a live session can be
 * replayed later (`--replay FILE`).
 *
 * The recorder remembers the next sequence number to write; flush writes
 * every event from there to the store's end (ingest_native_write, version
 * header first). It flushes on a timer (small batches, default every 200 ms)
 * and must be flushed once more before exit (ingest_recorder_close); then
 * nothing accepted is lost.
 */
#pragma once

#include "ingest-store.h"

G_BEGIN_DECLS

typedef struct _IngestRecorder IngestRecorder;

/* Creates/truncates path. flush_ms 0 = default 200; G_MAXUINT = no timer
 * (the caller flushes). Returns NULL with error if the file can't be
 * created. Owned by the caller. */
IngestRecorder *ingest_recorder_new (IngestStore *store, const char *path, guint flush_ms,
                                     GError **error);
/* Writes pending events and flushes the file. FALSE on I/O error (the
 * recorder then stops writing; the error says why). */
gboolean ingest_recorder_flush (IngestRecorder *recorder, GError **error);
/* Final flush and close; the recorder stays allocated until free. */
gboolean ingest_recorder_close (IngestRecorder *recorder, GError **error);
/* Frees without flushing (call close first to keep everything). */
void ingest_recorder_free (IngestRecorder *recorder);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestRecorder, ingest_recorder_free)

/* Events written so far. */
guint64 ingest_recorder_n_written (IngestRecorder *recorder);

G_END_DECLS
