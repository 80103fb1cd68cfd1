/* render-columns.h: the one definition of every actor-table column.
 *
 * The CLI table and `stats --json`, the browser console's table and the
 * desktop tree all show the same figures: which rows (the nodes of a graph
 * view, so a filter or a group changes the rows, never zeroes them), what
 * each column means, its scope and how it is written ("—" when a figure
 * does not apply, e.g. a queue's processing time). Front ends only lay the
 * rows out.
 *
 * Scope: the view's window (the whole trace when it has none) for counts,
 * rate, mailbox maximum and the wait and processing latencies; "now" (the
 * end of the data) for the current mailbox, pending, unacked and
 * unanswered; since the start for round trips (request/response pairs
 * span windows). Every table says so in its header
 * (render_column_table_scope_text).
 */
#pragma once

#include <glib.h>

#include "ingest-store.h"
#include "ingest-view.h"

G_BEGIN_DECLS

typedef enum {
  RENDER_COLUMN_NAME,
  RENDER_COLUMN_KIND,
  RENDER_COLUMN_SENT,
  RENDER_COLUMN_RECEIVED,
  RENDER_COLUMN_RATE,
  RENDER_COLUMN_MAILBOX,
  RENDER_COLUMN_MAILBOX_MAX,
  RENDER_COLUMN_WAIT_P50,
  RENDER_COLUMN_WAIT_P99,
  RENDER_COLUMN_PROC_P50,
  RENDER_COLUMN_PROC_P99,
  RENDER_COLUMN_RTT_P50,
  RENDER_COLUMN_RTT_P99,
  RENDER_COLUMN_PENDING,
  RENDER_COLUMN_UNACKED,
  RENDER_COLUMN_UNANSWERED,
  RENDER_COLUMN_ERRORS,
  RENDER_COLUMN_CRASHES,
  RENDER_N_COLUMNS
} RenderColumnId;

typedef enum {
  RENDER_COLUMN_SCOPE_NONE,         /* names and kinds */
  RENDER_COLUMN_SCOPE_WINDOW,       /* the view's window */
  RENDER_COLUMN_SCOPE_NOW,          /* at the end of the data */
  RENDER_COLUMN_SCOPE_SINCE_START,  /* everything read so far */
} RenderColumnScope;

typedef struct {
  RenderColumnId id;
  const char *key;          /* stable identifier: JSON keys, GTK column names */
  const char *header;       /* short header, untranslated (N_): front ends _() it */
  const char *description;  /* one sentence, untranslated (N_): tooltips, legends */
  RenderColumnScope scope;
  gboolean numeric;         /* right-aligned, sorted busiest first */
} RenderColumn;

/* The definition of column id (static, never NULL for a valid id). */
const RenderColumn *render_column_get (RenderColumnId id);
/* "window", "now", "since start" or "" (untranslated, N_). */
const char *render_column_scope_name (RenderColumnScope scope);

/* One row: an actor, or a group of actors (the sums of its members). */
typedef struct {
  char *name;                /* owned by the table: actor path or group glob */
  char *label;               /* owned: the shortest form that tells the table's rows
                              * apart (render-names.h), for narrow tables */
  IngestActorId actor;       /* the actor, or the group's first member */
  guint8 kind;               /* IngestActorKind */
  gboolean is_group;
  gboolean alive;
  guint n_members;
  guint64 sent, received;    /* in the window */
  guint64 spans;             /* spans begun in the window (not in received) */
  double rate_per_s;         /* received in the window / window seconds */
  gint64 mailbox_now;        /* sent to it, not taken out (broker queues: not acked) */
  gint64 mailbox_max;        /* in the window */
  IngestLatency wait;        /* send -> receive (held until acked: -> ack), window */
  IngestLatency processing;  /* receive -> done, window; count 0 for queues */
  IngestLatency round_trip;  /* since start; count 0 for groups (no merge) */
  guint64 pending, unacked, unanswered;  /* now */
  guint64 errors, crashes, dropped;      /* window */
} RenderColumnRow;

typedef struct {
  RenderColumnRow *rows;     /* n_rows, owned */
  guint n_rows;
  guint n_nodes;             /* rows before max_rows cut (graph nodes) */
  gint64 from_ns, to_ns;     /* the graph's window */
  double window_s;
} RenderColumnTable;

/* The rows of graph's nodes, completed from store (current mailbox,
 * pending, round trip; a group's from the actors its glob matches). With
 * max_rows > 0 only the busiest max_rows are kept (sent + received +
 * current mailbox + pending: a stuck queue counts as busy), busiest first;
 * with 0 every node in the graph's order. Call with the store quiet.
 * Owned by the caller. */
RenderColumnTable *render_column_table_build (IngestStore *store, const IngestGraph *graph,
                                              guint max_rows);
/* The same from any view's nodes (IngestViewNode: a graph's nodes or a
 * timeline's lanes, which count the same figures) over [from_ns, to_ns]. */
RenderColumnTable *render_column_table_build_nodes (IngestStore *store, const GArray *nodes,
                                                    gint64 from_ns, gint64 to_ns, guint max_rows);
void render_column_table_free (RenderColumnTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RenderColumnTable, render_column_table_free)

/* Finds the row of actor or group name; NULL when it is not in the table. */
const RenderColumnRow *render_column_table_find (const RenderColumnTable *table, const char *name);

/* The text of one cell, as every front end shows it: counts in full
 * (never cut), durations as "1.50ms", rates as "12.5/s", "—" when the
 * figure does not apply (no sample, a queue's processing, a group's
 * round trip). The name is returned as it is (front ends escape it for
 * their medium). Owned by the caller. */
char *render_column_format (RenderColumnId id, const RenderColumnRow *row);

/* The number behind a numeric cell (counts, ns, per second) for sorting
 * and JSON; FALSE when it does not apply ("—"). */
gboolean render_column_value (RenderColumnId id, const RenderColumnRow *row, double *value);

/* One line saying what the table covers, for its header, translated:
 * e.g. "window: 10.00s; MBOX, PENDING, UNACKED, UNANSWERED: now; RTT P50,
 * RTT P99: since start". Owned by the caller. */
char *render_column_table_scope_text (const RenderColumnTable *table);

/* A duration ("850ns", "1.50µs", "12.3ms", "2.00s", "1m30s") and a rate
 * ("0/s", "2.50/s", "12.5/s", "1.2k/s"), as the cells write them. */
char *render_column_format_duration (gint64 ns);
char *render_column_format_rate (double per_s);

G_END_DECLS
