/* render-layout-private.h: what the three layouts share (resolved options,
 * fonts, theme, the empty-view scene, label lookup). Internal to render/. */
#pragma once

#include "render-layout.h"
#include "render-text.h"

G_BEGIN_DECLS

typedef struct {
  RenderLayoutOptions o;        /* with defaults filled in */
  const RenderThemeColors *tc;
  RenderFont *font;             /* labels */
  RenderFont *bold;             /* actor names, titles */
  RenderFont *small;            /* axis, legend, counts */
  const char *family;
  double fs;                    /* font size */
} RenderLayoutContext;

void render_layout_context_init (RenderLayoutContext *ctx, const RenderLayoutOptions *options,
                                 double default_width, double default_height);
void render_layout_context_clear (RenderLayoutContext *ctx);

/* A new scene of the given size with background, root class
 * ("actorscope KIND theme-T") and title set. */
RenderScene *render_layout_scene_new (RenderLayoutContext *ctx, const char *kind,
                                      double width, double height);
/* The friendly "no events in this window" scene. */
RenderScene *render_layout_empty (RenderLayoutContext *ctx, const char *kind);
/* The scene shown instead of a view too big for budget bytes of SVG. */
RenderScene *render_layout_over_budget (const RenderLayoutOptions *options, const char *kind,
                                        gsize budget);
/* Draws the options' title at the top-left, returns the height it used. */
double render_layout_draw_title (RenderLayoutContext *ctx, RenderScene *scene, double x, double y);

/* An atom's text, "" when the store is NULL or the atom 0 (borrowed). */
/* The display name for a view node: the last path component (two for a
 * group glob, e.g. "workers/" and its star); owned by the caller. */
char *render_layout_short_name (const char *name);
/* The display names of nodes (IngestViewNode: graph nodes or timeline
 * lanes), shortest unique forms (render-names.h). Owned (g_strfreev). */
char **render_layout_short_names (const GArray *nodes);

/* Opens the "mark" group of timeline mark k (id "mark<k>", data-kind) with
 * the tooltip "<what>: <text>" left in title (for the caller's label) and
 * returns what the mark is ("crash", "exit", "spawn", "drop" or "mark",
 * static). The sequence and timeline layouts draw marks differently but
 * name them the same way. The caller ends the group. */
const char *render_layout_mark_begin (RenderScene *scene, const IngestTimeline *tl, guint k,
                                      GString *title);

/* Font selection on the scene for one of the context's fonts. */
void render_layout_use_font (RenderLayoutContext *ctx, RenderScene *scene, RenderFont *font);

G_END_DECLS
