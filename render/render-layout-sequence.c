/* render-layout-sequence.c: the sequence chart (et_viewer / mscgen style).
 *
 * One column per lane with a lifeline; one row per message (or density bin)
 * in send order, time going down. A message's arrow starts at its send row
 * and ends at the row position of its receive time, so time spent in a
 * mailbox shows as a slope. Rows map times to y: between two rows, y is
 * interpolated by time, so processing bars and marks land where they
 * happened relative to the messages around them.
 *
 * The per-message path is kept short for 50,000-message charts: labels are
 * measured and ellipsized once per distinct label (a cache by atom), ids
 * and titles are formatted into one reused buffer, no pango call per row.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "render-layout-private.h"
#include "render-ticks.h"

typedef struct {
  gint64 t;      /* send time (message) or bin start */
  guint index;   /* into messages or bins */
  gboolean bin;
} Row;

typedef struct {
  char *text;    /* ellipsized to the column width */
  const char *interned;  /* text in the scene's arena, made on first use */
  double width;
  RenderColor color;
  RenderColor text_color;
} LabelInfo;

typedef struct {
  RenderLayoutContext ctx;
  const IngestTimeline *tl;
  guint n_lanes;
  double *lane_x;
  double col_w, top, row_h, header_h;
  Row *rows;
  guint n_rows;
  double rows_y0;      /* y of row 0 */
  GHashTable *labels;  /* atom -> LabelInfo* */
  /* What the element budget lets through (see seq_plan). */
  guint n_msgs, n_bins, n_spans, n_marks;
  guint shown_msgs, shown_bins;
  guint n_notes;       /* 1 when a note says not everything is drawn */
  guint span_budget;
  /* Actor names, shortened and ellipsized to the column (owned). */
  char **names;
  double *name_w;
  double left;         /* x where the lanes start (time labels left of it) */
  double width, bottom;
  RenderScene *scene;
} Seq;

static int
row_cmp (gconstpointer a, gconstpointer b)
{
  const Row *x = a, *y = b;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  if (x->bin != y->bin)
    return x->bin ? 1 : -1;
  return x->index < y->index ? -1 : x->index > y->index;
}

static gint
bin_busier_first (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const GArray *bins = user_data;
  guint64 ca = g_array_index (bins, IngestDensityBin, *(const guint *) a).count;
  guint64 cb = g_array_index (bins, IngestDensityBin, *(const guint *) b).count;
  if (ca != cb)
    return ca > cb ? -1 : 1;
  return *(const guint *) a < *(const guint *) b ? -1 : 1;
}

static double
row_y (const Seq *s, guint k)
{
  /* rows are pushed down by the repeated headers before them */
  guint every = s->ctx.o.header_every;
  return s->rows_y0 + k * s->row_h + (k / every) * s->header_h;
}

/* y of time t: interpolated between the rows around it. */
static double
time_y (const Seq *s, gint64 t)
{
  if (s->n_rows == 0)
    return s->rows_y0;
  if (t <= s->rows[0].t)
    return row_y (s, 0);
  if (t >= s->rows[s->n_rows - 1].t)
    {
      /* after the last row: a little below it, never past the chart */
      gint64 last = s->rows[s->n_rows - 1].t;
      if (t == INGEST_TIME_MAX || t == last)
        return row_y (s, s->n_rows - 1) + (t == last ? 0 : s->row_h * 0.8);
      return row_y (s, s->n_rows - 1) + s->row_h * 0.6;
    }
  guint lo = 0, hi = s->n_rows - 1; /* rows[lo].t <= t < rows[hi].t */
  while (hi - lo > 1)
    {
      guint mid = (lo + hi) / 2;
      if (s->rows[mid].t <= t)
        lo = mid;
      else
        hi = mid;
    }
  /* Equal times share the first row with that time. */
  double f = (double) (t - s->rows[lo].t) / (double) (s->rows[hi].t - s->rows[lo].t);
  double y0 = row_y (s, lo), y1 = row_y (s, hi);
  return y0 + (y1 - y0) * f;
}

static void
label_info_free (gpointer p)
{
  LabelInfo *li = p;
  g_free (li->text);
  g_free (li);
}

static LabelInfo *
label_for (Seq *s, IngestAtom atom, double max_w)
{
  LabelInfo *li = g_hash_table_lookup (s->labels, GUINT_TO_POINTER (atom));
  if (li)
    return li;
  li = g_new0 (LabelInfo, 1);
  const char *text = ingest_timeline_atom (s->tl, atom);
  li->text = render_font_ellipsize (s->ctx.small, text, max_w, &li->width);
  li->color = render_palette_for_label (text, s->ctx.o.theme);
  /* Text in the label's hue, pulled towards the foreground so yellow and
   * pink stay readable on white (and pastel ones on dark). */
  li->text_color = render_color_mix (li->color, s->ctx.tc->foreground, 0.35);
  g_hash_table_insert (s->labels, GUINT_TO_POINTER (atom), li);
  return li;
}

