/* render-svg.c: the semantic SVG backend. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "render-backend.h"
#include "render-svg.h"

typedef struct {
  GString *out;
  const RenderSvgOptions *opt;
  guint n_bad_numbers;
  guint n_clips;
  GHashTable *markers;       /* marker key (guint64*) -> id */
  guint64 last_marker_key;   /* one-entry cache: runs of arrows share a head */
  guint last_marker_id;
} Svg;

/* Compact number: rounded to 0.1, no trailing ".0", no exponent. Printf is
 * the hot spot of big charts, so this formats by hand. */
static void
num (Svg *svg, double v)
{
  GString *out = svg->out;
  if (!isfinite (v))
    {
      svg->n_bad_numbers++;
      g_string_append_c (out, '0');
      return;
    }
  if (v > 1e12 || v < -1e12)
    {
      svg->n_bad_numbers++;
      v = v > 0 ? 1e12 : -1e12;
    }
  gint64 t = (gint64) llround (v * 10.0);
  if (t < 0)
    {
      g_string_append_c (out, '-');
      t = -t;
    }
  gint64 ip = t / 10, fp = t % 10;
  char buf[24];
  int i = sizeof buf;
  do
    {
      buf[--i] = (char) ('0' + ip % 10);
      ip /= 10;
    }
  while (ip > 0);
  g_string_append_len (out, buf + i, sizeof buf - i);
  if (fp)
    {
      g_string_append_c (out, '.');
      g_string_append_c (out, (char) ('0' + fp));
    }
}

static void
attr_num (Svg *svg, const char *name, double v)
{
  g_string_append_c (svg->out, ' ');
  g_string_append (svg->out, name);
  g_string_append (svg->out, "=\"");
  num (svg, v);
  g_string_append_c (svg->out, '"');
}

void
render_svg_escape_append (GString *out, const char *text, gssize len)
{
  g_return_if_fail (out != NULL);
  if (text == NULL)
    return;
  if (len < 0)
    len = strlen (text);
  const guchar *p = (const guchar *) text, *end = p + len;
  const guchar *run = p; /* start of bytes to copy verbatim */
  while (p < end)
    {
      guchar c = *p;
      const char *rep = NULL;
      gsize skip = 1;
      if (c >= 0x20 && c < 0x7f)
        {
          switch (c)
            {
            case '&': rep = "&amp;"; break;
            case '<': rep = "&lt;"; break;
            case '>': rep = "&gt;"; break;
            case '"': rep = "&quot;"; break;
            case '\'': rep = "&#39;"; break;
            default: p++; continue;
            }
        }
      else if (c == '\t' || c == '\n')
        {
          p++;
          continue;
        }
      else if (c < 0x80)
        rep = "\xef\xbf\xbd"; /* control character: not allowed in XML 1.0 */
      else
        {
          gunichar u = g_utf8_get_char_validated ((const char *) p, MIN (end - p, 6));
          if (u == (gunichar) -1 || u == (gunichar) -2)
            rep = "\xef\xbf\xbd";
          else
            {
              skip = g_utf8_skip[c];
              if ((u >= 0x80 && u < 0xa0) || u == 0xfffe || u == 0xffff)
                rep = "\xef\xbf\xbd";
              else
                {
                  p += skip;
                  continue;
                }
            }
        }
      g_string_append_len (out, (const char *) run, p - run);
      g_string_append (out, rep);
      p += skip;
      run = p;
    }
  g_string_append_len (out, (const char *) run, p - run);
}

static void
color (GString *out, RenderColor c)
{
  static const char hex[] = "0123456789abcdef";
  char b[7] = { '#', hex[c.r >> 4], hex[c.r & 15], hex[c.g >> 4], hex[c.g & 15],
                hex[c.b >> 4], hex[c.b & 15] };
  g_string_append_len (out, b, 7);
}

static void
opacity (Svg *svg, const char *prop, guint8 a)
{
  if (a == 255)
    return;
  g_string_append_printf (svg->out, ";%s:%.3g", prop, a / 255.0);
}

