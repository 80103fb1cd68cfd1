/* render-text.h: text measurement with pango, shared by layouts and the
 * cairo backend so measuring and drawing agree (one process-wide
 * PangoFontMap at 72 dpi: 1 pt == 1 user unit).
 *
 * A RenderFont is one family/size/weight with a cache of measured widths:
 * layouts measure each distinct label once, however many times it is drawn.
 * Caches are bounded (RENDER_FONT_CACHE_MAX entries, then cleared).
 *
 * Threading: pango calls are serialised by an internal lock; a RenderFont
 * itself must be used from one thread at a time.
 */
#pragma once

#include <glib.h>
#include <pango/pango.h>

G_BEGIN_DECLS

#define RENDER_FONT_FAMILY "DejaVu Sans"
#define RENDER_FONT_CACHE_MAX 65536

typedef struct _RenderFont RenderFont;

/* family NULL = RENDER_FONT_FAMILY; size in user units; weight CSS (400/700).
 * Owned by the caller. */
RenderFont *render_font_new (const char *family, double size, guint weight);
void render_font_free (RenderFont *font);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RenderFont, render_font_free)

double render_font_get_size (const RenderFont *font);
/* Line metrics in user units. */
double render_font_get_ascent (RenderFont *font);
double render_font_get_descent (RenderFont *font);
/* Advance width of text (any bytes: invalid UTF-8 is measured as U+FFFD);
 * len < 0: NUL-terminated. Cached. */
double render_font_measure (RenderFont *font, const char *text, gssize len);
/* text cut to fit max_width with a trailing "…" (on a character boundary);
 * a copy of text when it fits. *width_out (may be NULL) gets its width.
 * Owned by the caller. */
char *render_font_ellipsize (RenderFont *font, const char *text, double max_width,
                             double *width_out);
/* The same, cutting at the start ("…queue.nfs"): for names whose end tells
 * them apart (render-names.h). Owned by the caller. */
char *render_font_ellipsize_start (RenderFont *font, const char *text, double max_width,
                                   double *width_out);

/* The shared pango context (borrowed; for the cairo backend). Callers must
 * hold render_text_lock() while using it. */
PangoContext *render_text_get_context (void);
void render_text_lock (void);
void render_text_unlock (void);
/* A PangoFontDescription for family/size/weight (owned by the caller). */
PangoFontDescription *render_text_font_description (const char *family, double size,
                                                    guint weight);
/* Valid UTF-8 for any bytes (invalid sequences -> U+FFFD, control
 * characters -> U+FFFD), owned by the caller. */
char *render_text_sanitize (const char *text, gssize len);

G_END_DECLS