static void
draw_header (Seq *s, RenderScene *scene, double y, char **names, double *name_w,
             gboolean first)
{
  RenderLayoutContext *ctx = &s->ctx;
  double bh = s->header_h - 10;
  render_scene_group_begin (scene, "header", NULL, NULL);
  if (first)
    render_scene_group_set_data (scene, "sticky", "true");
  for (guint i = 0; i < s->n_lanes; i++)
    {
      const IngestViewNode *ln = &g_array_index (s->tl->lanes, IngestViewNode, i);
      double x = s->lane_x[i];
      render_scene_group_begin (scene, "actor", ln->name, ln->name);
      render_scene_set_dash (scene, NULL, 0);
      render_scene_set_stroke_width (scene, 1);
      render_scene_set_stroke (scene, ln->crashes ? ctx->tc->error : ctx->tc->panel_border);
      render_scene_set_fill (scene, ctx->tc->panel);
      render_scene_rect (scene, x - s->col_w / 2 + 6, y, s->col_w - 12, bh, 4);
      render_scene_set_stroke (scene, RENDER_COLOR_NONE);
      render_scene_set_fill (scene, ctx->tc->foreground);
      render_layout_use_font (ctx, scene, ctx->bold);
      render_scene_text (scene, x, y + bh / 2, names[i], RENDER_ANCHOR_MIDDLE,
                         RENDER_BASELINE_MIDDLE, name_w[i]);
      render_scene_group_end (scene);
    }
  render_scene_group_end (scene);
}

/* The element budget: which bins become rows (only those standing for
 * messages; the busiest when there are too many) and how many messages
 * are drawn one by one. Returns the bin indexes to show (owned). */
static GArray *
seq_plan (Seq *s)
{
  const IngestTimeline *tl = s->tl;
  guint budget = s->ctx.o.max_elements;

  s->n_msgs = tl->messages ? tl->messages->len : 0;
  s->n_bins = tl->bins ? tl->bins->len : 0;
  s->n_spans = tl->spans ? tl->spans->len : 0;
  s->n_marks = tl->marks ? tl->marks->len : 0;
  /* Bins stand for the bulk of an aggregated window: they get up to half
   * of the budget before the individual messages take the rest. */
  /* Only bins that stand for messages become rows (a bin may count only
   * spans, which a sequence chart doesn't draw); when there are more than
   * the budget allows, the busiest stay. */
  GArray *bin_rows = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint k = 0; k < s->n_bins; k++)
    if (g_array_index (tl->bins, IngestDensityBin, k).count > 0)
      g_array_append_val (bin_rows, k);
  s->shown_bins = MIN (bin_rows->len, s->n_msgs ? budget / 2 : budget);
  s->shown_msgs = MIN (s->n_msgs, budget - s->shown_bins);
  if (bin_rows->len > s->shown_bins)
    {
      g_array_sort_with_data (bin_rows, bin_busier_first, (gpointer) tl->bins);
      g_array_set_size (bin_rows, s->shown_bins);
    }
  return bin_rows;
}

/* Columns wide enough for the names, within reason; the chart's width. */
static void
seq_measure_columns (Seq *s)
{
  RenderLayoutContext *ctx = &s->ctx;
  double widest = 0;

  s->names = g_new0 (char *, s->n_lanes);
  s->name_w = g_new0 (double, s->n_lanes);
  /* Each name is shortened once; ellipsizing re-measures it from the
   * font's width cache (and sanitises it for the scene). */
  g_auto(GStrv) short_names = render_layout_short_names (s->tl->lanes);
  for (guint i = 0; i < s->n_lanes; i++)
    {
      s->names[i] = g_strdup (short_names[i]);
      s->name_w[i] = render_font_measure (ctx->bold, s->names[i], -1);
      widest = MAX (widest, s->name_w[i]);
    }
  s->col_w = CLAMP (widest + 24, 110, 200);
  for (guint i = 0; i < s->n_lanes; i++)
    {
      char *sn = s->names[i];
      s->names[i] = render_font_ellipsize (ctx->bold, sn, s->col_w - 20, &s->name_w[i]);
      g_free (sn);
    }
  s->left = 96; /* time labels */
  s->lane_x = g_new (double, s->n_lanes);
  for (guint i = 0; i < s->n_lanes; i++)
    s->lane_x[i] = s->left + s->col_w * (i + 0.5);
  /* room for a pending arrow leaving the last column */
  s->width = MAX (s->left + s->col_w * s->n_lanes + 70, ctx->o.width > 0 ? ctx->o.width : 0);
  ctx->o.width = s->width;
  s->top = 10 + render_layout_draw_title (ctx, NULL, 0, 0);
  s->row_h = ctx->fs * 2.0;
  s->header_h = ctx->fs * 2.6 + 10;
}