static void
write_style_rule (Svg *svg, guint i, const RenderStyle *st, gboolean has_text,
                  gboolean has_arrow)
{
  GString *out = svg->out;
  g_string_append_printf (out, ".s%u{fill:", i);
  if (st->fill.a)
    {
      color (out, st->fill);
      opacity (svg, "fill-opacity", st->fill.a);
    }
  else
    g_string_append (out, "none");
  if (st->stroke.a)
    {
      g_string_append (out, ";stroke:");
      color (out, st->stroke);
      opacity (svg, "stroke-opacity", st->stroke.a);
      g_string_append (out, ";stroke-width:");
      num (svg, st->stroke_width);
      if (st->n_dashes)
        {
          g_string_append (out, ";stroke-dasharray:");
          for (guint d = 0; d < st->n_dashes; d++)
            {
              if (d)
                g_string_append_c (out, ' ');
              num (svg, st->dashes[d]);
            }
        }
    }
  if (has_text)
    {
      g_string_append_printf (out, ";font-weight:%u;font-size:", st->font_weight);
      num (svg, st->font_size);
      g_string_append (out, "px;font-family:'");
      /* Family names come from code, but keep CSS well-formed regardless. */
      for (const char *f = st->font_family; *f; f++)
        if (g_ascii_isalnum (*f) || *f == ' ' || *f == '-' || *f == '_')
          g_string_append_c (out, *f);
      g_string_append (out, "',Verdana,sans-serif");
    }
  g_string_append (out, "}\n");
  if (has_arrow)
    {
      g_string_append_printf (out, ".s%uh{fill:", i);
      color (out, st->stroke);
      opacity (svg, "fill-opacity", st->stroke.a);
      g_string_append (out, ";stroke:none}\n");
      g_string_append_printf (out, ".s%ux{fill:none;stroke:", i);
      color (out, st->stroke);
      opacity (svg, "stroke-opacity", st->stroke.a);
      g_string_append (out, ";stroke-width:");
      num (svg, MAX (st->stroke_width, 1.5));
      g_string_append (out, "}\n");
    }
}

static void
klass (GString *out, const char *suffix, guint style)
{
  char buf[16];
  int i = sizeof buf;
  do
    {
      buf[--i] = (char) ('0' + style % 10);
      style /= 10;
    }
  while (style > 0);
  g_string_append (out, " class=\"s");
  g_string_append_len (out, buf + i, sizeof buf - i);
  g_string_append (out, suffix);
  g_string_append_c (out, '"');
}

static void
write_path_data (Svg *svg, const RenderNode *node)
{
  GString *out = svg->out;
  const double *pts = node->u.path.points;
  guint pi = 0, np = node->u.path.n_points;
  for (guint i = 0; i < node->u.path.n_ops; i++)
    {
      guint need = 0;
      char cmd = 0;
      switch (node->u.path.ops[i])
        {
        case RENDER_PATH_MOVE: cmd = 'M'; need = 1; break;
        case RENDER_PATH_LINE: cmd = 'L'; need = 1; break;
        case RENDER_PATH_CUBIC: cmd = 'C'; need = 3; break;
        case RENDER_PATH_CLOSE: cmd = 'Z'; break;
        default: continue;
        }
      if (pi + need > np)
        break;
      if (i == 0 && cmd != 'M')
        {
          g_string_append_c (out, 'M');
          num (svg, pts[2 * pi]);
          g_string_append_c (out, ' ');
          num (svg, pts[2 * pi + 1]);
        }
      g_string_append_c (out, cmd);
      for (guint k = 0; k < need; k++, pi++)
        {
          if (k)
            g_string_append_c (out, ' ');
          num (svg, pts[2 * pi]);
          g_string_append_c (out, ' ');
          num (svg, pts[2 * pi + 1]);
        }
    }
}

static void
write_data_key (GString *out, const char *key)
{
  /* An attribute name must be an XML name: keep [a-z0-9-], lower-cased. */
  gboolean any = FALSE;
  for (const char *k = key; *k; k++)
    {
      char c = g_ascii_tolower (*k);
      if (g_ascii_isalnum (c) || c == '-')
        {
          g_string_append_c (out, c);
          any = TRUE;
        }
    }
  if (!any)
    g_string_append (out, "x");
}

