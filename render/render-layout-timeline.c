/* render-layout-timeline.c: per-actor lanes on a horizontal time axis.
 *
 * Each lane has a bar row (processing spans, coloured by message label) and,
 * under it, a small mailbox-depth area chart. Messages are thin lines from
 * the sender's lane at send time to the receiver's lane at receive time.
 * Aggregated views (IngestDensityBin) become shaded bands on the sender's
 * lane whose opacity follows log(count), so a million-event window reads as
 * "where it was busy" in a bounded number of shapes.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "render-layout-private.h"
#include "render-ticks.h"

typedef struct {
  RenderLayoutContext ctx;
  const IngestTimeline *tl;
  double plot_x0, plot_x1;
  gint64 t0, t1;
  guint n_lanes, n_msgs, n_spans, n_marks, n_bins, n_depth;
  /* How many of each are drawn one by one (the element budget). */
  guint nb_shown, nm_shown, ns_shown, nk_shown;
  /* Lane names, ellipsized to the label column (owned). */
  char **names;
  double *name_w;
  /* Geometry in scene units. */
  double W, H, top, axis_h, bar_h, depth_h, gap, lane_h, lanes_y0, legend_h, plot_y1;
  RenderScene *scene;
  /* The row each lane is drawn in (owned; see tl_place_lanes). */
  guint *row;
} Tl;

static double
lane_y (const Tl *t, guint lane)
{
  return t->lanes_y0 + t->row[lane] * t->lane_h;
}

static double
tx (const Tl *t, gint64 ns)
{
  if (ns <= t->t0)
    return t->plot_x0;
  if (ns >= t->t1)
    return t->plot_x1;
  return t->plot_x0 + (double) (ns - t->t0) / (double) (t->t1 - t->t0) * (t->plot_x1 - t->plot_x0);
}

typedef struct {
  guint row;
  guint64 weight;
} PartnerRow;

static int
partner_row_cmp (gconstpointer a, gconstpointer b)
{
  const PartnerRow *x = a, *y = b;
  return x->row < y->row ? -1 : x->row > y->row;
}

static gint
slot_cmp (gconstpointer a, gconstpointer b, gpointer data)
{
  const double *slot = data;
  guint x = *(const guint *) a, y = *(const guint *) b;
  if (slot[x] != slot[y])
    return slot[x] < slot[y] ? -1 : 1;
  return x < y ? -1 : x > y;
}

/* The rows lanes are drawn in. Lanes keep the view's order, except group
 * lanes: a group folds actors from anywhere in that order and stands
 * where its first member stood, so its traffic with a member's partners
 * crossed every lane in between, dozens of lines a burst: a solid block
 * over unrelated lanes. Each group lane moves next to the actors it
 * trades with, at the message-weighted median of their rows (above that
 * partner if it came from above, else below); a group with no partner
 * among the other lanes keeps its place. */