/* Rows: messages and bins in time order, placed under the header (and
 * the note); returns the chart's height. Frees bin_rows. */
static double
seq_place_rows (Seq *s, GArray *bin_rows)
{
  RenderLayoutContext *ctx = &s->ctx;
  const IngestTimeline *tl = s->tl;

  s->n_rows = s->shown_msgs + s->shown_bins;
  s->rows = g_new (Row, MAX (s->n_rows, 1));
  for (guint k = 0; k < s->shown_msgs; k++)
    {
      const IngestTimelineMessage *m = &g_array_index (tl->messages, IngestTimelineMessage, k);
      s->rows[k] = (Row){ m->send_ns, k, FALSE };
    }
  for (guint k = 0; k < s->shown_bins; k++)
    {
      guint bi = g_array_index (bin_rows, guint, k);
      const IngestDensityBin *b = &g_array_index (tl->bins, IngestDensityBin, bi);
      s->rows[s->shown_msgs + k] = (Row){ b->start_ns, bi, TRUE };
    }
  g_array_free (bin_rows, TRUE);
  /* Repeated headers cost one box per actor: on long charts repeat them
   * less often so they never outweigh the messages (the browser keeps the
   * first one sticky anyway). */
  guint max_repeats = MAX (1u, 400u / MAX (s->n_lanes, 1u));
  if (s->n_rows / ctx->o.header_every > max_repeats)
    ctx->o.header_every = s->n_rows / max_repeats + 1;
  /* Messages come sorted by send time; only bins need merging in. */
  if (s->shown_bins)
    qsort (s->rows, s->n_rows, sizeof (Row), row_cmp);
  s->n_notes = (s->n_msgs > s->shown_msgs || s->n_bins > s->shown_bins || tl->aggregated) ? 1 : 0;
  s->rows_y0 = s->top + s->header_h + ctx->fs * 1.5 * s->n_notes + s->row_h * 0.8;
  s->bottom = (s->n_rows ? row_y (s, s->n_rows - 1) : s->rows_y0) + s->row_h * 1.5;
  double height = s->bottom + 10;
  if (s->n_rows == 0)
    height += 40;
  return height;
}

static void
seq_draw_lifelines (Seq *s)
{
  RenderScene *scene = s->scene;
  double ll_dash[2] = { 4, 3 };

  render_scene_group_begin (scene, NULL, "lifelines", NULL);
  render_scene_set_stroke (scene, s->ctx.tc->grid);
  render_scene_set_stroke_width (scene, 1);
  for (guint i = 0; i < s->n_lanes; i++)
    {
      const IngestViewNode *ln = &g_array_index (s->tl->lanes, IngestViewNode, i);
      if (!ln->alive)
        render_scene_set_dash (scene, ll_dash, 2);
      else
        render_scene_set_dash (scene, NULL, 0);
      render_scene_line (scene, s->lane_x[i], s->top + s->header_h - 10, s->lane_x[i], s->bottom);
    }
  render_scene_set_dash (scene, NULL, 0);
  render_scene_group_end (scene);
}

/* Says when not everything is drawn. */
static void
seq_draw_note (Seq *s)
{
  RenderLayoutContext *ctx = &s->ctx;
  RenderScene *scene = s->scene;
  const IngestTimeline *tl = s->tl;
  char buf[256];

  if (!s->n_notes)
    return;
  if (tl->aggregated || s->n_bins)
    g_snprintf (buf, sizeof buf,
                "%" G_GUINT64_FORMAT " messages in this window: %u shown one by one, "
                "the rest as counts per lane pair (zoom in for detail)",
                tl->n_messages_total, s->shown_msgs);
  else
    g_snprintf (buf, sizeof buf, "first %u of %u messages shown (narrow the window for the rest)",
                s->shown_msgs, s->n_msgs);
  render_scene_group_begin (scene, "note", NULL, NULL);
  render_scene_set_stroke (scene, RENDER_COLOR_NONE);
  render_scene_set_fill (scene, ctx->tc->muted);
  render_layout_use_font (ctx, scene, ctx->small);
  render_scene_text (scene, s->left, s->top + s->header_h + 2, buf, RENDER_ANCHOR_START,
                     RENDER_BASELINE_HANGING, render_font_measure (ctx->small, buf, -1));
  render_scene_group_end (scene);
}

