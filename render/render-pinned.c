/* render-pinned.c: pinned lanes first (see the header). */
#include "config.h"

#include <string.h>

#include "render-pinned.h"

/* A copy of an array of items whose lane fields are remapped by map. */
static GArray *
copy_array (const GArray *src, gsize item_size)
{
  GArray *dst = g_array_sized_new (FALSE, FALSE, (guint) item_size, src != NULL ? src->len : 0);

  if (src != NULL && src->len > 0)
    g_array_append_vals (dst, src->data, src->len);
  return dst;
}

static guint
remap (const guint *map, guint n, guint lane)
{
  return lane < n ? map[lane] : lane;
}

IngestTimeline *
render_pinned_timeline (const IngestTimeline *tl, const char *const *pinned, guint *n_pinned)
{
  guint n, moved = 0;

  g_return_val_if_fail (n_pinned != NULL, NULL);
  *n_pinned = 0;
  if (tl == NULL || tl->lanes == NULL || pinned == NULL || pinned[0] == NULL)
    return NULL;
  n = tl->lanes->len;

  /* order[row] = old lane; map[old lane] = row. */
  g_autofree guint *order = g_new (guint, MAX (n, 1));
  g_autofree guint *map = g_new (guint, MAX (n, 1));
  g_autofree gboolean *taken = g_new0 (gboolean, MAX (n, 1));
  for (guint p = 0; p < RENDER_PINNED_MAX && pinned[p] != NULL; p++)
    for (guint i = 0; i < n; i++)
      if (!taken[i] && g_strcmp0 (g_array_index (tl->lanes, IngestViewNode, i).name, pinned[p]) == 0)
        {
          taken[i] = TRUE;
          order[moved++] = i;
          break;
        }
  if (moved == 0)
    return NULL;
  guint row = moved;
  for (guint i = 0; i < n; i++)
    if (!taken[i])
      order[row++] = i;
  for (guint r = 0; r < n; r++)
    map[order[r]] = r;

  IngestTimeline *self = g_new0 (IngestTimeline, 1);
  *self = *tl;
  self->lanes = g_array_sized_new (FALSE, FALSE, sizeof (IngestViewNode), n);
  for (guint r = 0; r < n; r++)
    g_array_append_val (self->lanes, g_array_index (tl->lanes, IngestViewNode, order[r]));
  self->messages = copy_array (tl->messages, sizeof (IngestTimelineMessage));
  for (guint k = 0; k < self->messages->len; k++)
    {
      IngestTimelineMessage *m = &g_array_index (self->messages, IngestTimelineMessage, k);
      m->from_lane = remap (map, n, m->from_lane);
      m->to_lane = remap (map, n, m->to_lane);
    }
  self->spans = copy_array (tl->spans, sizeof (IngestTimelineSpan));
  for (guint k = 0; k < self->spans->len; k++)
    g_array_index (self->spans, IngestTimelineSpan, k).lane =
      remap (map, n, g_array_index (self->spans, IngestTimelineSpan, k).lane);
  self->marks = copy_array (tl->marks, sizeof (IngestTimelineMark));
  for (guint k = 0; k < self->marks->len; k++)
    g_array_index (self->marks, IngestTimelineMark, k).lane =
      remap (map, n, g_array_index (self->marks, IngestTimelineMark, k).lane);
  self->bins = copy_array (tl->bins, sizeof (IngestDensityBin));
  for (guint k = 0; k < self->bins->len; k++)
    {
      IngestDensityBin *b = &g_array_index (self->bins, IngestDensityBin, k);
      b->from_lane = remap (map, n, b->from_lane);
      b->to_lane = remap (map, n, b->to_lane);
    }
  /* Depth samples stay in runs by lane (the layouts read runs). */
  self->depth = copy_array (tl->depth, sizeof (IngestDepthSample));
  for (guint k = 0; k < self->depth->len; k++)
    g_array_index (self->depth, IngestDepthSample, k).lane =
      remap (map, n, g_array_index (self->depth, IngestDepthSample, k).lane);
  *n_pinned = moved;
  return self;
}

void
render_pinned_timeline_free (IngestTimeline *pinned)
{
  if (pinned == NULL)
    return;
  g_array_unref (pinned->lanes);
  g_array_unref (pinned->messages);
  g_array_unref (pinned->spans);
  g_array_unref (pinned->marks);
  g_array_unref (pinned->bins);
  g_array_unref (pinned->depth);
  g_free (pinned);
}
