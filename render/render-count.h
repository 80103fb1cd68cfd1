/* render-count.h: a backend that draws nothing and counts what it was asked
 * to draw. Tests use it to assert on a picture ("12 arrows, 3 actor groups,
 * the text 'w1' drawn once, no warnings") without parsing SVG or pixels; it
 * goes through the same walker (render-backend.h) as every real backend, so
 * it sees exactly what they see: skipped non-finite shapes are not counted,
 * unbalanced ends are not delivered, warnings are counted.
 */
#pragma once

#include <glib.h>
#include "render-scene.h"

G_BEGIN_DECLS

typedef struct {
  guint shapes[RENDER_NODE_N_KINDS];  /* per RenderNodeKind, as delivered */
  guint groups, clips;                /* begins delivered */
  guint max_depth;                    /* deepest group/clip nesting seen */
  guint warnings;
  guint dashed;                       /* shapes drawn with a dashed stroke */
  double ink_x0, ink_y0, ink_x1, ink_y1; /* bounds of shape anchor points */
  GHashTable *classes;                /* group class -> count (owned) */
  GHashTable *texts;                  /* text -> times drawn (owned) */
} RenderCount;

/* Walks scene with the counting backend; the result is owned by the
 * caller (render_count_free). */
RenderCount *render_count_scene (const RenderScene *scene);
void render_count_free (RenderCount *count);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RenderCount, render_count_free)

/* Groups with class klass that were drawn. */
guint render_count_class (const RenderCount *count, const char *klass);
/* Times the exact text was drawn. */
guint render_count_text (const RenderCount *count, const char *text);

G_END_DECLS
