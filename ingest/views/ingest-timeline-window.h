/* ingest-timeline-window.h: the timeline of a sliding "last N seconds"
 * window, kept incrementally.
 *
 * ingest_timeline_build() scans every event of its window; a live timeline
 * or sequence chart rebuilt ten times a second rescans the same millions of
 * events. An IngestTimelineWindow cuts time into buckets aligned to
 * absolute time (width: a 1-2-5 step near window_ns / 200) and keeps, per
 * bucket, what the timeline's level of detail needs: message counts per
 * actor pair, span counts and sent/received/error counts per actor, each
 * folded node's mailbox depth maximum and last sample, marks, and the
 * messages that were pending or dropped when seen. Each advance consumes
 * only the events appended since the last one (by sequence number) and
 * drops the buckets that left the window; the timeline is then assembled
 * from the buckets in O(buckets x (actor pairs + actors) + marks + kept
 * messages), without touching the window's events. Snapshots are
 * incremental too: each bucket's counts are read from flat arrays made
 * once after its last change, so a frame re-reads the arrays of the
 * buckets that did not change (all but the newest few) instead of walking
 * their hash tables (tests: test_incremental_equals_fresh; figures:
 * bench-views).
 *
 * The window starts at a bucket boundary: advance (from_ns) uses
 * floor (from_ns / width) * width, so it may hold up to one bucket more
 * than asked (0.5 % of the window); ingest_timeline_window_get_from()
 * tells the start used.
 *
 * The timeline equals ingest_timeline_build() for the spec
 * {get_from(), INGEST_TIME_MAX, same filters, groups and max_items} in
 * lanes (names, order, sent, received, errors, crashes, dropped, depth
 * maximum), n_messages_total, aggregated, the sums of bins' count and
 * spans, and the invariant messages->len + sum of bins' count ==
 * n_messages_total. When the window holds no more than max_items messages
 * and spans it simply is ingest_timeline_build() (that window is small).
 * Documented differences when aggregated:
 *  - bins use this window's absolute buckets (merged by a whole factor when
 *    lane pairs x buckets would pass 4 x max_items) instead of 200 buckets
 *    relative to the window start;
 *  - depth samples are always each bucket's maximum and last sample (the
 *    batch build keeps raw samples for lanes with at most 512);
 *  - lanes' latency summaries (mailbox, processing) are left empty: the
 *    timeline layouts don't draw them; the graph view carries them;
 *  - the kept pending/dropped messages are those of the first
 *    4 x max_items pending-or-dropped messages per bucket whose state is
 *    still pending or dropped (the batch build: the first max_items of the
 *    whole window), and a message received in the window but sent before
 *    it is counted in a bin even if it was dropped;
 *  - facts are taken when the event is consumed: a receiver learnt after
 *    the SEND was consumed, or events appended out of causal order, count
 *    as they were known then (like IngestGraphWindow).
 *
 * Memory: per bucket what is listed above (bounded by the bucket's
 * events); one byte per message id; per actor a few words.
 *
 * Threading: like the store, one thread at a time.
 */
#pragma once

#include "ingest-view.h"

G_BEGIN_DECLS

typedef struct _IngestTimelineWindow IngestTimelineWindow;

/* Takes filters, groups and max_items from spec (copied; from_ns and to_ns
 * are ignored; NULL = no filter, default max_items). window_ns (> 0) is
 * the window length the caller will follow: it sets the bucket width.
 * store is borrowed and must outlive the window. Returns NULL and sets
 * INGEST_ERROR_FILTER for a bad regex. Owned by the caller. */
IngestTimelineWindow *ingest_timeline_window_new (IngestStore *store, const IngestViewSpec *spec,
                                                  gint64 window_ns, GError **error);
void ingest_timeline_window_free (IngestTimelineWindow *window);

/* As ingest_graph_window_check(): FALSE with INGEST_ERROR_FILTER once a
 * filter or group went over its matching budget; snapshots are then
 * incomplete and must not be shown. */
gboolean ingest_timeline_window_check (IngestTimelineWindow *window, GError **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestTimelineWindow, ingest_timeline_window_free)

/* Moves the window to [from_ns rounded down to a bucket, latest event]:
 * consumes the events appended since the last call and drops the buckets
 * now before the start. from_ns in ns. Moving the start back (earlier than
 * a previous advance) refills the window once from the time index. */
void ingest_timeline_window_advance (IngestTimelineWindow *window, gint64 from_ns);

/* Fills a new window (never advanced) once with the events of
 * [from_ns rounded down to a bucket, to_ns] (to_ns inclusive, ns) and
 * makes it a snapshot that can no longer advance: what a live frame of
 * [from_ns, to_ns] showed, rebuilt (e.g. to resolve a clicked bin's index
 * the same way). */
void ingest_timeline_window_fill_snapshot (IngestTimelineWindow *window, gint64 from_ns, gint64 to_ns);

/* The timeline of the current window (a new snapshot owned by the caller,
 * like ingest_timeline_build()'s). */
IngestTimeline *ingest_timeline_window_dup_timeline (IngestTimelineWindow *window);

/* The window start of the last advance, bucket-aligned (ns). */
gint64 ingest_timeline_window_get_from (const IngestTimelineWindow *window);

/* The bucket width (ns). */
gint64 ingest_timeline_window_get_bucket_width (const IngestTimelineWindow *window);

G_END_DECLS