static void
tl_place_lanes (Tl *t)
{
  const IngestTimeline *tl = t->tl;
  guint n = t->n_lanes, n_plain = 0;
  g_autofree guint *plain_row = g_new (guint, n);  /* row among non-group lanes */
  g_autofree double *slot = g_new (double, n);     /* where each lane goes */
  g_autofree guint *order = g_new (guint, n);
  g_autoptr (GArray) partners = g_array_new (FALSE, FALSE, sizeof (PartnerRow));

  t->row = g_new (guint, n);
  for (guint i = 0; i < n; i++)
    {
      gboolean group = g_array_index (tl->lanes, IngestViewNode, i).is_group;
      plain_row[i] = group ? G_MAXUINT : n_plain++;
      /* a group with no partner stays between the lanes around it */
      slot[i] = group ? n_plain - 0.5 : plain_row[i];
    }
  /* Pinned lanes (the first ones) stay on top in their order; groups
   * move only among the rest. */
  guint pinned = MIN (t->ctx.o.pinned_lanes, n), plain_pinned = 0;
  for (guint i = 0; i < pinned; i++)
    {
      plain_pinned += plain_row[i] != G_MAXUINT;
      slot[i] = -1.0 - (double) (pinned - i);
    }
  for (guint g = pinned; g < n && n_plain < n; g++)
    {
      if (plain_row[g] != G_MAXUINT)
        continue;
      guint64 total = 0;
      g_array_set_size (partners, 0);
      for (guint k = 0; k < t->n_msgs + t->n_bins; k++)
        {
          guint from, to;
          guint64 count;
          if (k < t->n_msgs)
            {
              const IngestTimelineMessage *m = &g_array_index (tl->messages, IngestTimelineMessage, k);
              from = m->from_lane, to = m->to_lane, count = 1;
            }
          else
            {
              const IngestDensityBin *b = &g_array_index (tl->bins, IngestDensityBin, k - t->n_msgs);
              from = b->from_lane, to = b->to_lane, count = b->count;
            }
          guint other = from == g ? to : to == g ? from : G_MAXUINT;
          if (other >= n || plain_row[other] == G_MAXUINT)
            continue;
          PartnerRow p = { plain_row[other], count };
          g_array_append_val (partners, p);
          total += count;
        }
      if (total == 0)
        continue;
      g_array_sort (partners, partner_row_cmp);
      guint64 sum = 0;
      guint median = 0;
      for (guint k = 0; k < partners->len; k++)
        {
          const PartnerRow *p = &g_array_index (partners, PartnerRow, k);
          sum += p->weight;
          if (2 * sum >= total)
            {
              median = p->row;
              break;
            }
        }
      slot[g] = slot[g] < median ? median - 0.5 : median + 0.5;
      slot[g] = MAX (slot[g], plain_pinned - 0.5);
    }
  /* Rows by slot; lanes in the same slot keep the view's order. */
  for (guint i = 0; i < n; i++)
    order[i] = i;
  g_qsort_with_data (order, (gint) n, sizeof (guint), slot_cmp, slot);
  for (guint r = 0; r < n; r++)
    t->row[order[r]] = r;
}

/* One budget for everything drawn item by item, shared as in the
 * sequence chart: density bins and messages first, then spans and marks,
 * which keep a small share each so they never vanish entirely. */
static void
tl_plan (Tl *t)
{
  guint budget = t->ctx.o.max_elements;

  t->nb_shown = MIN (t->n_bins, t->n_msgs ? budget / 2 : budget);
  t->nm_shown = MIN (t->n_msgs, budget - t->nb_shown);
  t->ns_shown = MIN (t->n_spans, MAX (budget / 4, budget - (t->nb_shown + t->nm_shown)));
  t->nk_shown = MIN (t->n_marks, MAX (budget / 8, budget - MIN (budget, t->nb_shown + t->nm_shown + t->ns_shown)));
}

/* The time range: the view's window, else what the items span. */
static void
tl_time_range (Tl *t)
{
  const IngestTimeline *tl = t->tl;
  gint64 lo = G_MAXINT64, hi = G_MININT64;

  for (guint k = 0; k < t->n_msgs; k++)
    {
      const IngestTimelineMessage *m = &g_array_index (tl->messages, IngestTimelineMessage, k);
      lo = MIN (lo, m->send_ns);
      hi = MAX (hi, m->receive_ns != INGEST_TIME_MAX ? m->receive_ns : m->send_ns);
    }
  for (guint k = 0; k < t->n_spans; k++)
    {
      const IngestTimelineSpan *sp = &g_array_index (tl->spans, IngestTimelineSpan, k);
      lo = MIN (lo, sp->start_ns);
      hi = MAX (hi, sp->end_ns != INGEST_TIME_MAX ? sp->end_ns : sp->start_ns);
    }
  for (guint k = 0; k < t->n_marks; k++)
    {
      const IngestTimelineMark *mk = &g_array_index (tl->marks, IngestTimelineMark, k);
      lo = MIN (lo, mk->time_ns);
      hi = MAX (hi, mk->time_ns);
    }
  for (guint k = 0; k < t->n_bins; k++)
    {
      const IngestDensityBin *b = &g_array_index (tl->bins, IngestDensityBin, k);
      lo = MIN (lo, b->start_ns);
      hi = MAX (hi, b->end_ns);
    }
  t->t0 = tl->from_ns != INGEST_TIME_MIN && tl->from_ns < tl->to_ns ? tl->from_ns : lo;
  t->t1 = tl->to_ns != INGEST_TIME_MAX && tl->from_ns < tl->to_ns ? tl->to_ns : hi;
  if (t->t1 <= t->t0)
    t->t1 = t->t0 + 1000; /* a single instant: give it 1 µs of room */
}