/* Processing bars. */
static void
seq_draw_spans (Seq *s)
{
  RenderLayoutContext *ctx = &s->ctx;
  RenderScene *scene = s->scene;
  const IngestTimeline *tl = s->tl;
  guint budget = ctx->o.max_elements;
  char buf[256];

  /* Spans and marks share the element budget with the messages (the SVG
   * of a default view must stay small), but always get a fair share. */
  s->span_budget = MIN (s->n_spans, MAX (budget / 4, budget - MIN (budget, s->n_rows)));
  RenderColor span_fill = ctx->tc->span;
  render_scene_group_begin (scene, NULL, "spans", NULL);
  for (guint k = 0; k < s->span_budget; k++)
    {
      const IngestTimelineSpan *sp = &g_array_index (tl->spans, IngestTimelineSpan, k);
      if (sp->lane >= s->n_lanes)
        continue;
      double y0 = time_y (s, sp->start_ns);
      double y1 = sp->end_ns == INGEST_TIME_MAX ? s->bottom : time_y (s, sp->end_ns);
      if (y1 - y0 < 4)
        y1 = y0 + 4;
      const char *lab = ingest_timeline_atom (tl, sp->label);
      g_snprintf (buf, sizeof buf, "span%u", k);
      char dur[32];
      if (sp->end_ns == INGEST_TIME_MAX)
        g_strlcpy (dur, "still running", sizeof dur);
      else
        render_ticks_format_duration (sp->end_ns - sp->start_ns, dur, sizeof dur);
      GString *title = g_string_new ("processing");
      if (*lab)
        g_string_append_printf (title, " %s", lab);
      g_string_append_printf (title, ": %s", dur);
      render_scene_group_begin (scene, "span", buf, title->str);
      g_string_free (title, TRUE);
      render_scene_set_stroke (scene, ctx->tc->panel_border);
      render_scene_set_stroke_width (scene, 0.8);
      render_scene_set_fill (scene, span_fill);
      render_scene_rect (scene, s->lane_x[sp->lane] - 5, y0, 10, y1 - y0, 0);
      render_scene_group_end (scene);
    }
  render_scene_group_end (scene);
}

/* Time labels: every 10th row, and on the first row after a header. */
static void
seq_draw_axis (Seq *s)
{
  RenderLayoutContext *ctx = &s->ctx;
  RenderScene *scene = s->scene;
  const IngestTimeline *tl = s->tl;
  char tb[48];

  render_scene_group_begin (scene, "axis", NULL, NULL);
  render_scene_set_stroke (scene, RENDER_COLOR_NONE);
  render_scene_set_fill (scene, ctx->tc->muted);
  render_layout_use_font (ctx, scene, ctx->small);
  gint64 origin = tl->from_ns != INGEST_TIME_MIN ? tl->from_ns : (s->n_rows ? s->rows[0].t : 0);
  /* As many digits as the labels' typical spacing needs (a power of ten,
   * 1 µs at the finest for wall-clock labels): a chart of rows 11 ms apart
   * reads "…00.01", "…00.02", not six digits. */
  gint64 step = 1000;
  if (s->n_rows > 10)
    {
      double gap = render_ticks_diff (s->rows[0].t, s->rows[s->n_rows - 1].t) / ((s->n_rows - 1) / 5.0);
      while (step < G_GINT64_CONSTANT (1000000000) && step * 10 <= gap)
        step *= 10;
    }
  char last[48] = "";
  for (guint k = 0; k < s->n_rows; k += 5)
    {
      /* Rows of one time (a level-of-detail bin, a burst) get one label:
       * never the same label down the axis. */
      render_ticks_format_time (s->rows[k].t, step, origin, tb, sizeof tb);
      if (strcmp (tb, last) == 0)
        continue;
      g_strlcpy (last, tb, sizeof last);
      render_scene_text (scene, s->left - 8, row_y (s, k), tb, RENDER_ANCHOR_END,
                         RENDER_BASELINE_MIDDLE, -1);
    }
  render_scene_group_end (scene);
}

/* Headers: the first, then one every header_every rows. */
static void
seq_draw_headers (Seq *s)
{
  draw_header (s, s->scene, s->top, s->names, s->name_w, TRUE);
  for (guint k = s->ctx.o.header_every; k < s->n_rows; k += s->ctx.o.header_every)
    draw_header (s, s->scene, row_y (s, k) - s->header_h - s->row_h * 0.3 + 6, s->names, s->name_w,
                 FALSE);
}

