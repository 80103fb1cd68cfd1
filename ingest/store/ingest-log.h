/* ingest-log.h: a durable event log behind a small interface.
 *
 * A log keeps the events of a store so that a restart can rebuild the store
 * exactly: reading the log back re-appends every event through
 * ingest_store_append() in sequence order (actors declared first, in id
 * order), so every since-start derived fact comes out the same.
 *
 * Implementations fill an IngestLogClass (a table of functions); the disk
 * implementation is ingest-log-disk.h (segment files in a data directory).
 * A log only numbers what it holds: its sequence numbers ("log seqs") count
 * from 0 at the first event ever appended and never restart, even when
 * retention deletes the oldest events; a store rebuilt from the log numbers
 * its own events from 0 (the first kept event).
 *
 * Threading: one thread at a time per IngestLog. Libraries never print:
 * everything goes through GError (INGEST_ERROR domain) and return values.
 */
#pragma once

#include "ingest-store.h"

G_BEGIN_DECLS

typedef struct _IngestLog IngestLog;

/* What a reader hands back, in log order: actor declarations (first time an
 * actor appears in a block, or when its name/kind/parent changed) and events.
 * Strings are borrowed for the duration of the call. */
typedef struct {
  /* An actor as the writer's store knew it: log actor id (== store id in
   * the writer's store), name, kind, parent name (NULL: none). */
  void (*actor) (guint32 id, const char *name, IngestActorKind kind, const char *parent,
                 gpointer user_data);
  /* One event; seq is its log seq. Return FALSE to stop reading (not an
   * error). */
  gboolean (*event) (IngestSeq seq, const IngestEventInput *input, gpointer user_data);
  /* The source-fed store counters as of the end of a block. May be NULL. */
  void (*counters) (const IngestStoreCounters *counters, gpointer user_data);
} IngestLogReadFuncs;

/* What a lenient read skipped (corrupt blocks). */
typedef struct {
  guint64 bad_blocks;    /* blocks skipped: bad CRC, bad header, undecodable */
  guint64 bad_bytes;     /* bytes of them */
  guint64 lost_events;   /* events those blocks said they held (when known) */
  char *first_problem;   /* owned: "FILE: byte OFFSET: what", NULL if none */
} IngestLogSkipped;

void ingest_log_skipped_clear (IngestLogSkipped *skipped);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IngestLogSkipped, ingest_log_skipped_clear)

typedef struct {
  /* Appends the store's events [from, to) (store seqs) to the log's buffers;
   * they get the next log seqs. Not durable until flush. */
  gboolean (*append) (IngestLog *log, IngestStore *store, IngestSeq from, IngestSeq to,
                      GError **error);
  /* Makes everything appended durable (written and fdatasync'd). */
  gboolean (*flush) (IngestLog *log, GError **error);
  /* Events durable so far: the log seq one past the last durable event. */
  IngestSeq (*n_durable) (IngestLog *log);
  /* First log seq still held (retention moves it up). */
  IngestSeq (*first_seq) (IngestLog *log);
  /* Reads the events with log seq in [from, to) and time in
   * [min_ns, max_ns], in log order. Lenient (skipped != NULL): corrupt
   * blocks are skipped and counted; strict (skipped == NULL): the first
   * one is an error naming the file and byte offset. */
  gboolean (*read) (IngestLog *log, IngestSeq from, IngestSeq to, gint64 min_ns, gint64 max_ns,
                    const IngestLogReadFuncs *funcs, gpointer user_data,
                    IngestLogSkipped *skipped, GError **error);
  /* Flushes what is pending and releases files/locks; idempotent. */
  gboolean (*close) (IngestLog *log, GError **error);
  void (*free) (IngestLog *log);
} IngestLogClass;

struct _IngestLog {
  const IngestLogClass *klass;
};

gboolean ingest_log_append (IngestLog *log, IngestStore *store, IngestSeq from, IngestSeq to,
                            GError **error);
gboolean ingest_log_flush (IngestLog *log, GError **error);
IngestSeq ingest_log_n_durable (IngestLog *log);
IngestSeq ingest_log_first_seq (IngestLog *log);
gboolean ingest_log_read (IngestLog *log, IngestSeq from, IngestSeq to, gint64 min_ns,
                          gint64 max_ns, const IngestLogReadFuncs *funcs, gpointer user_data,
                          IngestLogSkipped *skipped, GError **error);
gboolean ingest_log_close (IngestLog *log, GError **error);
/* NULL-safe; frees without flushing (close first to keep everything). */
void ingest_log_free (IngestLog *log);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestLog, ingest_log_free)

/* Reads log seqs [from, to) into store (borrowed): actors declared in id
 * order, events appended, source counters (skipped, lost, duplicate) set to
 * the log's last values when the read reaches the end. Returns the number of
 * events appended in *n_out (may be NULL). Lenient when skipped != NULL. */
gboolean ingest_log_read_into_store (IngestLog *log, IngestSeq from, IngestSeq to,
                                     IngestStore *store, guint64 *n_out,
                                     IngestLogSkipped *skipped, GError **error);

G_END_DECLS