/* Lane labels on the left, ellipsized to the label column (at most 30 %
 * of the width, so narrow views keep most of their room for time); the
 * plot, ruler and lane geometry; the published time axis. */
static void
tl_measure (Tl *t)
{
  RenderLayoutContext *ctx = &t->ctx;
  double W = t->W = ctx->o.width;
  double label_max = MAX (24, MIN (180, W * 0.3 - 30));
  double widest = 0;

  t->names = g_new0 (char *, t->n_lanes);
  t->name_w = g_new0 (double, t->n_lanes);
  g_auto(GStrv) short_names = render_layout_short_names (t->tl->lanes);
  for (guint i = 0; i < t->n_lanes; i++)
    {
      t->names[i] = render_font_ellipsize (ctx->font, short_names[i], label_max, &t->name_w[i]);
      widest = MAX (widest, t->name_w[i]);
    }
  t->plot_x0 = MIN (16 + widest + 14, W * 0.3);
  t->plot_x1 = W - 20;
  t->top = 10 + render_layout_draw_title (ctx, NULL, 0, 0);
  t->axis_h = ctx->fs * 2.4;
  if (ctx->o.axis_out != NULL)
    *ctx->o.axis_out = (RenderTimeAxis) { .valid = TRUE, .from_ns = t->t0, .to_ns = t->t1,
                                          .x0 = t->plot_x0, .x1 = t->plot_x1,
                                          .height = t->top + t->axis_h };
  t->bar_h = ctx->fs * 1.6;
  t->depth_h = t->n_depth ? ctx->fs * 0.9 : 0;
  t->gap = ctx->fs * 0.7;
  t->lane_h = t->bar_h + t->depth_h + t->gap;
  t->lanes_y0 = t->top + t->axis_h + (t->tl->aggregated ? ctx->fs * 1.5 : 0);
  t->legend_h = ctx->o.hide_legend ? 0 : ctx->fs * 3;
  t->H = t->lanes_y0 + t->n_lanes * t->lane_h + 10 + t->legend_h;
  if (ctx->o.height > t->H)
    t->H = ctx->o.height;
  t->plot_y1 = t->lanes_y0 + t->n_lanes * t->lane_h;
}

/* Lane backgrounds and names. */
static void
tl_draw_lanes (Tl *t)
{
  RenderLayoutContext *ctx = &t->ctx;
  RenderScene *scene = t->scene;

  render_scene_group_begin (scene, NULL, "lanes", NULL);
  for (guint i = 0; i < t->n_lanes; i++)
    {
      const IngestViewNode *ln = &g_array_index (t->tl->lanes, IngestViewNode, i);
      GString *title = g_string_new (ln->name);
      g_string_append_printf (title, "\nsent %" G_GUINT64_FORMAT ", received %" G_GUINT64_FORMAT,
                              ln->sent, ln->received);
      if (ln->mailbox_depth_max)
        g_string_append_printf (title, "\nmax mailbox depth %" G_GINT64_FORMAT, ln->mailbox_depth_max);
      render_scene_group_begin (scene, "actor", ln->name, title->str);
      g_string_free (title, TRUE);
      double y = lane_y (t, i);
      render_scene_set_stroke (scene, RENDER_COLOR_NONE);
      render_scene_set_fill (scene, t->row[i] % 2 ? RENDER_COLOR_NONE : render_color_with_alpha (ctx->tc->panel, 0.7));
      render_scene_rect (scene, 8, y - t->gap / 2, t->W - 16, t->lane_h, 0);
      render_scene_set_fill (scene, ln->crashes ? ctx->tc->error : ctx->tc->foreground);
      render_layout_use_font (ctx, scene, ctx->font);
      render_scene_text (scene, t->plot_x0 - 10, y + t->bar_h / 2, t->names[i], RENDER_ANCHOR_END,
                         RENDER_BASELINE_MIDDLE, t->name_w[i]);
      render_scene_group_end (scene);
    }
  render_scene_group_end (scene);
}

