/* render-backend.h: the table of backend functions and the one scene walker
 * (after Vg's renderer interface).
 *
 * A backend is a RenderBackend (a struct of function pointers, usually a
 * static const) plus its own state pointer. render_backend_walk() runs
 * through a scene once, in paint order, with plain iteration, and calls the
 * backend for each node. The walker does what every backend would otherwise
 * repeat:
 *  - resolves each shape's style and each arrow's geometry;
 *  - skips shapes with non-finite coordinates (one warning with the count);
 *  - keeps group/clip nesting balanced: an end without a begin is skipped
 *    with a warning, groups left open are closed at the end with a warning,
 *    so a backend always sees properly nested calls;
 *  - reports shape kinds the backend has no function for (a NULL member)
 *    once per kind through the warning callback instead of failing.
 * Group and clip members may be NULL without a warning: groups are
 * semantic, and a backend that cannot clip says so in its own way.
 *
 * The SVG writer (render-svg.h), the cairo painter (render-cairo.h) and the
 * counting backend (render-count.h) are backends; a new one only fills in
 * this table.
 */
#pragma once

#include <glib.h>
#include "render-scene.h"

G_BEGIN_DECLS

typedef struct {
  /* Before the first node / after the last (both optional). */
  void (*begin) (gpointer self, const RenderScene *scene);
  void (*end) (gpointer self, const RenderScene *scene);
  /* Semantic groups; group_end gets the matching GROUP_BEGIN node. */
  void (*group_begin) (gpointer self, const RenderNode *group);
  void (*group_end) (gpointer self, const RenderNode *group);
  /* Clip to node->u.clip until the matching clip_end. */
  void (*clip_begin) (gpointer self, const RenderNode *clip);
  void (*clip_end) (gpointer self);
  /* Shapes: node is of the matching kind, style its resolved style. */
  void (*rect) (gpointer self, const RenderNode *node, const RenderStyle *style);
  void (*line) (gpointer self, const RenderNode *node, const RenderStyle *style);
  void (*circle) (gpointer self, const RenderNode *node, const RenderStyle *style);
  void (*path) (gpointer self, const RenderNode *node, const RenderStyle *style);
  void (*arrow) (gpointer self, const RenderNode *node, const RenderStyle *style,
                 const RenderArrowGeometry *geometry);
  void (*text) (gpointer self, const RenderNode *node, const RenderStyle *style);
} RenderBackend;

/* Walks scene through backend (borrowed; self is passed to every call).
 * warning may be NULL. */
void render_backend_walk (const RenderScene *scene, const RenderBackend *backend, gpointer self,
                          RenderWarningFunc warning, gpointer warning_data);

G_END_DECLS
