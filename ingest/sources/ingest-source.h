/* ingest-source.h: what every live source (sockets, follow, replay,
 * message-switch client, XState adapter) shares: how it tells its owner that
 * the store grew, and how it reports problems without printing.
 *
 * Sources run on the thread-default GMainContext of the thread that created
 * them and append to a store borrowed from the caller (the store must outlive
 * them). They never print: everything a user should see goes through the
 * hooks below, which the front end (app/cli-serve.c) turns into log lines.
 */
#pragma once

#include <gio/gio.h>
#include "ingest-store.h"

G_BEGIN_DECLS

typedef enum {
  INGEST_SOURCE_NOTE_INFO = 0,  /* connected, reconnected, file rotated... */
  INGEST_SOURCE_NOTE_WARNING,   /* malformed record skipped, lost events, limits */
  INGEST_SOURCE_NOTE_ERROR,     /* the source stopped (strict mode, I/O error) */
} IngestSourceNoteLevel;

/* Callbacks a source calls on its owner's main context. Any may be NULL.
 * appended: events were appended to the store (called at most once per
 *   read/batch, not per event).
 * note: something happened worth telling the user; source names the source
 *   ("tcp:127.0.0.1:5555", "mswitch:unix:/run/switch"), message is an English
 *   sentence that may quote trace bytes (the front end escapes it). Both are
 *   borrowed for the duration of the call. */
typedef struct {
  void (*appended) (gpointer user_data);
  void (*note) (IngestSourceNoteLevel level, const char *source, const char *message,
                gpointer user_data);
  gpointer user_data;
} IngestSourceHooks;

/* Convenience for sources: calls hooks->note with a printf-style message. */
void ingest_source_hooks_note (const IngestSourceHooks *hooks, IngestSourceNoteLevel level,
                               const char *source, const char *format, ...) G_GNUC_PRINTF (4, 5);
void ingest_source_hooks_appended (const IngestSourceHooks *hooks);

/* For notes that may repeat once per connection attempt (refusals at a
 * limit, rejected connections, accept failures): zero-initialise one per
 * kind of note. */
typedef struct {
  gint64 last_us;         /* monotonic time of the last note passed on */
  guint64 suppressed;     /* notes left out since */
} IngestNoteLimit;

/* Passes a warning on through hooks->note at most once per 10 s per limit,
 * saying how many like it were left out, so a client connecting in a loop
 * can't flood the log. */
void ingest_source_hooks_note_limited (const IngestSourceHooks *hooks, IngestNoteLimit *limit,
                                       const char *source, const char *format, ...)
  G_GNUC_PRINTF (4, 5);

/* Reports parser diagnostics newer than *n_seen (lenient-mode skips) through
 * hooks->note as warnings, at most a few per call so a flood of bad lines
 * cannot flood the log; updates *n_seen. */
void ingest_source_report_parser (const IngestSourceHooks *hooks, const char *source,
                                  gpointer parser, guint64 *n_seen);

G_END_DECLS