/* Axis and grid, and the note of an aggregated view. */
static void
tl_draw_axis (Tl *t)
{
  RenderLayoutContext *ctx = &t->ctx;
  RenderScene *scene = t->scene;
  RenderTicks ticks;
  guint max_ticks = MAX (2, (guint) ((t->plot_x1 - t->plot_x0) / 110));
  char tb[48];

  render_scene_group_begin (scene, "axis", NULL, NULL);
  if (render_ticks_compute (t->t0, t->t1, max_ticks, &ticks))
    {
      render_layout_use_font (ctx, scene, ctx->small);
      for (guint k = 0; k < ticks.n; k++)
        {
          gint64 ns = ticks.first_ns + (gint64) k * ticks.step_ns;
          double x = tx (t, ns);
          render_scene_set_stroke (scene, ctx->tc->grid);
          render_scene_set_stroke_width (scene, 1);
          render_scene_line (scene, x, t->top + t->axis_h - 6, x, t->plot_y1);
          render_scene_set_stroke (scene, RENDER_COLOR_NONE);
          render_scene_set_fill (scene, ctx->tc->muted);
          render_ticks_format_time (ns, ticks.step_ns, t->t0, tb, sizeof tb);
          render_scene_text (scene, x, t->top + t->axis_h - 10, tb, RENDER_ANCHOR_MIDDLE,
                             RENDER_BASELINE_ALPHABETIC, render_font_measure (ctx->small, tb, -1));
        }
    }
  render_scene_group_end (scene);
  if (t->tl->aggregated)
    {
      char note[200];
      g_snprintf (note, sizeof note,
                  "%" G_GUINT64_FORMAT " messages in this window: dense stretches shown as shaded bands (zoom in for detail)",
                  t->tl->n_messages_total);
      render_scene_group_begin (scene, "note", NULL, NULL);
      render_scene_set_fill (scene, ctx->tc->muted);
      render_scene_set_stroke (scene, RENDER_COLOR_NONE);
      render_layout_use_font (ctx, scene, ctx->small);
      render_scene_text (scene, t->plot_x0, t->top + t->axis_h + 2, note, RENDER_ANCHOR_START,
                         RENDER_BASELINE_HANGING, render_font_measure (ctx->small, note, -1));
      render_scene_group_end (scene);
    }
}

/* Density bands on the sender's lane, opacity by log(count). */
static void
tl_draw_bins (Tl *t)
{
  RenderLayoutContext *ctx = &t->ctx;
  RenderScene *scene = t->scene;
  const IngestTimeline *tl = t->tl;

  if (!t->n_bins)
    return;
  guint64 cmax = 1;
  for (guint k = 0; k < t->n_bins; k++)
    cmax = MAX (cmax, g_array_index (tl->bins, IngestDensityBin, k).count);
  render_scene_group_begin (scene, NULL, "bins", NULL);
  for (guint k = 0; k < t->nb_shown; k++)
    {
      const IngestDensityBin *b = &g_array_index (tl->bins, IngestDensityBin, k);
      if (b->from_lane >= t->n_lanes)
        continue;
      double a = 0.12 + 0.6 * log1p ((double) b->count) / log1p ((double) cmax);
      a = round (a * 10) / 10;
      char title[128], id[24];
      g_snprintf (title, sizeof title, "%" G_GUINT64_FORMAT " messages", b->count);
      g_snprintf (id, sizeof id, "bin%u", k);
      render_scene_group_begin (scene, "bin", id, title);
      render_scene_set_stroke (scene, RENDER_COLOR_NONE);
      render_scene_set_fill (scene, render_color_with_alpha (ctx->tc->edge, a));
      double x0 = tx (t, b->start_ns), x1 = MAX (tx (t, b->end_ns), x0 + 1);
      render_scene_rect (scene, x0, lane_y (t, b->from_lane), x1 - x0, t->bar_h, 0);
      render_scene_group_end (scene);
    }
  render_scene_group_end (scene);
}