/* TRUE when a data entry before d (from first) gives the same attribute
 * name: "a_b" and "ab" both become data-ab, and XML forbids a repeated
 * attribute, so only the first is written. Groups carry a handful of
 * entries, so comparing the sanitised names pairwise is cheap. */
static gboolean
data_key_repeated (const RenderData *first, const RenderData *d, GString *a, GString *b)
{
  g_string_truncate (a, 0);
  write_data_key (a, d->key);
  for (const RenderData *e = first; e && e != d; e = e->next)
    {
      g_string_truncate (b, 0);
      write_data_key (b, e->key);
      if (g_string_equal (a, b))
        return TRUE;
    }
  return FALSE;
}

/* Arrow heads are SVG markers: one <marker> per (style, head kind, size)
 * in <defs>, referenced from a CSS class, instead of a head <path> per
 * arrow. A 50,000-message chart is a third smaller and faster to write and
 * to draw. The marker's origin is the shaft's end (where the path stops);
 * its content reproduces render_arrow_geometry() relative to that point. */
static guint64
marker_key (const RenderNode *n)
{
  double s = n->u.arrow.head_size;
  guint size10 = (guint) CLAMP (lround (s * 10), 0, 65535);
  return ((guint64) n->style << 24) | ((guint64) n->u.arrow.head << 16) | size10;
}

static void
write_marker (Svg *svg, guint id, guint64 key)
{
  GString *out = svg->out;
  guint style = (guint) (key >> 24), head = (guint) ((key >> 16) & 0xff);
  double s = (key & 0xffff) / 10.0, w = s * 0.45;
  g_string_append_printf (out, "<marker id=\"a%u\" markerUnits=\"userSpaceOnUse\" orient=\"%s\" "
                          "overflow=\"visible\" markerWidth=\"1\" markerHeight=\"1\"><path",
                          id, head == RENDER_HEAD_CROSS ? "0" : "auto");
  klass (out, head == RENDER_HEAD_FILLED ? "h" : "x", style);
  g_string_append (out, " d=\"M");
  switch (head)
    {
    case RENDER_HEAD_FILLED:
      /* the shaft stops 0.7 s before the tip, the base is 0.3 s behind it */
      num (svg, -0.3 * s); g_string_append_c (out, ' '); num (svg, -w);
      g_string_append_c (out, 'L'); num (svg, 0.7 * s); g_string_append (out, " 0L");
      num (svg, -0.3 * s); g_string_append_c (out, ' '); num (svg, w);
      g_string_append_c (out, 'Z');
      break;
    case RENDER_HEAD_OPEN:
      num (svg, -s); g_string_append_c (out, ' '); num (svg, -w);
      g_string_append (out, "L0 0L");
      num (svg, -s); g_string_append_c (out, ' '); num (svg, w);
      break;
    default: /* cross, axis-aligned like the other backends draw it */
      {
        double h = s * 0.5;
        num (svg, -h); g_string_append_c (out, ' '); num (svg, -h);
        g_string_append_c (out, 'L'); num (svg, h); g_string_append_c (out, ' '); num (svg, h);
        g_string_append_c (out, 'M'); num (svg, -h); g_string_append_c (out, ' '); num (svg, h);
        g_string_append_c (out, 'L'); num (svg, h); g_string_append_c (out, ' '); num (svg, -h);
      }
      break;
    }
  g_string_append (out, "\"/></marker>\n");
}

static guint
marker_id (Svg *svg, const RenderNode *n)
{
  guint64 key = marker_key (n);
  if (key == svg->last_marker_key)
    return svg->last_marker_id;
  guint id = GPOINTER_TO_UINT (g_hash_table_lookup (svg->markers, &key));
  svg->last_marker_key = key;
  svg->last_marker_id = id;
  return id;
}

