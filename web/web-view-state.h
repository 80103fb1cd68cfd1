/* web-view-state.h: what one browser client is looking at. Each /live
 * client owns one WebViewState on the server; control messages change it
 * (web_view_state_apply_json) and the frame builder reads it.
 *
 * Times in the protocol are milliseconds since the epoch as JSON numbers
 * (doubles keep sub-microsecond precision there; nanoseconds would not fit
 * a JavaScript number); inside the server they are nanoseconds.
 */
#pragma once

#include <jansson.h>
#include "ingest-view.h"
#include "render-palette.h"
#include "render-view.h"

G_BEGIN_DECLS

/* Bounds on what a client may ask for. */
#define WEB_VIEW_MAX_FILTER 256
#define WEB_VIEW_MAX_GROUPS 16
#define WEB_VIEW_MAX_PINNED 16                               /* RENDER_PINNED_MAX */
#define WEB_VIEW_MAX_PINNED_NAME 1024
#define WEB_VIEW_MIN_WINDOW_NS ((gint64) 1000000)              /* 1 ms */
#define WEB_VIEW_MAX_WINDOW_NS ((gint64) 7 * 24 * 3600 * 1000000000LL)
#define WEB_VIEW_MAX_SIZE 8000.0

typedef struct {
  RenderViewKind kind;       /* "kind" in the protocol: render_view_kind_to_string */
  gboolean follow;           /* TRUE: the last window_ns of data, moving */
  gint64 window_ns;          /* follow window length */
  gint64 from_ns, to_ns;     /* fixed range when !follow */
  char *actor_filter;        /* owned, NULL = all */
  char *label_filter;        /* owned, NULL = all */
  GStrv groups;              /* owned, NULL = none */
  gboolean expand_threads;   /* IngestViewSpec.expand_threads: one node per thread */
  GStrv pinned;              /* owned, NULL = none: lanes on top (render-pinned.h) */
  double zoom;               /* 1 = fit; >1 magnifies */
  double pan_x, pan_y;       /* scene units the viewport is moved by */
  double width, height;      /* viewport in CSS px, 0 = layout default */
  RenderTheme theme;
  guint64 generation;        /* bumped by every change (frames are redrawn) */
} WebViewState;

void web_view_state_init (WebViewState *state);
void web_view_state_clear (WebViewState *state);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WebViewState, web_view_state_clear)

/* Applies the fields present in a "view" control message (a JSON object:
 * kind, follow, window_s, from_ms, to_ms, filter, label_filter, groups,
 * expand_threads, pinned, zoom, pan, width, height, theme). All-or-nothing: on a bad
 * field returns
 * FALSE with error naming it and leaves state unchanged. */
gboolean web_view_state_apply_json (WebViewState *state, json_t *msg, GError **error);

/* The window to show given the store's data range: follow mode ends at the
 * newest event. */
void web_view_state_window (const WebViewState *state, IngestStore *store,
                            gint64 *from_ns, gint64 *to_ns);

/* Fills spec (borrowing strings from state) for the effective window. */
void web_view_state_to_spec (const WebViewState *state, gint64 from_ns, gint64 to_ns,
                             IngestViewSpec *spec);

/* A string equal for two states that draw the same frame for the same
 * window (clients sharing it share one rendering). Owned by the caller. */
char *web_view_state_key (const WebViewState *state, gint64 from_ns, gint64 to_ns);

/* The state as a JSON object for the client (new reference). */
json_t *web_view_state_to_json (const WebViewState *state);

G_END_DECLS