/* Processing spans, coloured by label. */
static void
tl_draw_spans (Tl *t)
{
  RenderLayoutContext *ctx = &t->ctx;
  RenderScene *scene = t->scene;
  const IngestTimeline *tl = t->tl;

  render_scene_group_begin (scene, NULL, "spans", NULL);
  for (guint k = 0; k < t->ns_shown; k++)
    {
      const IngestTimelineSpan *sp = &g_array_index (tl->spans, IngestTimelineSpan, k);
      if (sp->lane >= t->n_lanes)
        continue;
      const char *lab = ingest_timeline_atom (tl, sp->label);
      char title[160], id[24], dur[32];
      if (sp->end_ns == INGEST_TIME_MAX)
        g_strlcpy (dur, "still running", sizeof dur);
      else
        render_ticks_format_duration (sp->end_ns - sp->start_ns, dur, sizeof dur);
      g_snprintf (title, sizeof title, "%s%s%s", *lab ? lab : "processing", ": ", dur);
      g_snprintf (id, sizeof id, "span%u", k);
      render_scene_group_begin (scene, "span", id, title);
      double x0 = tx (t, sp->start_ns);
      double x1 = sp->end_ns == INGEST_TIME_MAX ? t->plot_x1 : tx (t, sp->end_ns);
      x1 = MAX (x1, x0 + 1.5);
      RenderColor c = *lab ? render_palette_for_label (lab, ctx->o.theme) : ctx->tc->span;
      render_scene_set_stroke (scene, RENDER_COLOR_NONE);
      render_scene_set_fill (scene, render_color_with_alpha (c, 0.75));
      render_scene_rect (scene, x0, lane_y (t, sp->lane) + 2, x1 - x0, t->bar_h - 4, MIN (2, (x1 - x0) / 2));
      render_scene_group_end (scene);
    }
  render_scene_group_end (scene);
}

/* Mailbox depth strips: a step area chart per lane. */
static void
tl_draw_depth (Tl *t)
{
  RenderLayoutContext *ctx = &t->ctx;
  RenderScene *scene = t->scene;
  const IngestTimeline *tl = t->tl;
  guint n_lanes = t->n_lanes, n_depth = t->n_depth;

  if (!n_depth)
    return;
  gint64 *dmax = g_new0 (gint64, n_lanes);
  for (guint k = 0; k < n_depth; k++)
    {
      const IngestDepthSample *d = &g_array_index (tl->depth, IngestDepthSample, k);
      if (d->lane < n_lanes)
        dmax[d->lane] = MAX (dmax[d->lane], d->depth);
    }
  /* The strips share the level of detail: about 4 points per element of
   * max_elements over all lanes, so busy mailboxes can't outgrow the rest
   * of the chart (each point costs as much SVG as a small element). */
  guint n_strips = 0;
  for (guint i = 0; i < n_lanes; i++)
    n_strips += dmax[i] > 0;
  double min_dx = MAX (0.5, (t->plot_x1 - t->plot_x0) * n_strips / (4.0 * ctx->o.max_elements));
  GArray *pts = g_array_new (FALSE, FALSE, sizeof (double));
  guint k = 0;
  while (k < n_depth)
    {
      guint lane = g_array_index (tl->depth, IngestDepthSample, k).lane;
      guint end = k;
      while (end < n_depth && g_array_index (tl->depth, IngestDepthSample, end).lane == lane)
        end++;
      if (lane < n_lanes && dmax[lane] > 0)
        {
          double base = lane_y (t, lane) + t->bar_h + t->depth_h;
          /* A floor of 4 keeps a depth of 1 from looking like a
           * full mailbox. */
          double scale = (t->depth_h - 1) / MAX (dmax[lane], 4);
          g_array_set_size (pts, 0);
          double p[2] = { tx (t, g_array_index (tl->depth, IngestDepthSample, k).time_ns), base };
          g_array_append_vals (pts, p, 2);
          /* Samples closer than min_dx to the first of their run are one
           * step: up to the run's highest level at its start, held to its
           * last sample, then that sample's level. So a short wait is a
           * thin spike where it happened: the level is never held until
           * the lane's next sample, however far that is. */
          double level_y = base;
          guint j = k;
          while (j < end)
            {
              const IngestDepthSample *d = &g_array_index (tl->depth, IngestDepthSample, j);
              double run_x0 = tx (t, d->time_ns), run_x1 = run_x0;
              double peak_y = base - d->depth * scale, last_y = peak_y;
              for (j++; j < end; j++)
                {
                  const IngestDepthSample *e = &g_array_index (tl->depth, IngestDepthSample, j);
                  double x = tx (t, e->time_ns);
                  if (x - run_x0 >= min_dx)
                    break;
                  run_x1 = x;
                  last_y = base - e->depth * scale;
                  peak_y = MIN (peak_y, last_y);
                }
              if (peak_y < last_y)
                {
                  /* a spike: visible (half a unit) but no wider than the run */
                  double hold_x = MIN (MAX (run_x1, run_x0 + 0.5), t->plot_x1);
                  double q[8] = { run_x0, level_y, run_x0, peak_y, hold_x, peak_y, hold_x, last_y };
                  g_array_append_vals (pts, q, 8);
                }
              else
                {
                  double q[4] = { run_x0, level_y, run_x0, last_y };
                  g_array_append_vals (pts, q, 4);
                }
              level_y = last_y;
            }
          double q[4] = { t->plot_x1, level_y, t->plot_x1, base };
          g_array_append_vals (pts, q, 4);
          char title[96], id[24];
          g_snprintf (title, sizeof title, "mailbox depth, max %" G_GINT64_FORMAT, dmax[lane]);
          g_snprintf (id, sizeof id, "depth%u", lane);
          render_scene_group_begin (scene, "depth", id, title);
          render_scene_set_fill (scene, render_color_with_alpha (ctx->tc->depth, 0.8));
          render_scene_set_stroke (scene, RENDER_COLOR_NONE);
          render_scene_polyline (scene, &g_array_index (pts, double, 0), pts->len / 2, TRUE);
          render_scene_group_end (scene);
        }
      k = end;
    }
  g_array_unref (pts);
  g_free (dmax);
}

