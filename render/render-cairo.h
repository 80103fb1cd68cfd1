/* render-cairo.h: the cairo backend. Draws a scene on any cairo context (the
 * GTK widget passes its own, with whatever transform it likes) and writes
 * PNG and PDF files. Text goes through pango with the same font map that
 * render-text.h measures with, so what the layouts measured is what is drawn.
 *
 * Semantic information (group classes, ids, titles, data) has no cairo
 * equivalent and is skipped silently; real limitations (a PNG larger than
 * cairo's 32767-pixel limit gets scaled down, non-finite coordinates are
 * skipped, a cairo error status) are reported through the warning callback.
 */
#pragma once

#include <cairo.h>
#include <gio/gio.h>
#include "render-scene.h"

G_BEGIN_DECLS

/* The most pixels a PNG gets (4 bytes each: 128 MiB): a bigger picture is
 * scaled down to it and the warning callback says so. */
#define RENDER_CAIRO_MAX_PNG_PIXELS 32e6

typedef struct {
  double scale;               /* PNG: device pixels per user unit; 0 = 1 */
  RenderWarningFunc warning;  /* may be NULL */
  gpointer warning_data;
} RenderCairoOptions;

/* Draws scene on cr in scene units, under cr's current transform. Paints the
 * scene background if it has one. cr's state is saved and restored. */
void render_cairo_draw (const RenderScene *scene, cairo_t *cr);
void render_cairo_draw_full (const RenderScene *scene, cairo_t *cr,
                             const RenderCairoOptions *options);

/* PNG / PDF to a file path ("-" is not special here: front ends handle
 * stdout by passing a GOutputStream). options may be NULL. */
gboolean render_cairo_write_png (const RenderScene *scene, const char *path,
                                 const RenderCairoOptions *options, GError **error);
gboolean render_cairo_write_pdf (const RenderScene *scene, const char *path,
                                 const RenderCairoOptions *options, GError **error);
/* The same to a stream (borrowed; not closed). */
gboolean render_cairo_write_png_stream (const RenderScene *scene, GOutputStream *out,
                                        const RenderCairoOptions *options,
                                        GCancellable *cancellable, GError **error);
gboolean render_cairo_write_pdf_stream (const RenderScene *scene, GOutputStream *out,
                                        const RenderCairoOptions *options,
                                        GCancellable *cancellable, GError **error);

G_END_DECLS
