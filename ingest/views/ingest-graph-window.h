/* ingest-graph-window.h: the interaction graph of a sliding "last N
 * seconds" window, kept incrementally.
 *
 * ingest_graph_build() scans every event of its window; a live view that
 * rebuilds it ten times a second rescans the same millions of events. An
 * IngestGraphWindow instead consumes the events appended since its last
 * advance (by sequence number) and takes back the events that left the
 * window (walking the store's time index from the old window start to the
 * new one), so each advance costs O(new events + events leaving + actors).
 *
 * The window always ends at the store's latest event (a follow-live view);
 * its start only moves forward: moving it back (a longer window) refills
 * the window once from the time index.
 *
 * The graph it produces equals ingest_graph_build() for the spec
 * {from_ns, INGEST_TIME_MAX, same filters and groups}, with these
 * documented differences:
 *  - latency min/max: after a removal took away an extreme, the new one is
 *    read from the histogram buckets (within INGEST_LATENCY_RELATIVE_ERROR;
 *    see ingest_latency_hist_remove), so min/max/p50/p99 agree within the
 *    histogram's precision rather than exactly;
 *  - a group node's mailbox_depth_max sums its members' last known depths
 *    (the batch build counts a member that has no event in the window yet
 *    as 0); single-actor nodes agree exactly;
 *  - an edge's top_label is the exact most frequent label in the window
 *    (ties: the smallest atom); the batch build reports a Misra-Gries
 *    candidate, which is the same whenever an edge carries at most four
 *    labels with distinct counts;
 *  - a group node's `actor` is its member with the smallest id among those
 *    active in the window (the batch build: the first one met in time);
 *  - messages whose events arrive out of causal order (RECEIVE appended
 *    before its SEND, a second RECEIVE for one message) contribute the
 *    facts known when their event was consumed.
 *
 * Memory: per actor and per edge a few words and histograms; per message
 * one byte (what was counted for it); per node a monotonic queue of depth
 * samples (bounded by the window's samples).
 *
 * Threading: like the store, one thread at a time.
 */
#pragma once

#include "ingest-view.h"

G_BEGIN_DECLS

typedef struct _IngestGraphWindow IngestGraphWindow;

/* Takes filters and groups from spec (copied; from_ns, to_ns and max_items
 * are ignored; NULL = no filter). store is borrowed and must outlive the
 * window. Returns NULL and sets INGEST_ERROR_FILTER for a bad regex. Owned
 * by the caller. */
IngestGraphWindow *ingest_graph_window_new (IngestStore *store, const IngestViewSpec *spec,
                                            GError **error);
void ingest_graph_window_free (IngestGraphWindow *window);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestGraphWindow, ingest_graph_window_free)

/* Moves the window to [from_ns, latest event]: consumes the events
 * appended since the last call and removes those now older than from_ns.
 * from_ns in ns (INGEST_TIME_MIN = everything). */
void ingest_graph_window_advance (IngestGraphWindow *window, gint64 from_ns);

/* The graph of the current window (a new snapshot owned by the caller,
 * like ingest_graph_build()'s). Costs O(actors + edges). */
IngestGraph *ingest_graph_window_dup_graph (IngestGraphWindow *window);

/* FALSE with INGEST_ERROR_FILTER "filter too expensive (...)" once a filter
 * or group went over its matching budget (ingest-matcher.h) in an advance
 * or a snapshot: the window stops matching for good, its snapshots are
 * incomplete and must not be shown. Call after each advance and snapshot. */
gboolean ingest_graph_window_check (IngestGraphWindow *window, GError **error);

/* The window start of the last advance (ns). */
gint64 ingest_graph_window_get_from (const IngestGraphWindow *window);

G_END_DECLS