static void
svg_begin (gpointer self, const RenderScene *scene)
{
  Svg *svg = self;
  GString *out = svg->out;
  double w, h;
  render_scene_get_size (scene, &w, &h);
  guint n_styles = render_scene_n_styles (scene);
  /* Which styles draw text and arrows: only those need font rules and
   * head classes; and which markers exist. */
  guint8 *uses = g_new0 (guint8, MAX (n_styles, 1));
  GArray *keys = g_array_new (FALSE, FALSE, sizeof (guint64));
  for (const RenderNode *n = render_scene_get_first (scene); n; n = n->next)
    {
      if (n->kind == RENDER_NODE_TEXT)
        uses[n->style] |= 1;
      else if (n->kind == RENDER_NODE_ARROW && n->u.arrow.head != RENDER_HEAD_NONE)
        {
          uses[n->style] |= 2;
          guint64 key = marker_key (n);
          if (key != svg->last_marker_key && !g_hash_table_contains (svg->markers, &key))
            {
              g_array_append_val (keys, key);
              guint64 *k = g_new (guint64, 1);
              *k = key;
              g_hash_table_insert (svg->markers, k, GUINT_TO_POINTER (keys->len));
            }
          svg->last_marker_key = key;
        }
    }
  svg->last_marker_key = G_MAXUINT64;

  /* One reallocation up front instead of a dozen doublings (each a copy
   * of everything written so far). ~70 bytes per node is typical. */
  gsize want = out->len + 4096 + (gsize) render_scene_n_nodes (scene) * 70;
  if (want > out->allocated_len)
    {
      gsize len = out->len;
      g_string_set_size (out, want);
      g_string_truncate (out, len);
    }
  if (!svg->opt || !svg->opt->fragment)
    g_string_append (out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  g_string_append (out, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\"");
  const char *rc = render_scene_get_root_class (scene);
  if (rc)
    {
      g_string_append (out, " class=\"");
      render_svg_escape_append (out, rc, -1);
      g_string_append_c (out, '"');
    }
  attr_num (svg, "width", w);
  attr_num (svg, "height", h);
  g_string_append (out, " viewBox=\"0 0 ");
  num (svg, w);
  g_string_append_c (out, ' ');
  num (svg, h);
  g_string_append (out, "\">\n");
  const char *title = render_scene_get_title (scene);
  if (title)
    {
      g_string_append (out, "<title>");
      render_svg_escape_append (out, title, -1);
      g_string_append (out, "</title>\n");
    }
  g_string_append (out, "<style>\n");
  g_string_append (out, "text{white-space:pre}\n");
  for (guint i = 0; i < n_styles; i++)
    write_style_rule (svg, i, render_scene_get_style (scene, i), uses[i] & 1, uses[i] & 2);
  for (guint i = 0; i < keys->len; i++)
    g_string_append_printf (out, ".a%u{marker-end:url(#a%u)}\n", i + 1, i + 1);
  g_string_append (out, "</style>\n");
  if (keys->len)
    {
      g_string_append (out, "<defs>\n");
      for (guint i = 0; i < keys->len; i++)
        write_marker (svg, i + 1, g_array_index (keys, guint64, i));
      g_string_append (out, "</defs>\n");
    }
  RenderColor bg = render_scene_get_background (scene);
  if (bg.a)
    {
      g_string_append (out, "<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"");
      color (out, bg);
      g_string_append_c (out, '"');
      if (bg.a != 255)
        g_string_append_printf (out, " fill-opacity=\"%.3g\"", bg.a / 255.0);
      g_string_append (out, "/>\n");
    }
  g_array_unref (keys);
  g_free (uses);
}

static void
svg_end (gpointer self, const RenderScene *scene)
{
  Svg *svg = self;
  (void) scene;
  g_string_append (svg->out, "</svg>\n");
}

static void
svg_rect (gpointer self, const RenderNode *n, const RenderStyle *st)
{
  Svg *svg = self;
  GString *out = svg->out;
  (void) st;
  g_string_append (out, "<rect");
  klass (out, "", n->style);
  attr_num (svg, "x", n->u.rect.x);
  attr_num (svg, "y", n->u.rect.y);
  attr_num (svg, "width", n->u.rect.w);
  attr_num (svg, "height", n->u.rect.h);
  if (n->u.rect.radius > 0)
    attr_num (svg, "rx", n->u.rect.radius);
  g_string_append (out, "/>\n");
}

static void
point (Svg *svg, double x, double y)
{
  num (svg, x);
  g_string_append_c (svg->out, ' ');
  num (svg, y);
}

static void
svg_line (gpointer self, const RenderNode *n, const RenderStyle *st)
{
  Svg *svg = self;
  GString *out = svg->out;
  (void) st;
  g_string_append (out, "<path");
  klass (out, "", n->style);
  g_string_append (out, " d=\"M");
  point (svg, n->u.line.x1, n->u.line.y1);
  g_string_append_c (out, 'L');
  point (svg, n->u.line.x2, n->u.line.y2);
  g_string_append (out, "\"/>\n");
}

static void
svg_circle (gpointer self, const RenderNode *n, const RenderStyle *st)
{
  Svg *svg = self;
  GString *out = svg->out;
  (void) st;
  g_string_append (out, "<circle");
  klass (out, "", n->style);
  attr_num (svg, "cx", n->u.circle.cx);
  attr_num (svg, "cy", n->u.circle.cy);
  attr_num (svg, "r", n->u.circle.r);
  g_string_append (out, "/>\n");
}

static void
svg_path (gpointer self, const RenderNode *n, const RenderStyle *st)
{
  Svg *svg = self;
  GString *out = svg->out;
  (void) st;
  g_string_append (out, "<path");
  klass (out, "", n->style);
  g_string_append (out, " d=\"");
  write_path_data (svg, n);
  g_string_append (out, "\"/>\n");
}

static void
svg_arrow (gpointer self, const RenderNode *n, const RenderStyle *st, const RenderArrowGeometry *g)
{
  Svg *svg = self;
  GString *out = svg->out;
  (void) st;
  g_string_append (out, "<path");
  klass (out, "", n->style);
  if (n->u.arrow.head != RENDER_HEAD_NONE)
    {
      /* class="sN aK": the marker class, appended inside the quotes */
      g_string_truncate (out, out->len - 1);
      g_string_append (out, " a");
      guint id = marker_id (svg, n);
      char buf[16];
      int i = sizeof buf;
      do
        {
          buf[--i] = (char) ('0' + id % 10);
          id /= 10;
        }
      while (id > 0);
      g_string_append_len (out, buf + i, sizeof buf - i);
      g_string_append_c (out, '"');
    }
  g_string_append (out, " d=\"M");
  point (svg, n->u.arrow.x1, n->u.arrow.y1);
  if (n->u.arrow.curved)
    {
      g_string_append_c (out, 'C');
      point (svg, n->u.arrow.cx1, n->u.arrow.cy1);
      g_string_append_c (out, ' ');
      point (svg, g->cx2, g->cy2);
      g_string_append_c (out, ' ');
    }
  else
    g_string_append_c (out, 'L');
  point (svg, g->shaft_x, g->shaft_y);
  g_string_append (out, "\"/>\n");
}

static void
svg_text (gpointer self, const RenderNode *n, const RenderStyle *st)
{
  Svg *svg = self;
  GString *out = svg->out;
  g_string_append (out, "<text");
  klass (out, "", n->style);
  attr_num (svg, "x", n->u.text.x);
  attr_num (svg, "y", n->u.text.y + render_text_baseline_offset (n->u.text.baseline, st->font_size));
  if (n->u.text.anchor == RENDER_ANCHOR_MIDDLE)
    g_string_append (out, " text-anchor=\"middle\"");
  else if (n->u.text.anchor == RENDER_ANCHOR_END)
    g_string_append (out, " text-anchor=\"end\"");
  g_string_append_c (out, '>');
  render_svg_escape_append (out, n->u.text.text, -1);
  g_string_append (out, "</text>\n");
}

static void
svg_group_begin (gpointer self, const RenderNode *n)
{
  Svg *svg = self;
  GString *out = svg->out;
  g_string_append (out, "<g");
  if (n->u.group.klass)
    {
      g_string_append (out, " class=\"");
      render_svg_escape_append (out, n->u.group.klass, -1);
      g_string_append_c (out, '"');
    }
  if (n->u.group.id)
    {
      g_string_append (out, " data-id=\"");
      render_svg_escape_append (out, n->u.group.id, -1);
      g_string_append_c (out, '"');
    }
  GString *ka = NULL, *kb = NULL;
  for (const RenderData *d = n->u.group.data; d; d = d->next)
    {
      if (d != n->u.group.data)
        {
          if (ka == NULL)
            {
              ka = g_string_new (NULL);
              kb = g_string_new (NULL);
            }
          if (data_key_repeated (n->u.group.data, d, ka, kb))
            continue;
        }
      g_string_append (out, " data-");
      write_data_key (out, d->key);
      g_string_append (out, "=\"");
      render_svg_escape_append (out, d->value, -1);
      g_string_append_c (out, '"');
    }
  if (ka != NULL)
    {
      g_string_free (ka, TRUE);
      g_string_free (kb, TRUE);
    }
  g_string_append_c (out, '>');
  if (n->u.group.title)
    {
      g_string_append (out, "<title>");
      render_svg_escape_append (out, n->u.group.title, -1);
      g_string_append (out, "</title>");
    }
  g_string_append_c (out, '\n');
}

static void
svg_group_end (gpointer self, const RenderNode *n)
{
  Svg *svg = self;
  (void) n;
  g_string_append (svg->out, "</g>\n");
}

static void
svg_clip_begin (gpointer self, const RenderNode *n)
{
  Svg *svg = self;
  GString *out = svg->out;
  /* A non-finite clip (the walker warned) clips everything away. */
  gboolean ok = isfinite (n->u.clip.x) && isfinite (n->u.clip.y) && isfinite (n->u.clip.w) &&
                isfinite (n->u.clip.h);
  g_string_append_printf (out, "<clipPath id=\"clip%u\"><rect", svg->n_clips);
  attr_num (svg, "x", ok ? n->u.clip.x : 0);
  attr_num (svg, "y", ok ? n->u.clip.y : 0);
  attr_num (svg, "width", ok ? n->u.clip.w : 0);
  attr_num (svg, "height", ok ? n->u.clip.h : 0);
  g_string_append_printf (out, "/></clipPath><g clip-path=\"url(#clip%u)\">\n", svg->n_clips);
  svg->n_clips++;
}

static void
svg_clip_end (gpointer self)
{
  Svg *svg = self;
  g_string_append (svg->out, "</g>\n");
}

static const RenderBackend svg_backend = {
  .begin = svg_begin,
  .end = svg_end,
  .group_begin = svg_group_begin,
  .group_end = svg_group_end,
  .clip_begin = svg_clip_begin,
  .clip_end = svg_clip_end,
  .rect = svg_rect,
  .line = svg_line,
  .circle = svg_circle,
  .path = svg_path,
  .arrow = svg_arrow,
  .text = svg_text,
};

void
render_svg_write (const RenderScene *scene, GString *out)
{
  g_return_if_fail (scene != NULL);
  g_return_if_fail (out != NULL);
  render_svg_write_full (scene, NULL, out);
}

void
render_svg_write_full (const RenderScene *scene, const RenderSvgOptions *options, GString *out)
{
  g_return_if_fail (scene != NULL);
  g_return_if_fail (out != NULL);
  Svg svg = { out, options, 0, 0, NULL, G_MAXUINT64, 0 };
  svg.markers = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  render_backend_walk (scene, &svg_backend, &svg, options ? options->warning : NULL,
                       options ? options->warning_data : NULL);
  if (svg.n_bad_numbers)
    {
      char msg[96];
      g_snprintf (msg, sizeof msg, "%u huge coordinates were clamped", svg.n_bad_numbers);
      if (options && options->warning)
        options->warning (msg, options->warning_data);
    }
  g_hash_table_unref (svg.markers);
}
