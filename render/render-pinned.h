/* render-pinned.h: pinned lanes. A front end may pin actors (or groups)
 * to the top of the timeline and the sequence chart, the way Perfetto
 * pins tracks: their lanes come first, in the order pinned, whatever the
 * view's own order; the other lanes keep theirs. Done on the view data
 * (a reordered copy of the timeline), so both layouts show it the same
 * and neither knows about pins.
 */
#pragma once

#include "ingest-view.h"

G_BEGIN_DECLS

/* Bound on pinned names a front end passes. */
#define RENDER_PINNED_MAX 16

/* A timeline like tl (borrowed, must outlive the result) with the lanes
 * named in pinned (NULL-terminated, at most RENDER_PINNED_MAX read; a
 * name drawn by no lane is skipped) first and every lane index in its
 * items remapped. Sets *n_pinned to the lanes moved to the top. Returns
 * NULL when no lane is pinned (use tl as it is); otherwise the copy,
 * freed with render_pinned_timeline_free (it shares tl's lane names,
 * store and strings, and owns only its arrays). */
IngestTimeline *render_pinned_timeline (const IngestTimeline *tl, const char *const *pinned,
                                        guint *n_pinned);
void render_pinned_timeline_free (IngestTimeline *pinned);

G_END_DECLS