/* Message flow lines from the sender's lane at send time to the
 * receiver's at receive time; pending and dropped ones as short stubs. */
static void
tl_draw_messages (Tl *t)
{
  RenderLayoutContext *ctx = &t->ctx;
  RenderScene *scene = t->scene;
  const IngestTimeline *tl = t->tl;
  guint n_lanes = t->n_lanes;
  double bar_h = t->bar_h;
  GHashTable *label_colors = g_hash_table_new (g_direct_hash, g_direct_equal);
  GString *title = g_string_new (NULL);
  double dash[2] = { 3, 2 };

  render_scene_group_begin (scene, NULL, "messages", NULL);
  for (guint k = 0; k < t->nm_shown; k++)
    {
      const IngestTimelineMessage *m = &g_array_index (tl->messages, IngestTimelineMessage, k);
      if (m->from_lane >= n_lanes)
        continue;
      const char *lab = ingest_timeline_atom (tl, m->label);
      gboolean pending = m->receive_ns == INGEST_TIME_MAX;
      g_string_truncate (title, 0);
      g_string_append (title, *lab ? lab : "message");
      g_string_append_printf (title, "\n%s \xe2\x86\x92 %s",
                              g_array_index (tl->lanes, IngestViewNode, m->from_lane).name,
                              m->to_lane < n_lanes ? g_array_index (tl->lanes, IngestViewNode, m->to_lane).name : "?");
      if (m->dropped)
        g_string_append (title, "\ndropped");
      else if (pending)
        g_string_append (title, "\npending: never received");
      else
        {
          char d[32];
          g_string_append_printf (title, "\nin mailbox %s",
                                  render_ticks_format_duration (m->receive_ns - m->send_ns, d, sizeof d));
        }
      char id[24];
      g_snprintf (id, sizeof id, "%u", m->message);
      render_scene_group_begin (scene, "message", id, title->str);
      RenderColor c;
      if (m->dropped)
        c = ctx->tc->error;
      else if (pending)
        c = ctx->tc->pending;
      else
        {
          gpointer v;
          if (g_hash_table_lookup_extended (label_colors, GUINT_TO_POINTER (m->label), NULL, &v))
            memcpy (&c, &v, sizeof c);
          else
            {
              c = render_palette_for_label (lab, ctx->o.theme);
              gpointer store = NULL;
              memcpy (&store, &c, sizeof c);
              g_hash_table_insert (label_colors, GUINT_TO_POINTER (m->label), store);
            }
        }
      render_scene_set_stroke (scene, render_color_with_alpha (c, 0.8));
      render_scene_set_stroke_width (scene, 1);
      render_scene_set_fill (scene, RENDER_COLOR_NONE);
      double x1 = tx (t, m->send_ns), y1 = lane_y (t, m->from_lane) + bar_h / 2;
      if (m->to_lane < n_lanes && !pending)
        {
          render_scene_set_dash (scene, NULL, 0);
          double x2 = tx (t, m->receive_ns), y2 = lane_y (t, m->to_lane) + bar_h / 2;
          /* A message within one lane (inside a group, mostly) arcs
           * over its bar but stays in its row: a cubic peaks at 3/4 of
           * its control points' height, here 0.45 of a row above the
           * bar's middle, so busy groups don't paint over their
           * neighbours. */
          double rise = (bar_h + t->gap) * 0.6;
          if (m->to_lane == m->from_lane)
            render_scene_arrow_curve (scene, x1, y1, x1, y1 - rise, x2, y2 - rise, x2, y2,
                                      RENDER_HEAD_FILLED, 4);
          else
            render_scene_arrow (scene, x1, y1, x2, y2 > y1 ? y2 - 3 : y2 + 3, RENDER_HEAD_FILLED, 4);
        }
      else
        {
          render_scene_set_dash (scene, dash, 2);
          double y2 = m->to_lane < n_lanes ? lane_y (t, m->to_lane) + bar_h / 2 : y1 - bar_h * 0.6;
          double x2 = MIN (x1 + 14, t->plot_x1);
          render_scene_arrow (scene, x1, y1, x2, y1 + (y2 - y1) * 0.3,
                              m->dropped ? RENDER_HEAD_CROSS : RENDER_HEAD_OPEN, 5);
        }
      render_scene_group_end (scene);
    }
  render_scene_group_end (scene);
  render_scene_set_dash (scene, NULL, 0);
  g_hash_table_unref (label_colors);
  g_string_free (title, TRUE);
}

