/* render-text.c: pango measurement with one shared font map, so the SVG and
 * cairo backends and every layout agree on widths. */
#include "config.h"

#include <math.h>
#include <string.h>
#include <pango/pangocairo.h>

#include "render-text.h"
#include "ingest-hash.h"

struct _RenderFont {
  char *family;
  double size;
  guint weight;
  PangoFontDescription *desc;
  PangoLayout *layout;       /* reused for every measurement */
  GHashTable *cache;         /* text -> double width (boxed in a pointer-sized slot) */
  double ascent, descent;
  gboolean have_metrics;
};

static GMutex text_lock;
static PangoFontMap *font_map;
static PangoContext *context;

void
render_text_lock (void)
{
  g_mutex_lock (&text_lock);
}

void
render_text_unlock (void)
{
  g_mutex_unlock (&text_lock);
}

PangoContext *
render_text_get_context (void)
{
  /* Created once and kept for the life of the process: fontconfig setup is
   * the expensive part, and a private map at 72 dpi makes 1 pt = 1 unit
   * regardless of the desktop's settings. */
  static gsize init = 0;
  if (g_once_init_enter (&init))
    {
      font_map = pango_cairo_font_map_new ();
      pango_cairo_font_map_set_resolution (PANGO_CAIRO_FONT_MAP (font_map), 72.0);
      context = pango_font_map_create_context (font_map);
      cairo_font_options_t *fo = cairo_font_options_create ();
      /* Metrics independent of the output device: no hinting, so the PNG,
       * the PDF and the SVG get the same line breaks and widths. */
      cairo_font_options_set_hint_metrics (fo, CAIRO_HINT_METRICS_OFF);
      cairo_font_options_set_hint_style (fo, CAIRO_HINT_STYLE_NONE);
      pango_cairo_context_set_font_options (context, fo);
      cairo_font_options_destroy (fo);
      pango_context_set_round_glyph_positions (context, FALSE);
      g_once_init_leave (&init, 1);
    }
  return context;
}

PangoFontDescription *
render_text_font_description (const char *family, double size, guint weight)
{
  PangoFontDescription *desc = pango_font_description_new ();
  pango_font_description_set_family (desc, family ? family : RENDER_FONT_FAMILY);
  pango_font_description_set_absolute_size (desc, MAX (size, 0.5) * PANGO_SCALE);
  pango_font_description_set_weight (desc, (PangoWeight) CLAMP (weight, 100, 900));
  return desc;
}

char *
render_text_sanitize (const char *text, gssize len)
{
  if (text == NULL)
    return g_strdup ("");
  if (len < 0)
    len = strlen (text);
  GString *s = g_string_sized_new (len + 4);
  const char *p = text, *end = text + len;
  while (p < end)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append (s, "\xef\xbf\xbd");
          p++;
          continue;
        }
      int n = g_utf8_skip[*(const guchar *) p];
      if ((c < 0x20 && c != '\t') || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
          c == 0xfffe || c == 0xffff)
        g_string_append (s, "\xef\xbf\xbd");
      else if (c == '\t')
        g_string_append_c (s, ' ');
      else
        g_string_append_len (s, p, n);
      p += n;
    }
  return g_string_free (s, FALSE);
}

RenderFont *
render_font_new (const char *family, double size, guint weight)
{
  RenderFont *font = g_new0 (RenderFont, 1);
  font->family = g_strdup (family ? family : RENDER_FONT_FAMILY);
  font->size = isfinite (size) && size > 0 ? size : 11.0;
  font->weight = weight ? weight : 400;
  font->desc = render_text_font_description (font->family, font->size, font->weight);
  font->cache = g_hash_table_new_full (ingest_hash_str, g_str_equal, g_free, g_free);
  PangoContext *ctx = render_text_get_context ();
  render_text_lock ();
  font->layout = pango_layout_new (ctx);
  pango_layout_set_font_description (font->layout, font->desc);
  render_text_unlock ();
  return font;
}

void
render_font_free (RenderFont *font)
{
  if (font == NULL)
    return;
  render_text_lock ();
  g_clear_object (&font->layout);
  render_text_unlock ();
  pango_font_description_free (font->desc);
  g_hash_table_unref (font->cache);
  g_free (font->family);
  g_free (font);
}

double
render_font_get_size (const RenderFont *font)
{
  g_return_val_if_fail (font != NULL, 0);
  return font->size;
}

static void
ensure_metrics (RenderFont *font)
{
  if (font->have_metrics)
    return;
  render_text_lock ();
  PangoFontMetrics *m = pango_context_get_metrics (context, font->desc, NULL);
  font->ascent = pango_font_metrics_get_ascent (m) / (double) PANGO_SCALE;
  font->descent = pango_font_metrics_get_descent (m) / (double) PANGO_SCALE;
  pango_font_metrics_unref (m);
  render_text_unlock ();
  font->have_metrics = TRUE;
}

double
render_font_get_ascent (RenderFont *font)
{
  g_return_val_if_fail (font != NULL, 0);
  ensure_metrics (font);
  return font->ascent;
}

double
render_font_get_descent (RenderFont *font)
{
  g_return_val_if_fail (font != NULL, 0);
  ensure_metrics (font);
  return font->descent;
}

