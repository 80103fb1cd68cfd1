/* render-count.c: the counting backend. */
#include "config.h"

#include <math.h>

#include "render-backend.h"
#include "render-count.h"
#include "ingest-hash.h"

typedef struct {
  RenderCount *c;
  guint depth;
} Counter;

static void
bump (GHashTable *t, const char *key)
{
  gpointer v = g_hash_table_lookup (t, key);
  if (v == NULL)
    g_hash_table_insert (t, g_strdup (key), GUINT_TO_POINTER (1));
  else
    g_hash_table_insert (t, g_strdup (key), GUINT_TO_POINTER (GPOINTER_TO_UINT (v) + 1));
}

static void
ink (RenderCount *c, double x, double y)
{
  c->ink_x0 = MIN (c->ink_x0, x);
  c->ink_y0 = MIN (c->ink_y0, y);
  c->ink_x1 = MAX (c->ink_x1, x);
  c->ink_y1 = MAX (c->ink_y1, y);
}

static void
shape (gpointer self, const RenderNode *n, const RenderStyle *st)
{
  Counter *k = self;
  RenderCount *c = k->c;
  c->shapes[n->kind]++;
  if (st->n_dashes && st->stroke.a)
    c->dashed++;
  switch (n->kind)
    {
    case RENDER_NODE_RECT:
      ink (c, n->u.rect.x, n->u.rect.y);
      ink (c, n->u.rect.x + n->u.rect.w, n->u.rect.y + n->u.rect.h);
      break;
    case RENDER_NODE_LINE:
      ink (c, n->u.line.x1, n->u.line.y1);
      ink (c, n->u.line.x2, n->u.line.y2);
      break;
    case RENDER_NODE_CIRCLE:
      ink (c, n->u.circle.cx - n->u.circle.r, n->u.circle.cy - n->u.circle.r);
      ink (c, n->u.circle.cx + n->u.circle.r, n->u.circle.cy + n->u.circle.r);
      break;
    case RENDER_NODE_PATH:
      for (guint i = 0; i < n->u.path.n_points; i++)
        ink (c, n->u.path.points[2 * i], n->u.path.points[2 * i + 1]);
      break;
    case RENDER_NODE_TEXT:
      ink (c, n->u.text.x, n->u.text.y);
      bump (c->texts, n->u.text.text);
      break;
    default:
      break;
    }
}

static void
arrow (gpointer self, const RenderNode *n, const RenderStyle *st, const RenderArrowGeometry *g)
{
  Counter *k = self;
  (void) g;
  shape (self, n, st);
  ink (k->c, n->u.arrow.x1, n->u.arrow.y1);
  ink (k->c, n->u.arrow.x2, n->u.arrow.y2);
}

static void
group_begin (gpointer self, const RenderNode *n)
{
  Counter *k = self;
  k->c->groups++;
  k->depth++;
  k->c->max_depth = MAX (k->c->max_depth, k->depth);
  if (n->u.group.klass)
    bump (k->c->classes, n->u.group.klass);
}

static void
group_end (gpointer self, const RenderNode *n)
{
  Counter *k = self;
  (void) n;
  k->depth--;
}

static void
clip_begin (gpointer self, const RenderNode *n)
{
  Counter *k = self;
  (void) n;
  k->c->clips++;
  k->depth++;
  k->c->max_depth = MAX (k->c->max_depth, k->depth);
}

static void
clip_end (gpointer self)
{
  Counter *k = self;
  k->depth--;
}

static void
count_warning (const char *message, gpointer data)
{
  RenderCount *c = data;
  (void) message;
  c->warnings++;
}

static const RenderBackend count_backend = {
  .group_begin = group_begin,
  .group_end = group_end,
  .clip_begin = clip_begin,
  .clip_end = clip_end,
  .rect = shape,
  .line = shape,
  .circle = shape,
  .path = shape,
  .arrow = arrow,
  .text = shape,
};

RenderCount *
render_count_scene (const RenderScene *scene)
{
  g_return_val_if_fail (scene != NULL, NULL);
  RenderCount *c = g_new0 (RenderCount, 1);
  c->classes = g_hash_table_new_full (ingest_hash_str, g_str_equal, g_free, NULL);
  c->texts = g_hash_table_new_full (ingest_hash_str, g_str_equal, g_free, NULL);
  c->ink_x0 = c->ink_y0 = INFINITY;
  c->ink_x1 = c->ink_y1 = -INFINITY;
  Counter k = { c, 0 };
  render_backend_walk (scene, &count_backend, &k, count_warning, c);
  return c;
}

void
render_count_free (RenderCount *count)
{
  if (count == NULL)
    return;
  g_hash_table_unref (count->classes);
  g_hash_table_unref (count->texts);
  g_free (count);
}

guint
render_count_class (const RenderCount *count, const char *klass)
{
  g_return_val_if_fail (count != NULL, 0);
  g_return_val_if_fail (klass != NULL, 0);
  return GPOINTER_TO_UINT (g_hash_table_lookup (count->classes, klass));
}

guint
render_count_text (const RenderCount *count, const char *text)
{
  g_return_val_if_fail (count != NULL, 0);
  g_return_val_if_fail (text != NULL, 0);
  return GPOINTER_TO_UINT (g_hash_table_lookup (count->texts, text));
}