/* Marks: a rule across the plot for global ones, a cross for crashes and
 * drops, a small triangle for the rest. */
static void
tl_draw_marks (Tl *t)
{
  RenderLayoutContext *ctx = &t->ctx;
  RenderScene *scene = t->scene;
  const IngestTimeline *tl = t->tl;
  GString *title = g_string_new (NULL);
  double dash[2] = { 3, 2 };

  for (guint k = 0; k < t->nk_shown; k++)
    {
      const IngestTimelineMark *mk = &g_array_index (tl->marks, IngestTimelineMark, k);
      gboolean crash = mk->kind == INGEST_EVENT_EXIT && mk->exit_status == INGEST_EXIT_CRASH;
      render_layout_mark_begin (scene, tl, k, title);
      double x = tx (t, mk->time_ns);
      if (mk->lane >= t->n_lanes)
        {
          render_scene_set_stroke (scene, ctx->tc->muted);
          render_scene_set_stroke_width (scene, 1);
          render_scene_set_dash (scene, dash, 2);
          render_scene_line (scene, x, t->top + t->axis_h - 4, x, t->plot_y1);
          render_scene_set_dash (scene, NULL, 0);
        }
      else
        {
          double y = lane_y (t, mk->lane);
          gboolean bad = crash || mk->kind == INGEST_EVENT_DROP;
          render_scene_set_stroke (scene, bad ? ctx->tc->error : ctx->tc->foreground);
          render_scene_set_stroke_width (scene, bad ? 2.2 : 1.2);
          if (bad)
            {
              double h = t->bar_h * 0.3, cy = y + t->bar_h / 2;
              render_scene_line (scene, x - h, cy - h, x + h, cy + h);
              render_scene_line (scene, x - h, cy + h, x + h, cy - h);
            }
          else
            {
              render_scene_set_fill (scene, ctx->tc->background);
              double tri[6] = { x - 4, y - 1, x + 4, y - 1, x, y + 6 };
              render_scene_polyline (scene, tri, 3, TRUE);
            }
        }
      render_scene_group_end (scene);
    }
  g_string_free (title, TRUE);
}

