/* render-svg.h: the SVG backend. Writes a scene as a standalone, semantic SVG
 * 1.1 document:
 *  - each semantic group becomes <g class="KLASS" data-id="ID" data-KEY="V">
 *    with a <title> child (a tooltip in browsers);
 *  - text is real <text> (selectable, searchable);
 *  - drawing styles become CSS classes (.s0, .s1, ...) in one <style> block,
 *    and the root <svg> carries the scene's root class (e.g. "actorscope
 *    graph theme-dark"), so a page can re-theme the picture with CSS;
 *  - every string is XML-escaped; control characters and invalid UTF-8 (trace
 *    data is untrusted) are replaced by U+FFFD, so the output is always
 *    well-formed XML;
 *  - numbers are compact (at most 1 decimal), keeping big charts small.
 */
#pragma once

#include <glib.h>
#include "render-scene.h"

G_BEGIN_DECLS

typedef struct {
  gboolean fragment;          /* TRUE: omit the <?xml?> declaration */
  RenderWarningFunc warning;  /* what the backend could not express; may be NULL */
  gpointer warning_data;
} RenderSvgOptions;

/* Appends the SVG document for scene to out (owned by the caller).
 * options may be NULL. */
void render_svg_write (const RenderScene *scene, GString *out);
void render_svg_write_full (const RenderScene *scene, const RenderSvgOptions *options,
                            GString *out);

/* Appends text to out with &, <, >, " and ' escaped, control characters
 * (except tab and newline) and invalid UTF-8 replaced by U+FFFD. len < 0:
 * NUL-terminated. Shared with other writers that embed trace strings. */
void render_svg_escape_append (GString *out, const char *text, gssize len);

G_END_DECLS
