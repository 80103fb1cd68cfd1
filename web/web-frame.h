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

/* The views (graph, timeline) built during one round of frames, keyed by
 * what they depend on (window, filters, groups): clients whose frames
 * differ only in view kind, size or theme share one scan of the store (a
 * sequence chart and a timeline use the same IngestTimeline; every frame's
 * actor table uses the graph). Valid while the store is unchanged: make
 * one per round and free it before new events are appended. */
typedef struct _WebViewCache WebViewCache;
WebViewCache *web_view_cache_new (void);
void web_view_cache_free (WebViewCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WebViewCache, web_view_cache_free)

/* What follow-live views keep between rounds: one sliding-window graph
 * (IngestGraphWindow) per window length, filters and groups, and one
 * sliding-window timeline (IngestTimelineWindow, shared by timeline and
 * sequence views) per window length, filters, groups and level of detail,
 * advanced with the new events instead of rescanning the window every
 * frame (a live timeline starts at a bucket boundary, up to 0.5 % of the
 * window earlier than asked). Owned by the
 * server (store borrowed, must outlive it); windows unused for a few
 * seconds are dropped by web_live_views_prune(). */
typedef struct _WebLiveViews WebLiveViews;
WebLiveViews *web_live_views_new (IngestStore *store);
void web_live_views_free (WebLiveViews *live);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WebLiveViews, web_live_views_free)
/* Frees windows no frame used since now_us - max_idle_us (monotonic µs). */
void web_live_views_prune (WebLiveViews *live, gint64 now_us, gint64 max_idle_us);
/* Number of windows kept, graphs and timelines (for tests and stats). */
guint web_live_views_size (const WebLiveViews *live);
/* Lets the frames of one round take follow-live graphs from live, and
 * keep every graph view's node positions there between frames (borrowed;
 * NULL = always the batch build, nothing kept). */
void web_view_cache_set_live (WebViewCache *cache, WebLiveViews *live);

/* Frames keep their SVG within a byte budget (render_view_build draws
 * busier views with less detail); the service's --frame-budget. */
#define WEB_FRAME_DEFAULT_BUDGET (200 * 1024)
#define WEB_FRAME_MIN_BUDGET (16 * 1024)
#define WEB_FRAME_MAX_BUDGET (64 * 1024 * 1024)
/* The SVG byte budget of the frames built with cache (default
 * WEB_FRAME_DEFAULT_BUDGET, also used without a cache). */
void web_view_cache_set_frame_budget (WebViewCache *cache, gsize budget);

/* Everything one frame needs, detached from the store: a copy of the
 * state, the detached view data (graph, and timeline for timeline and
 * sequence views), the actor table rows, the overview, the counters and, for a
 * graph view with live views, the positions of its last frame.
 *
 * Threading: web_frame_input_new reads the store (and advances the live
 * windows of cache), so it runs where the store is quiet: the thread that
 * appends. web_frame_input_render reads nothing but the input and may run
 * in any thread, while the store keeps growing; one thread at a time per
 * input. web_frame_input_keep_positions goes back to the first thread. */
typedef struct _WebFrameInput WebFrameInput;
/* cache may be NULL. NULL with error set for a view the store rejects (bad regex).
 * Owned by the caller. */
WebFrameInput *web_frame_input_new (IngestStore *store, const WebViewState *state,
                                    const WebActivity *activity, WebViewCache *cache,
                                    GError **error);
void web_frame_input_free (WebFrameInput *input);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WebFrameInput, web_frame_input_free)
/* The frame as compact JSON (g_free); scene_out as for web_frame_build.
 * Call once per input. */
char *web_frame_input_render (WebFrameInput *input, RenderScene **scene_out, GError **error);
/* After a rendering of a graph view: the node positions it computed
 * become the view's kept positions in live, so its next frame starts from
 * them (nothing for other views, or when live is NULL). */
void web_frame_input_keep_positions (WebFrameInput *input, WebLiveViews *live);

/* Builds the frame for state as compact JSON (g_free): web_frame_input_new,
 * _render and _keep_positions in one go, on the calling thread. cache may be NULL
 * (nothing shared). scene_out, if not NULL, receives the scene (owned by the
 * caller) for hit testing. Returns NULL and sets error for a view the store
 * rejects (bad regex). */
char *web_frame_build (IngestStore *store, const WebViewState *state,
                       const WebActivity *activity, WebViewCache *cache,
                       RenderScene **scene_out, GError **error);

/* Details of one thing, as compact JSON (g_free). klass and id are what
 * the SVG group of a layout carries (class, data-id):
 *   actor    the actor's name (or a group node's pattern); "#N" = actor id N
 *   edge     "e<from>-<to>" (graph node indexes of the view), or "FROM->TO"
 *            (actor names, all-time totals)
 *   message  the message id (sequence chart arrows)
 *   span     "span<k>", bin "bin<k>", mark "mark<k>" (timeline items)
 * The index-based ids name items of the view the client drew: state and
 * [from_ns, to_ns] (the window of that frame) rebuild it. state may be NULL
 * (then only names and message ids resolve). NULL with a not-found error
 * when nothing matches. */
char *web_frame_details (IngestStore *store, const WebViewState *state,
                         gint64 from_ns, gint64 to_ns,
                         const char *klass, const char *id, GError **error);

G_END_DECLS