/* Legend: the most frequent labels with their colours. */
static void
tl_draw_legend (Tl *t)
{
  RenderLayoutContext *ctx = &t->ctx;
  RenderScene *scene = t->scene;
  const IngestTimeline *tl = t->tl;

  if (ctx->o.hide_legend || !t->n_msgs)
    return;
  GHashTable *counts = g_hash_table_new (g_direct_hash, g_direct_equal);
  for (guint k = 0; k < t->n_msgs; k++)
    {
      IngestAtom a = g_array_index (tl->messages, IngestTimelineMessage, k).label;
      if (a == 0)
        continue;
      guint c = GPOINTER_TO_UINT (g_hash_table_lookup (counts, GUINT_TO_POINTER (a)));
      g_hash_table_insert (counts, GUINT_TO_POINTER (a), GUINT_TO_POINTER (c + 1));
    }
  /* top 10 by count, ties by atom: deterministic */
  IngestAtom top_atoms[10] = { 0 };
  guint topc[10] = { 0 };
  GHashTableIter it;
  gpointer key, val;
  g_hash_table_iter_init (&it, counts);
  while (g_hash_table_iter_next (&it, &key, &val))
    {
      IngestAtom a = GPOINTER_TO_UINT (key);
      guint c = GPOINTER_TO_UINT (val);
      for (int i = 0; i < 10; i++)
        if (c > topc[i] || (c == topc[i] && c > 0 && a < top_atoms[i]))
          {
            memmove (&top_atoms[i + 1], &top_atoms[i], sizeof (IngestAtom) * (9 - i));
            memmove (&topc[i + 1], &topc[i], sizeof (guint) * (9 - i));
            top_atoms[i] = a;
            topc[i] = c;
            break;
          }
    }
  g_hash_table_unref (counts);
  render_scene_group_begin (scene, "legend", NULL, NULL);
  render_layout_use_font (ctx, scene, ctx->small);
  double x = t->plot_x0, y = t->H - t->legend_h / 2;
  for (int i = 0; i < 10 && top_atoms[i]; i++)
    {
      const char *lab = ingest_timeline_atom (tl, top_atoms[i]);
      double w;
      char *shown = render_font_ellipsize (ctx->small, lab, 140, &w);
      if (x + 16 + w > t->W - 10)
        {
          g_free (shown);
          break;
        }
      render_scene_set_stroke (scene, RENDER_COLOR_NONE);
      render_scene_set_fill (scene, render_palette_for_label (lab, ctx->o.theme));
      render_scene_rect (scene, x, y - 5, 10, 10, 2);
      render_scene_set_fill (scene, ctx->tc->muted);
      render_scene_text (scene, x + 14, y, shown, RENDER_ANCHOR_START, RENDER_BASELINE_MIDDLE, w);
      x += 14 + w + 18;
      g_free (shown);
    }
  render_scene_group_end (scene);
}

RenderScene *
render_layout_timeline (const IngestTimeline *tl, const RenderLayoutOptions *options)
{
  Tl t = { 0 };
  RenderLayoutContext *ctx = &t.ctx;
  render_layout_context_init (ctx, options, 1400, 0);
  t.n_msgs = tl && tl->messages ? tl->messages->len : 0;
  t.n_spans = tl && tl->spans ? tl->spans->len : 0;
  t.n_marks = tl && tl->marks ? tl->marks->len : 0;
  t.n_bins = tl && tl->bins ? tl->bins->len : 0;
  t.n_depth = tl && tl->depth ? tl->depth->len : 0;
  if (tl == NULL || tl->lanes == NULL || tl->lanes->len == 0 ||
      t.n_msgs + t.n_spans + t.n_marks + t.n_bins == 0)
    {
      if (ctx->o.axis_out != NULL)
        memset (ctx->o.axis_out, 0, sizeof *ctx->o.axis_out);
      if (!(ctx->o.height > 0))
        ctx->o.height = 300;
      RenderScene *e = render_layout_empty (ctx, "timeline");
      render_layout_context_clear (ctx);
      return e;
    }
  t.tl = tl;
  t.n_lanes = tl->lanes->len;
  tl_plan (&t);
  tl_time_range (&t);
  tl_measure (&t);
  tl_place_lanes (&t);

  RenderScene *scene = t.scene = render_layout_scene_new (ctx, "timeline", t.W, t.H);
  render_layout_draw_title (ctx, scene, 16, 10);
  tl_draw_lanes (&t);
  tl_draw_axis (&t);
  render_scene_clip_begin (scene, t.plot_x0 - 1, t.top, t.plot_x1 - t.plot_x0 + 2, t.plot_y1 - t.top);
  tl_draw_bins (&t);
  tl_draw_spans (&t);
  tl_draw_depth (&t);
  tl_draw_messages (&t);
  tl_draw_marks (&t);
  render_scene_clip_end (scene);
  tl_draw_legend (&t);

  for (guint i = 0; i < t.n_lanes; i++)
    g_free (t.names[i]);
  g_free (t.names);
  g_free (t.name_w);
  g_free (t.row);
  render_layout_context_clear (ctx);
  return scene;
}