/* A density bin's row: a band between its lanes with the count. */
static void
seq_draw_bin (Seq *s, guint r, GString *title)
{
  RenderLayoutContext *ctx = &s->ctx;
  RenderScene *scene = s->scene;
  const IngestTimeline *tl = s->tl;
  double y = row_y (s, r);
  char idb[32], tb[48];

  const IngestDensityBin *b = &g_array_index (tl->bins, IngestDensityBin, s->rows[r].index);
  if (b->from_lane >= s->n_lanes || b->to_lane >= s->n_lanes)
    return;
  double x1 = s->lane_x[b->from_lane], x2 = s->lane_x[b->to_lane];
  g_string_truncate (title, 0);
  const IngestViewNode *fl = &g_array_index (tl->lanes, IngestViewNode, b->from_lane);
  const IngestViewNode *tol = &g_array_index (tl->lanes, IngestViewNode, b->to_lane);
  g_string_append_printf (title, "%" G_GUINT64_FORMAT " messages %s \xe2\x86\x92 %s over %s",
                          b->count, fl->name, tol->name,
                          render_ticks_format_duration (b->end_ns - b->start_ns, tb, sizeof tb));
  const char *top = ingest_timeline_atom (tl, b->top_label);
  if (top[0] != '\0')
    g_string_append_printf (title, "\nmostly %s", top);
  g_snprintf (idb, sizeof idb, "bin%u", s->rows[r].index);
  render_scene_group_begin (scene, "bin", idb, title->str);
  double bw = MAX (fabs (x2 - x1), 14);
  render_scene_set_stroke (scene, RENDER_COLOR_NONE);
  render_scene_set_fill (scene, render_color_with_alpha (ctx->tc->edge, 0.35));
  render_scene_rect (scene, MIN (x1, x2) - (x1 == x2 ? 7 : 0), y - 5, bw, 10, 5);
  /* Aggregated messages still go one way: an arrow through the bar says
   * which, as the messages' own arrows would. */
  if (x1 != x2)
    {
      double dir = x2 > x1 ? 1 : -1;
      render_scene_set_stroke (scene, render_color_with_alpha (ctx->tc->foreground, 0.7));
      render_scene_set_stroke_width (scene, 1.2);
      render_scene_arrow (scene, x1 + dir * 4, y, x2 - dir * 2, y, RENDER_HEAD_FILLED, 7);
      render_scene_set_stroke (scene, RENDER_COLOR_NONE);
    }
  g_snprintf (idb, sizeof idb, "\xc3\x97%" G_GUINT64_FORMAT, b->count);
  render_scene_set_fill (scene, ctx->tc->foreground);
  /* The busiest label goes with the count ("Post \xc3\x97240"), as a
   * message's label goes on its arrow, cut to the bar's width; a bar too
   * narrow for it keeps the count alone. */
  double count_w = render_font_measure (ctx->small, idb, -1) + render_font_measure (ctx->small, " ", -1);
  if (top[0] != '\0' && bw - 4 - count_w > 24)
    {
      double w = 0;
      g_autofree char *fit = render_font_ellipsize (ctx->small, top, bw - 4 - count_w, &w);
      g_autofree char *text = g_strdup_printf ("%s %s", fit, idb);
      render_scene_text (scene, (x1 + x2) / 2, y - 6, text, RENDER_ANCHOR_MIDDLE,
                         RENDER_BASELINE_ALPHABETIC, w + count_w);
    }
  else
    render_scene_text (scene, (x1 + x2) / 2, y - 6, idb, RENDER_ANCHOR_MIDDLE,
                       RENDER_BASELINE_ALPHABETIC, -1);
  render_scene_group_end (scene);
}

/* The tooltip of a message: label, sender -> receiver, and its fate. */
static void
seq_message_title (Seq *s, const IngestTimelineMessage *m, const LabelInfo *li, GString *title)
{
  const IngestTimeline *tl = s->tl;
  gboolean pending = m->receive_ns == INGEST_TIME_MAX;
  char tb[48];

  const IngestViewNode *fl = &g_array_index (tl->lanes, IngestViewNode, m->from_lane);
  g_string_truncate (title, 0);
  g_string_append (title, li->text[0] ? ingest_timeline_atom (tl, m->label) : "message");
  g_string_append (title, "\n");
  g_string_append (title, fl->name ? fl->name : "?");
  g_string_append (title, " \xe2\x86\x92 ");
  if (m->to_lane < s->n_lanes)
    {
      const IngestViewNode *tol = &g_array_index (tl->lanes, IngestViewNode, m->to_lane);
      g_string_append (title, tol->name ? tol->name : "?");
    }
  else
    g_string_append (title, "?");
  if (m->dropped)
    g_string_append (title, "\ndropped");
  else if (pending)
    g_string_append (title, "\npending: never received");
  else
    {
      g_string_append (title, "\nin mailbox ");
      g_string_append (title, render_ticks_format_duration (m->receive_ns - m->send_ns, tb, sizeof tb));
    }
}

