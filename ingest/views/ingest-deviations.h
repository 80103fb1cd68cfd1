/* ingest-deviations.h: what went wrong in a time window, as a list every
 * front end can show (the browser console's deviations panel; the desktop
 * can show the same). Data only.
 *
 * A deviation is one of: a crash (an actor exited with crash status), a
 * drop (a message dropped or dead-lettered), an unanswered request (sent
 * with a reply-to, no response after spec->unanswered_ns), lost events
 * (the source's counters: gaps while attached, ids gone before attach), a
 * stuck queue (a mailbox holding messages whose depth did not go down for
 * spec->stuck_ns), a slow mailbox (more than 1 % of an actor's messages
 * received in the window waited longer than spec->wait_p99_ns, i.e. its
 * wait p99 is over that threshold) and a mailbox over its limit (depth
 * above spec->mailbox_limit).
 */
#pragma once

#include "ingest-store.h"

G_BEGIN_DECLS

typedef enum {
  INGEST_DEVIATION_CRASH = 0,
  INGEST_DEVIATION_DROP,
  INGEST_DEVIATION_UNANSWERED,
  INGEST_DEVIATION_LOST,
  INGEST_DEVIATION_STUCK,
  INGEST_DEVIATION_SLOW_MAILBOX,
  INGEST_DEVIATION_MAILBOX_LIMIT,
  INGEST_DEVIATION_N_KINDS
} IngestDeviationKind;

/* "crash", "drop", "unanswered", "lost", "stuck", "slow-mailbox",
 * "mailbox-limit" (static strings). */
const char *ingest_deviation_kind_to_string (IngestDeviationKind kind);

/* Zero fields take the defaults given. */
typedef struct {
  gint64 from_ns, to_ns;     /* the window (INGEST_TIME_MIN/MAX: open) */
  gint64 stuck_ns;           /* 0 = 5 s */
  gint64 unanswered_ns;      /* 0 = 5 s (measured to the store's newest event) */
  gint64 wait_p99_ns;        /* 0 = no slow-mailbox rows */
  guint64 mailbox_limit;     /* 0 = no mailbox-limit rows */
  guint max_rows;            /* rows kept per kind, 0 = 200 */
  guint64 max_events;        /* events examined at most, 0 = 5,000,000 */
} IngestDeviationSpec;

typedef struct {
  IngestDeviationKind kind;
  gint64 time_ns;            /* when it happened or began; 0 for lost events
                                (the source's counters carry no time) */
  IngestActorId actor;       /* 0: the source (lost events) */
  IngestMessageId message;   /* the message concerned, or 0 */
  guint64 count;             /* LOST: events; STUCK, MAILBOX_LIMIT: depth;
                                SLOW_MAILBOX: slow receives */
  gint64 duration_ns;        /* STUCK: not going down for; UNANSWERED:
                                waiting for; SLOW_MAILBOX: longest wait */
  IngestAtom reason;         /* CRASH, DROP: the reason given, or 0 */
  gboolean before_attach;    /* LOST: gone before the source attached */
} IngestDeviation;

typedef struct {
  GArray *rows;              /* IngestDeviation, in time order (owned) */
  guint64 total;             /* deviations found, kept or not */
  guint64 per_kind[INGEST_DEVIATION_N_KINDS];
  gboolean truncated;        /* max_events reached: the scan stopped early */
} IngestDeviations;

/* Scans the window of store. Returns a new list (free with
 * ingest_deviations_free); never NULL. Costs one pass over the events in
 * the window (at most max_events) and memory bounded by the actors seen
 * and max_rows per kind. */
IngestDeviations *ingest_deviations_find (IngestStore *store, const IngestDeviationSpec *spec);
void ingest_deviations_free (IngestDeviations *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestDeviations, ingest_deviations_free)

G_END_DECLS
