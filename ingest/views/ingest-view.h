/* ingest-view.h: views over the store, for a time window, a filter and a
 * grouping: the interaction graph and the timeline. Views are data (no
 * drawing): render/ lays them out. Each view is a snapshot owned by the caller.
 *
 * Level of detail: a timeline never holds more than spec->max_items messages
 * and spans; when the window holds more, dense stretches are aggregated into
 * IngestDensityBin rows (counts per lane pair per time bucket).
 */
#pragma once

#include "ingest-store.h"

G_BEGIN_DECLS

typedef struct {
  gint64 from_ns;            /* INGEST_TIME_MIN = from the start */
  gint64 to_ns;              /* INGEST_TIME_MAX = to the end */
  /* Glob (e.g. "/user/" + "*", "xapi*") or "/regex/"; NULL = all.
   * An edge/message shows when either end matches. */
  const char *actor_filter;
  const char *label_filter;  /* glob or "/regex/" on message labels; NULL = all */
  /* NULL-terminated globs (or regexes): each matching actor is folded into
   * one node named by the pattern itself (e.g. every actor under
   * "/user/workers/" matched by "/user/workers/" + "*" becomes one node with
   * that name); the first matching pattern wins; NULL = none. */
  const char *const *groups;
  guint max_items;           /* timeline LOD bound, 0 = default 4000 */
  /* FALSE (the default): every thread actor whose parent is a process
   * (Chrome, Perfetto and Node traces) folds into its process's node, so a
   * browser's 88 threads draw as its 10 processes; flows between threads of
   * one process become that node's self-loop. TRUE: one node per thread.
   * Group patterns are matched first: a thread a group takes stays there. */
  gboolean expand_threads;
} IngestViewSpec;

/* The strings and actor parents a detached view resolves without a store
 * (see ingest_graph_dup_detached). */
typedef struct _IngestViewStrings IngestViewStrings;

/* A node of a view: one actor, or one group of actors. */
typedef struct {
  IngestActorId actor;       /* the actor, or the first member for a group */
  char *name;                /* owned by the view: the actor path or group glob */
  guint8 kind;               /* IngestActorKind */
  gboolean is_group;
  /* A process with its threads folded in (spec->expand_threads FALSE): its
   * figures are the sum of the process's and its threads'; n_members counts
   * the process and those threads. Not a group (is_group FALSE): its name is
   * the process's, not a pattern. */
  gboolean is_fold;
  guint n_members;
  guint64 sent, received, errors, crashes, dropped;
  guint64 spans;             /* spans begun (IngestMessage.span), not in received */
  gint64 mailbox_depth_max;  /* in the window */
  IngestLatency mailbox, processing;
  gboolean alive;
} IngestViewNode;

typedef struct {
  guint from, to;            /* node indexes */
  guint64 count, received, dropped, bytes;
  double rate_per_s;         /* count / window seconds */
  IngestLatency mailbox, round_trip;
  IngestAtom top_label;
  guint64 pending;           /* sent in window, never received */
} IngestViewEdge;

typedef struct {
  IngestStore *store;        /* borrowed; NULL when detached */
  gint64 from_ns, to_ns;     /* the effective window (clamped to data) */
  GArray *nodes;             /* IngestViewNode */
  GArray *edges;             /* IngestViewEdge */
  IngestViewStrings *strings; /* owned; set when detached, else NULL */
} IngestGraph;

/* Builds the graph for spec (NULL = everything). Returns NULL and sets error
 * (INGEST_ERROR_FILTER) for a bad regex or a filter too expensive to match
 * (ingest-matcher.h). Owned by the caller. */
IngestGraph *ingest_graph_build (IngestStore *store, const IngestViewSpec *spec, GError **error);
void ingest_graph_free (IngestGraph *graph);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestGraph, ingest_graph_free)

/* Detached views: a copy that needs no store (store NULL) and holds every
 * string a layout or a frame reads of it (edge top labels; for each node
 * actor its chain of parents, at most 64 up). Nothing in it changes after
 * the copy, so any number of threads may read it while the store keeps
 * growing in another. Call with the store quiet (on the thread that
 * appends, or under its lock). Owned by the caller. */
IngestGraph *ingest_graph_dup_detached (const IngestGraph *graph);

/* The text of atom as the view sees it: from the store, or from a detached
 * view's own strings; "" for 0, an unknown atom or a view with neither
 * (hand-built in tests). Borrowed from the store or the view. */
const char *ingest_graph_atom (const IngestGraph *graph, IngestAtom atom);
/* The parent of actor (0 = none or unknown), from the store or from a
 * detached view's copy of the node actors' ancestry. */
IngestActorId ingest_graph_actor_parent (const IngestGraph *graph, IngestActorId actor);
/* The name of actor (a node's actor or one of its ancestors), from the
 * store or a detached view's copy; "" when unknown. Borrowed. */
const char *ingest_graph_actor_name (const IngestGraph *graph, IngestActorId actor);