/* A long time in the mailbox: a diagonal across dozens of rows would
 * cross everything in between. Draws a stub leaving the sender ("-> +2.3 s"
 * says when it lands), a matching stub arriving at the receiver (with the
 * label), and only a faint hairline between them to follow it by eye.
 * Returns the x where the label goes (y - 3 is its y). */
static double
seq_draw_long_delay (Seq *s, const IngestTimelineMessage *m, LabelInfo *li, RenderColor col,
                     RenderHead hd, double x1, double y, double x2, double y2)
{
  RenderLayoutContext *ctx = &s->ctx;
  RenderScene *scene = s->scene;
  double head = 7;
  double dir = x2 >= x1 ? 1 : -1;
  double sx = x1 + dir * 5, ex = x2 - dir * 5;
  double stub = MIN (fabs (ex - sx) * 0.3, 60);
  char delay[48], dur[32];

  /* U+27F6 / U+27F5: long arrows pointing the way it travels */
  g_snprintf (delay, sizeof delay, dir > 0 ? "\xe2\x9f\xb6 +%s" : "\xe2\x9f\xb5 +%s",
              render_ticks_format_duration (m->receive_ns - m->send_ns, dur, sizeof dur));
  render_scene_line (scene, sx, y, sx + dir * stub, y + 4);
  render_scene_arrow (scene, ex - dir * stub, y2 - 4, ex, y2, hd, head);
  render_scene_set_dash (scene, NULL, 0);
  render_scene_set_stroke (scene, render_color_with_alpha (col, 0.16));
  render_scene_set_stroke_width (scene, 0.6);
  render_scene_line (scene, sx + dir * stub, y + 4, ex - dir * stub, y2 - 4);
  render_scene_set_stroke (scene, RENDER_COLOR_NONE);
  render_scene_set_fill (scene, ctx->tc->muted);
  render_scene_text (scene, sx + dir * (stub + 4), y + 4, delay,
                     dir > 0 ? RENDER_ANCHOR_START : RENDER_ANCHOR_END,
                     RENDER_BASELINE_MIDDLE, -1);
  if (li->text[0])
    {
      if (li->interned == NULL)
        li->interned = render_scene_intern (scene, li->text);
      render_scene_set_fill (scene, li->text_color);
      render_scene_text_interned (scene, ex - dir * (stub + 4), y2 - 4, li->interned,
                                  dir > 0 ? RENDER_ANCHOR_END : RENDER_ANCHOR_START,
                                  RENDER_BASELINE_MIDDLE, li->width);
    }
  return (sx + sx + dir * stub) / 2;
}

/* A message's row: its arrow (a loop to itself, two stubs for a long
 * delay, or a straight or sloped arrow), a "?" when pending, its label. */
