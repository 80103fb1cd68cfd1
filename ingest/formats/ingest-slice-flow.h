/* ingest-slice-flow.h: the store mapping of slice-and-flow traces (Chrome
 * and Perfetto TrackEvents), shared by the formats that need it.
 *
 * A slice on a thread is processing: RECEIVE at its start and DONE at its
 * end of a message of its own ("slice:N", labelled with the slice name, no
 * sender, not counted as unmatched). A flow is a chain of slices across
 * threads: each hop from one flow point to the next (in time order) is a
 * message ("flow:N") SENT by the thread of the earlier point at its time and
 * RECEIVED by the thread of the later point (DONE at the end of that
 * point's slice when known), labelled with the later slice's name.
 *
 * Flow points may arrive in any order (a Perfetto trace is written in
 * per-thread chunks): they are kept (bounded: INGEST_SLICE_FLOW_MAX_POINTS)
 * and the hops are emitted, sorted by time per flow, at
 * ingest_slice_flow_finish() or when the bound is reached (then flows
 * spanning that moment are cut in two, counted in `flows_cut`).
 */
#pragma once

#include "ingest-store.h"

G_BEGIN_DECLS

typedef struct _IngestSliceFlow IngestSliceFlow;

#define INGEST_SLICE_FLOW_MAX_POINTS (1u << 20)

/* store is borrowed and must outlive the mapper. Owned by the caller. */
IngestSliceFlow *ingest_slice_flow_new (IngestStore *store);
void ingest_slice_flow_free (IngestSliceFlow *sf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestSliceFlow, ingest_slice_flow_free)

/* Opens a slice on actor (a name, borrowed) and returns its handle (> 0). */
guint64 ingest_slice_flow_begin (IngestSliceFlow *sf, const char *actor, gint64 t, const char *label);
/* Closes slice `handle` (opened on actor) at t. */
void ingest_slice_flow_end (IngestSliceFlow *sf, guint64 handle, const char *actor, gint64 t);

/* A point of flow flow_id at slice `slice` (a handle, or 0 for an instant)
 * on actor at t; terminating: the flow ends here (its id may be reused). */
void ingest_slice_flow_point (IngestSliceFlow *sf, guint64 flow_id, const char *actor, gint64 t,
                              const char *label, guint64 slice, gboolean terminating);

/* A mark on actor (NULL: global). */
void ingest_slice_flow_mark (IngestSliceFlow *sf, const char *actor, gint64 t, const char *text);

/* Emits every flow hop still kept. */
void ingest_slice_flow_finish (IngestSliceFlow *sf);

guint64 ingest_slice_flow_n_hops (IngestSliceFlow *sf);
guint64 ingest_slice_flow_n_cut (IngestSliceFlow *sf);

G_END_DECLS