/* Whether a view of a fixed window, built earlier, is still what building
 * it again would give, without building it: the store only grows, and a
 * view of [from, to] changes only through an event timed at or before to,
 * one naming a message (or the request of a message) that has an event
 * timed so, an edit of what the store already held (ingest_store_edits()),
 * or retention moving the history's start. Conservative: it may say a
 * view changed when it did not, never the other way round. A window
 * reaching past the newest event (its end clamped to the data) changes
 * with any event. Plain data, no references. */
typedef struct {
  gint64 to_ns;              /* the spec's end */
  gboolean open;             /* the window reached past the newest event */
  guint64 checked;           /* events [0, checked) are accounted for */
  IngestSeq first_seq;
  guint64 edits;
} IngestViewStamp;

/* Takes the stamp of a view of spec built now (call with the store as the
 * build saw it). */
void ingest_view_stamp_take (IngestViewStamp *stamp, IngestStore *store, const IngestViewSpec *spec);
/* TRUE while a view stamped so is unchanged; looks at each event appended
 * since the last call once (O(new events), reading at most two messages
 * each). Once FALSE, stays FALSE. */
gboolean ingest_view_stamp_holds (IngestViewStamp *stamp, IngestStore *store);

/* Timeline items. Lanes are the nodes (IngestViewNode) in a stable order
 * (hierarchy order: parents before children, then by first activity).
 *
 * Messages: every visible message sent in the window, plus those received
 * in it but sent before (send_ns < from_ns). Spans: receive -> done; a
 * receive without done, at an actor that does report done events, is a span
 * closed by the next receive on the same lane or left running
 * (INGEST_TIME_MAX); actors that never report done get no spans. When
 * aggregated, messages holds only pending and dropped messages (at most
 * max_items) and spans is empty: everything else is counted in bins, so
 * messages->len + sum of bins' count == n_messages_total. */
typedef struct {
  IngestMessageId message;
  /* to_lane: the receiver's lane; for a pending message, the intended
   * receiver's if known, else G_MAXUINT. */
  guint from_lane, to_lane;
  gint64 send_ns;
  gint64 receive_ns;         /* INGEST_TIME_MAX when pending */
  IngestAtom label;
  gboolean is_response;      /* in_reply_to != 0 */
  gboolean dropped;
} IngestTimelineMessage;

typedef struct {
  guint lane;
  IngestMessageId message;   /* the message being processed, 0 for a slice */
  gint64 start_ns, end_ns;   /* end == INGEST_TIME_MAX when still running */
  IngestAtom label;
} IngestTimelineSpan;

typedef struct {
  guint lane;                /* G_MAXUINT for a global mark */
  gint64 time_ns;
  IngestEventKind kind;      /* MARK, SPAWN, EXIT, DROP */
  IngestExitStatus exit_status;
  IngestAtom text;
} IngestTimelineMark;

typedef struct {
  guint from_lane, to_lane;
  gint64 start_ns, end_ns;
  guint64 count;             /* messages sent in [start, end) from -> to */
  /* Processing spans starting in [start, end) on from_lane; only in bins
   * with from_lane == to_lane (such a bin's count is the lane's messages to
   * itself). */
  guint64 spans;
  /* The busiest label of the bin's messages (the majority label when one
   * label has most of them, else a frequent one), 0 = none or unknown;
   * resolve with ingest_timeline_atom. */
  IngestAtom top_label;
} IngestDensityBin;

typedef struct {
  guint lane;
  gint64 time_ns;
  gint64 depth;              /* mailbox depth from this time on */
} IngestDepthSample;

typedef struct {
  IngestStore *store;        /* borrowed; NULL when detached */
  gint64 from_ns, to_ns;     /* effective window */
  GArray *lanes;             /* IngestViewNode */
  GArray *messages;          /* IngestTimelineMessage, by send time */
  GArray *spans;             /* IngestTimelineSpan */
  GArray *marks;             /* IngestTimelineMark */
  GArray *bins;              /* IngestDensityBin, when aggregated */
  GArray *depth;             /* IngestDepthSample by lane then time (bounded) */
  guint64 n_messages_total;  /* in window, before LOD (kept + binned) */
  gboolean aggregated;       /* TRUE when bins replace some messages */
  IngestViewStrings *strings; /* owned; set when detached, else NULL */
} IngestTimeline;

/* The timeline for spec; NULL and error set as ingest_graph_build(). */
IngestTimeline *ingest_timeline_build (IngestStore *store, const IngestViewSpec *spec, GError **error);
void ingest_timeline_free (IngestTimeline *timeline);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestTimeline, ingest_timeline_free)

/* A copy of timeline that needs no store, holding the labels of its
 * messages and spans and the texts of its marks (as
 * ingest_graph_dup_detached). Owned by the caller. */
IngestTimeline *ingest_timeline_dup_detached (const IngestTimeline *timeline);
/* The text of atom as the timeline sees it (as ingest_graph_atom). */
const char *ingest_timeline_atom (const IngestTimeline *timeline, IngestAtom atom);

G_END_DECLS
