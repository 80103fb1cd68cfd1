/* web-frame.h: what a /live client receives: a frame (the view rendered as
 * SVG by render/, the Akka-console style actor table, the activity overview
 * and counters) and details replies for a clicked actor, edge or message.
 *
 * Frames depend only on the store and a view state, so clients looking at
 * the same thing share one rendering (see WebFrameCache in web-server.c).
 */
#pragma once

#include "ingest-store.h"
#include "render-scene.h"
#include "web-view-state.h"

G_BEGIN_DECLS

/* Activity of the whole store over time, kept incrementally (events per
 * bucket; buckets double in width so their number stays bounded). Feeds the
 * overview strip under the scrubber. */
typedef struct _WebActivity WebActivity;

WebActivity *web_activity_new (void);
void web_activity_free (WebActivity *activity);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WebActivity, web_activity_free)
/* Counts the events appended since the last call. */
void web_activity_update (WebActivity *activity, IngestStore *store);
/* The overview as {"from_ms", "to_ms", "bins": [n...]} with at most
 * max_bins bins (new reference). */
json_t *web_activity_to_json (const WebActivity *activity, guint max_bins);

/* Most actors a frame's table lists (the busiest ones). */
#define WEB_FRAME_MAX_TABLE_ROWS 500

/* Builds the frame for state as compact JSON (g_free). scene_out, if not
 * NULL, receives the scene (owned by the caller) for hit testing. Returns
 * NULL and sets error for a view the store rejects (bad regex). */
char *web_frame_build (IngestStore *store, const WebViewState *state,
                       const WebActivity *activity, RenderScene **scene_out, GError **error);

/* Details of one thing, as compact JSON (g_free): klass is "actor", "edge"
 * or "message" (or a render group class such as "node", "lane", "span",
 * "arrow" mapped onto those); id is what the SVG's data-id holds (a number,
 * an actor name, or "FROM->TO" for an edge). NULL with a not-found error
 * when nothing matches. */
char *web_frame_details (IngestStore *store, const char *klass, const char *id,
                         GError **error);

G_END_DECLS