static void
seq_draw_message (Seq *s, guint r, GString *title)
{
  RenderLayoutContext *ctx = &s->ctx;
  RenderScene *scene = s->scene;
  const IngestTimeline *tl = s->tl;
  double y = row_y (s, r);
  char idb[32];
  double label_max = s->col_w * 1.6;
  double head = 7;
  double pend_dash[2] = { 4, 3 };
  double resp_dash[2] = { 6, 3 };
  /* a message that lands more than this far below its send row is drawn
   * as two stubs */
  double long_delay = s->row_h * 8;

  guint mi = s->rows[r].index;
  const IngestTimelineMessage *m = &g_array_index (tl->messages, IngestTimelineMessage, mi);
  if (m->from_lane >= s->n_lanes)
    return;
  LabelInfo *li = label_for (s, m->label, label_max);
  double x1 = s->lane_x[m->from_lane];
  gboolean pending = m->receive_ns == INGEST_TIME_MAX;
  gboolean known_to = m->to_lane < s->n_lanes;
  double x2, y2;
  if (known_to)
    {
      x2 = s->lane_x[m->to_lane];
      y2 = pending ? y : time_y (s, m->receive_ns);
      if (y2 < y)
        y2 = y;
    }
  else
    {
      /* destination unknown: an open-ended stub towards the right */
      x2 = x1 + (m->from_lane + 1 < s->n_lanes ? s->col_w * 0.6 : 50);
      y2 = y;
    }
  seq_message_title (s, m, li, title);
  g_snprintf (idb, sizeof idb, "%u", m->message);
  render_scene_group_begin (scene, "message", idb, title->str);
  if (m->dropped)
    render_scene_group_set_data (scene, "state", "dropped");
  else if (pending)
    render_scene_group_set_data (scene, "state", "pending");
  RenderColor col = m->dropped ? ctx->tc->error : pending ? ctx->tc->pending : li->color;
  render_scene_set_fill (scene, RENDER_COLOR_NONE);
  render_scene_set_stroke (scene, col);
  render_scene_set_stroke_width (scene, 1.3);
  if (pending && !m->dropped)
    render_scene_set_dash (scene, pend_dash, 2);
  else if (m->is_response)
    render_scene_set_dash (scene, resp_dash, 2);
  else
    render_scene_set_dash (scene, NULL, 0);
  RenderHead hd = m->dropped ? RENDER_HEAD_CROSS
                  : pending  ? RENDER_HEAD_OPEN
                  : m->is_response ? RENDER_HEAD_OPEN
                                   : RENDER_HEAD_FILLED;
  double lx, ly;
  if (known_to && m->to_lane == m->from_lane)
    {
      /* to itself: a small loop to the right */
      double w = MIN (s->col_w * 0.35, 40);
      double yb = MAX (y2, y + s->row_h * 0.6);
      render_scene_arrow_curve (scene, x1 + 5, y, x1 + w, y, x1 + w, yb, x1 + 6, yb, hd, head);
      lx = x1 + w + 4;
      ly = y - 3;
    }
  else if (known_to && !pending && y2 - y > long_delay)
    {
      lx = seq_draw_long_delay (s, m, li, col, hd, x1, y, x2, y2);
      ly = y - 3;
    }
  else
    {
      double dir = x2 >= x1 ? 1 : -1;
      double sx = x1 + dir * 5, ex = x2 - dir * (known_to ? 5 : 0);
      render_scene_arrow (scene, sx, y, ex, y2, hd, head);
      /* on the arrow's middle, so a sloped arrow keeps its label */
      lx = (sx + ex) / 2;
      ly = (y + y2) / 2 - 3;
    }
  if (pending && !m->dropped)
    {
      render_scene_set_stroke (scene, RENDER_COLOR_NONE);
      render_scene_set_fill (scene, ctx->tc->pending);
      render_scene_text (scene, x2 + (x2 >= x1 ? 4 : -4), y2, "?",
                         x2 >= x1 ? RENDER_ANCHOR_START : RENDER_ANCHOR_END,
                         RENDER_BASELINE_MIDDLE, -1);
    }
  if (li->text[0])
    {
      render_scene_set_stroke (scene, RENDER_COLOR_NONE);
      render_scene_set_fill (scene, (m->dropped || pending) ? col : li->text_color);
      gboolean self = known_to && m->to_lane == m->from_lane;
      if (li->interned == NULL)
        li->interned = render_scene_intern (scene, li->text);
      render_scene_text_interned (scene, lx, ly, li->interned,
                                  self ? RENDER_ANCHOR_START : RENDER_ANCHOR_MIDDLE,
                                  RENDER_BASELINE_ALPHABETIC, li->width);
    }
  render_scene_group_end (scene);
}

/* Messages and bins, row by row. */
static void
seq_draw_rows (Seq *s)
{
  GString *title = g_string_new (NULL);

  render_layout_use_font (&s->ctx, s->scene, s->ctx.small);
  for (guint r = 0; r < s->n_rows; r++)
    {
      if (s->rows[r].bin)
        seq_draw_bin (s, r, title);
      else
        seq_draw_message (s, r, title);
    }
  render_scene_set_dash (s->scene, NULL, 0);
  g_string_free (title, TRUE);
}