static double
measure_valid (RenderFont *font, const char *text, gsize len)
{
  int w = 0;
  render_text_lock ();
  pango_layout_set_text (font->layout, text, (int) len);
  pango_layout_get_size (font->layout, &w, NULL);
  render_text_unlock ();
  return w / (double) PANGO_SCALE;
}

double
render_font_measure (RenderFont *font, const char *text, gssize len)
{
  g_return_val_if_fail (font != NULL, 0);
  if (text == NULL)
    return 0;
  if (len < 0)
    len = strlen (text);
  if (len == 0)
    return 0;
  char *key = g_strndup (text, len);
  double *cached = g_hash_table_lookup (font->cache, key);
  if (cached)
    {
      g_free (key);
      return *cached;
    }
  double w;
  if (g_utf8_validate (key, len, NULL) && memchr (key, '\0', len) == NULL)
    w = measure_valid (font, key, len);
  else
    {
      char *clean = render_text_sanitize (text, len);
      w = measure_valid (font, clean, strlen (clean));
      g_free (clean);
    }
  if (g_hash_table_size (font->cache) >= RENDER_FONT_CACHE_MAX)
    g_hash_table_remove_all (font->cache);
  double *v = g_new (double, 1);
  *v = w;
  g_hash_table_insert (font->cache, key, v);
  return w;
}

char *
render_font_ellipsize (RenderFont *font, const char *text, double max_width, double *width_out)
{
  g_return_val_if_fail (font != NULL, NULL);
  char *clean = render_text_sanitize (text, -1);
  /* Printable glyphs are at least ~0.2 em wide (the search below relies
   * on it too), so a text with more characters than that allows cannot
   * fit: don't shape (and cache) a megabyte-long trace string to learn it. */
  glong n_chars = g_utf8_strlen (clean, -1);
  double room = isfinite (max_width) ? CLAMP (max_width, 0, 1e6) : 0;
  glong cap = (glong) (room / (0.2 * font->size)) + 1;
  if (n_chars <= cap)
    {
      double w = render_font_measure (font, clean, -1);
      if (w <= max_width)
        {
          if (width_out)
            *width_out = w;
          return clean;
        }
    }
  static const char ell[] = "\xe2\x80\xa6";
  double ell_w = render_font_measure (font, ell, -1);
  if (max_width < ell_w)
    {
      if (width_out)
        *width_out = 0;
      g_free (clean);
      return g_strdup ("");
    }
  /* Binary search on the character count: widths grow monotonically with
   * the prefix length (for the scripts we care about). Very long names are
   * first cut to a prefix that could possibly fit. */
  glong hi = MIN (n_chars, cap), lo = 0;
  GString *buf = g_string_new (NULL);
  double best_w = ell_w;
  while (lo < hi)
    {
      glong mid = (lo + hi + 1) / 2;
      const char *end = g_utf8_offset_to_pointer (clean, mid);
      g_string_truncate (buf, 0);
      g_string_append_len (buf, clean, end - clean);
      g_string_append (buf, ell);
      double mw = measure_valid (font, buf->str, buf->len);
      if (mw <= max_width)
        lo = mid, best_w = mw;
      else
        hi = mid - 1;
    }
  const char *end = g_utf8_offset_to_pointer (clean, lo);
  g_string_truncate (buf, 0);
  g_string_append_len (buf, clean, end - clean);
  g_string_append (buf, ell);
  g_free (clean);
  if (width_out)
    *width_out = best_w;
  return g_string_free (buf, FALSE);
}

char *
render_font_ellipsize_start (RenderFont *font, const char *text, double max_width, double *width_out)
{
  static const char ell[] = "\xe2\x80\xa6";
  g_autofree char *clean = NULL;
  double w, ell_w, best_w;
  glong n_chars, lo = 0, hi;
  GString *buf;

  g_return_val_if_fail (font != NULL, NULL);
  clean = render_text_sanitize (text, -1);
  n_chars = g_utf8_strlen (clean, -1);
  /* Short enough to measure whole (see render_font_ellipsize). */
  if (isfinite (max_width) && n_chars <= (glong) (CLAMP (max_width, 0, 1e6) / (0.2 * font->size)) + 1)
    {
      w = render_font_measure (font, clean, -1);
      if (w <= max_width)
        {
          if (width_out)
            *width_out = w;
          return g_steal_pointer (&clean);
        }
    }
  ell_w = render_font_measure (font, ell, -1);
  if (!(max_width >= ell_w))
    {
      if (width_out)
        *width_out = 0;
      return g_strdup ("");
    }
  /* Binary search on how many characters of the end are kept. */
  hi = MIN (n_chars, (glong) (max_width / (0.2 * font->size)) + 1);
  best_w = ell_w;
  buf = g_string_new (NULL);
  while (lo < hi)
    {
      glong mid = (lo + hi + 1) / 2;
      g_string_assign (buf, ell);
      g_string_append (buf, g_utf8_offset_to_pointer (clean, n_chars - mid));
      double mw = measure_valid (font, buf->str, buf->len);
      if (mw <= max_width)
        lo = mid, best_w = mw;
      else
        hi = mid - 1;
    }
  g_string_assign (buf, ell);
  g_string_append (buf, g_utf8_offset_to_pointer (clean, n_chars - lo));
  if (width_out)
    *width_out = best_w;
  return g_string_free (buf, FALSE);
}
