/* ingest-message-flags.h: a byte of flags per message for the sliding
 * windows (ingest-graph-window.c, ingest-timeline-window.c), sized to the
 * messages a window can still reach rather than to every message id ever
 * issued. Internal to ingest/views.
 *
 * A flat array indexed by message id grew with the service's whole history:
 * a window created after 10 M messages zeroed and kept 10-16 MiB, and a
 * live service with 20 clients on changing views kept dozens of windows
 * (the 10-minute soak with --memory-limit 256MiB reached 684 MiB RSS, the
 * store keeping its budget). Here the array starts at a base id that moves
 * forward as the window's start passes the time its ids were first seen;
 * the few ids below the base the window still needs (a message sent before
 * the window start and received inside it) live in a small table. Which
 * ids are still needed is the window's call (needed_func): an absent id
 * reads as 0, so dropping an entry must not change an answer. */
#pragma once

#include "ingest-model.h"

G_BEGIN_DECLS

/* TRUE when the flags of id must be kept (flags is never 0 here). */
typedef gboolean (*IngestMessageFlagsNeededFunc) (IngestMessageId id, guint8 flags, gpointer user_data);

typedef struct {
  IngestMessageId base;      /* id of dense->data[0] */
  GByteArray *dense;         /* ids base .. base + len - 1 (grown ahead) */
  IngestMessageId end;       /* the highest id touched, plus one */
  GHashTable *below;         /* id -> guint8* (owned): needed ids < base */
  GArray *marks;             /* FlagsMark, oldest first (see _mark) */
} IngestMessageFlags;

void ingest_message_flags_init (IngestMessageFlags *f);
void ingest_message_flags_clear (IngestMessageFlags *f);
/* Forgets every flag (a window starting over). */
void ingest_message_flags_reset (IngestMessageFlags *f);
/* The flags of id for reading and writing (created 0). Valid until the
 * next call on f. */
guint8 *ingest_message_flags_at (IngestMessageFlags *f, IngestMessageId id);
/* The flags of id, 0 when none are kept. */
guint8 ingest_message_flags_get (const IngestMessageFlags *f, IngestMessageId id);
/* After a window consumed events up to time time_ns: the ids it touched so
 * far may leave the dense array once its start passes time_ns. */
void ingest_message_flags_mark (IngestMessageFlags *f, gint64 time_ns);
/* The window starts at from_ns now: ids first seen before it leave the
 * dense array (those needed_func keeps move to the small table), and the
 * small table drops what is no longer needed. Amortised: work is done only
 * once a quarter of the array can go. */
void ingest_message_flags_trim (IngestMessageFlags *f, gint64 from_ns, IngestMessageFlagsNeededFunc needed_func,
                                gpointer user_data);
/* Bytes held (the figures and the test). */
gsize ingest_message_flags_size (const IngestMessageFlags *f);

G_END_DECLS