/* Marks: crashes, exits, spawns, drops, free text. */
static void
seq_draw_marks (Seq *s)
{
  RenderLayoutContext *ctx = &s->ctx;
  RenderScene *scene = s->scene;
  const IngestTimeline *tl = s->tl;
  guint budget = ctx->o.max_elements;
  GString *title = g_string_new (NULL);

  guint mark_budget = MIN (s->n_marks, MAX (budget / 8, budget - MIN (budget, s->n_rows + s->span_budget)));
  for (guint k = 0; k < mark_budget; k++)
    {
      const IngestTimelineMark *mk = &g_array_index (tl->marks, IngestTimelineMark, k);
      double y = time_y (s, mk->time_ns);
      gboolean crash = mk->kind == INGEST_EVENT_EXIT && mk->exit_status == INGEST_EXIT_CRASH;
      render_layout_mark_begin (scene, tl, k, title);
      char *shown = render_font_ellipsize (ctx->small, title->str, s->col_w - 20, NULL);
      if (mk->lane >= s->n_lanes)
        {
          /* global mark: a rule across the chart */
          double d[2] = { 2, 3 };
          render_scene_set_dash (scene, d, 2);
          render_scene_set_stroke (scene, ctx->tc->muted);
          render_scene_set_stroke_width (scene, 1);
          render_scene_line (scene, s->left, y, s->width - 10, y);
          render_scene_set_dash (scene, NULL, 0);
          render_scene_set_stroke (scene, RENDER_COLOR_NONE);
          render_scene_set_fill (scene, ctx->tc->muted);
          render_scene_text (scene, s->width - 12, y - 3, shown, RENDER_ANCHOR_END,
                             RENDER_BASELINE_ALPHABETIC, -1);
        }
      else
        {
          double x = s->lane_x[mk->lane];
          RenderColor c = (crash || mk->kind == INGEST_EVENT_DROP) ? ctx->tc->error : ctx->tc->foreground;
          render_scene_set_stroke (scene, c);
          render_scene_set_stroke_width (scene, crash ? 2.5 : 1.5);
          render_scene_set_fill (scene, ctx->tc->background);
          if (crash || mk->kind == INGEST_EVENT_DROP)
            {
              double h = crash ? 7 : 5;
              render_scene_line (scene, x - h, y - h, x + h, y + h);
              render_scene_line (scene, x - h, y + h, x + h, y - h);
            }
          else if (mk->kind == INGEST_EVENT_EXIT)
            render_scene_line (scene, x - 8, y, x + 8, y);
          else if (mk->kind == INGEST_EVENT_SPAWN)
            render_scene_circle (scene, x, y, 4);
          else
            {
              double dia[8] = { x, y - 5, x + 5, y, x, y + 5, x - 5, y };
              render_scene_polyline (scene, dia, 4, TRUE);
            }
          render_scene_set_stroke (scene, RENDER_COLOR_NONE);
          render_scene_set_fill (scene, c);
          render_scene_text (scene, x + 10, y, shown, RENDER_ANCHOR_START, RENDER_BASELINE_MIDDLE, -1);
        }
      g_free (shown);
      render_scene_group_end (scene);
    }
  g_string_free (title, TRUE);
}

static void
seq_clear (Seq *s)
{
  for (guint i = 0; s->names != NULL && i < s->n_lanes; i++)
    g_free (s->names[i]);
  g_free (s->names);
  g_free (s->name_w);
  g_free (s->lane_x);
  g_free (s->rows);
  g_clear_pointer (&s->labels, g_hash_table_unref);
  render_layout_context_clear (&s->ctx);
}

RenderScene *
render_layout_sequence (const IngestTimeline *tl, const RenderLayoutOptions *options)
{
  Seq s = { 0 };
  RenderLayoutContext *ctx = &s.ctx;
  render_layout_context_init (ctx, options, 0, 0);
  if (tl == NULL || tl->lanes == NULL || tl->lanes->len == 0 ||
      ((tl->messages == NULL || tl->messages->len == 0) && (tl->bins == NULL || tl->bins->len == 0) &&
       (tl->spans == NULL || tl->spans->len == 0) && (tl->marks == NULL || tl->marks->len == 0)))
    {
      if (!(ctx->o.width > 0))
        ctx->o.width = 800;
      if (!(ctx->o.height > 0))
        ctx->o.height = 300;
      RenderScene *e = render_layout_empty (ctx, "sequence");
      if (ctx->o.rows_out != NULL)
        g_array_set_size (ctx->o.rows_out, 0);
      render_layout_context_clear (ctx);
      return e;
    }
  s.tl = tl;
  s.n_lanes = tl->lanes->len;
  GArray *bin_rows = seq_plan (&s);
  s.labels = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, label_info_free);
  seq_measure_columns (&s);
  double height = seq_place_rows (&s, bin_rows);
  if (ctx->o.rows_out != NULL)
    {
      g_array_set_size (ctx->o.rows_out, 0);
      for (guint k = 0; k < s.n_rows; k++)
        {
          RenderRowTime r = { row_y (&s, k), s.rows[k].t };
          g_array_append_val (ctx->o.rows_out, r);
        }
    }

  RenderScene *scene = s.scene = render_layout_scene_new (ctx, "sequence", s.width, height);
  render_layout_draw_title (ctx, scene, 16, 10);
  seq_draw_lifelines (&s);
  seq_draw_note (&s);
  seq_draw_spans (&s);
  seq_draw_axis (&s);
  seq_draw_headers (&s);
  seq_draw_rows (&s);
  seq_draw_marks (&s);
  seq_clear (&s);
  return scene;
}
