/* ingest-source-record.h: `--record FILE`: every event accepted into a
 * store is appended to a native trace file, so a live session can be
 * replayed later (`--replay FILE`).
 *
 * The file: a regular file, created if absent, else appended to: a new
 * session starts with its own version header and actor declarations
 * (native-ndjson.md allows repeated headers), after a newline if the old
 * last line was torn. An existing file that does not start with the
 * native header is refused, and so are symbolic links (O_NOFOLLOW), FIFOs
 * and devices (the open never blocks on a FIFO).
 *
 * A failed write (ENOSPC, EFBIG, EIO...): the whole 64 KiB batches of
 * lines that got out stay, the file is cut back to their end (no torn
 * line), the trouble callback is told at once, events keep being
 * accepted into the store, and every later flush retries from the first
 * event not in the file; when one succeeds the callback is told again
 * (error NULL). Nothing is lost while the store holds the events.
 *
 * The recorder remembers the next sequence number to write; a flush writes
 * every event from there to the store's end (ingest_native_write, version
 * header first) straight to the file descriptor, whole lines only, and
 * returns once write(2) has handed every byte to the kernel. Nothing is
 * buffered in the process between flushes. It flushes on a timer on the
 * owner's main loop (default every 200 ms) and once more at close, which
 * also fsyncs.
 *
 * Loss bound when the process dies (kill -9, crash): the file holds every
 * event accepted up to the start of the last completed flush, so what is
 * lost is at most the events accepted since then: those of the last
 * flush_ms, plus however long the main loop was busy before the timer ran,
 * plus the flush cut short by the death. Every line reaching the file is
 * whole, except that a death in the middle of a flush's write can leave
 * one torn last line; a reader (ingest_load_file, `--replay`) then reports
 * exactly that line (its line number, "no newline at the end") and keeps
 * every event before it. Against power loss or an OS crash only the final
 * fsync (at close) helps: data of earlier flushes sits in the page cache
 * until the kernel writes it back.
 *
 * The file is never written to a temporary file and renamed at close: a
 * recording killed mid-session is at its path.
 */
#pragma once

#include "ingest-store.h"

G_BEGIN_DECLS

typedef struct _IngestRecorder IngestRecorder;

/* Called after each flush that wrote events: n_written events are now in
 * the file (handed to the kernel); flush_us is how long the flush took.
 * For front ends that show progress; the recorder never prints. */
typedef void (*IngestRecorderFlushed) (guint64 n_written, gint64 flush_us, gpointer user_data);

/* Told when writing fails (error set, n_written events are in the file,
 * stopped TRUE if the recorder cannot retry) and when it works again
 * (error NULL). error is borrowed. The recorder never prints. */
typedef void (*IngestRecorderTrouble) (const GError *error, guint64 n_written, gboolean stopped,
                                       gpointer user_data);

/* Creates or appends to path (see above). flush_ms 0 = default 200; G_MAXUINT = no timer
 * (the caller flushes). Returns NULL with error if the file can't be
 * created. Owned by the caller. */
IngestRecorder *ingest_recorder_new (IngestStore *store, const char *path, guint flush_ms,
                                     GError **error);
/* Sets (or clears, func NULL) the flushed callback. */
void ingest_recorder_set_flushed_func (IngestRecorder *recorder, IngestRecorderFlushed func,
                                       gpointer user_data);
/* Sets (or clears, func NULL) the trouble callback. */
void ingest_recorder_set_trouble_func (IngestRecorder *recorder, IngestRecorderTrouble func,
                                       gpointer user_data);
/* TRUE when path (symbolic links followed) is the file being recorded to:
 * the same device and inode. For refusing to read the recording back as
 * an input of the same session. */
gboolean ingest_recorder_is_file (IngestRecorder *recorder, const char *path);
/* Writes pending events. FALSE on I/O error (the error says why; the file
 * is cut back to whole lines and the next flush retries). */
gboolean ingest_recorder_flush (IngestRecorder *recorder, GError **error);
/* Final flush, fsync and close; the recorder stays allocated until free. */
gboolean ingest_recorder_close (IngestRecorder *recorder, GError **error);
/* Frees without flushing (call close first to keep everything). */
void ingest_recorder_free (IngestRecorder *recorder);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestRecorder, ingest_recorder_free)

/* Events written so far. */
guint64 ingest_recorder_n_written (IngestRecorder *recorder);

G_END_DECLS
