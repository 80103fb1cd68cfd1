/* render-scene.c: the display list, its arena, style interning and hit
 * testing. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "render-scene.h"

#define ARENA_BLOCK 65536

typedef struct _ArenaBlock ArenaBlock;
struct _ArenaBlock {
  ArenaBlock *next;
  gsize used, size;
  /* data follows, max_align_t aligned */
};

struct _RenderScene {
  double width, height;
  RenderColor background;
  char *title;
  char *root_class;

  ArenaBlock *blocks;
  gsize arena_bytes;

  RenderNode *first, *last;
  guint n_nodes;

  /* style interning */
  RenderStyle current;
  gboolean current_dirty;
  guint32 current_index;
  GArray *styles;            /* RenderStyle */
  GHashTable *style_index;   /* RenderStyle* (in arena) -> index + 1 */
  GHashTable *families;      /* interned font families (arena strings) */

  /* open groups (RenderNode*), innermost last */
  GPtrArray *open_groups;
  guint open_clips;

  /* path under construction */
  GByteArray *path_ops;
  GArray *path_points;
  gboolean in_path;
};

#define BLOCK_HEADER (((sizeof (ArenaBlock) + 15) / 16) * 16)

static gpointer
arena_alloc (RenderScene *scene, gsize size)
{
  size = (size + 7) & ~(gsize) 7;
  ArenaBlock *b = scene->blocks;
  if (b == NULL || b->used + size > b->size)
    {
      gsize bsize = MAX (ARENA_BLOCK, size);
      ArenaBlock *nb = g_malloc (BLOCK_HEADER + bsize);
      nb->used = 0;
      nb->size = bsize;
      if (size > ARENA_BLOCK / 4 && b != NULL)
        {
          /* A big one-off allocation: keep the current block open for
           * small ones by linking the big block behind it. */
          nb->next = b->next;
          b->next = nb;
        }
      else
        {
          nb->next = b;
          scene->blocks = nb;
        }
      scene->arena_bytes += BLOCK_HEADER + bsize;
      b = nb;
    }
  gpointer p = (char *) b + BLOCK_HEADER + b->used;
  b->used += size;
  return p;
}

static const char *
arena_strdup (RenderScene *scene, const char *s)
{
  if (s == NULL)
    return NULL;
  gsize len = strlen (s);
  char *p = arena_alloc (scene, len + 1);
  memcpy (p, s, len + 1);
  return p;
}

RenderColor
render_color_rgb (guint32 rgb)
{
  return (RenderColor){ (rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff, 0xff };
}

RenderColor
render_color_rgba (guint32 rgba)
{
  return (RenderColor){ rgba >> 24, (rgba >> 16) & 0xff, (rgba >> 8) & 0xff, rgba & 0xff };
}

RenderColor
render_color_with_alpha (RenderColor c, double a)
{
  c.a = (guint8) lround (CLAMP (a, 0.0, 1.0) * 255.0);
  return c;
}

RenderColor
render_color_mix (RenderColor a, RenderColor b, double t)
{
  t = CLAMP (t, 0.0, 1.0);
  return (RenderColor){
    (guint8) lround (a.r + (b.r - a.r) * t), (guint8) lround (a.g + (b.g - a.g) * t),
    (guint8) lround (a.b + (b.b - a.b) * t), (guint8) lround (a.a + (b.a - a.a) * t) };
}

static guint
style_hash (gconstpointer p)
{
  const RenderStyle *s = p;
  guint h = 5381;
  const guint8 *c = (const guint8 *) &s->fill;
  for (guint i = 0; i < 4; i++)
    h = h * 33 + c[i];
  c = (const guint8 *) &s->stroke;
  for (guint i = 0; i < 4; i++)
    h = h * 33 + c[i];
  h = h * 33 + (guint) (s->stroke_width * 100);
  h = h * 33 + (guint) (s->font_size * 100);
  h = h * 33 + s->font_weight;
  h = h * 33 + s->n_dashes;
  h = h * 33 + g_direct_hash (s->font_family);
  return h;
}

static gboolean
style_equal (gconstpointer a, gconstpointer b)
{
  const RenderStyle *x = a, *y = b;
  if (memcmp (&x->fill, &y->fill, sizeof x->fill) != 0 ||
      memcmp (&x->stroke, &y->stroke, sizeof x->stroke) != 0 ||
      x->stroke_width != y->stroke_width || x->font_size != y->font_size ||
      x->font_weight != y->font_weight || x->font_family != y->font_family ||
      x->n_dashes != y->n_dashes)
    return FALSE;
  for (guint i = 0; i < x->n_dashes; i++)
    if (x->dashes[i] != y->dashes[i])
      return FALSE;
  return TRUE;
}

static const char *
intern_family (RenderScene *scene, const char *family)
{
  const char *f = g_hash_table_lookup (scene->families, family);
  if (f == NULL)
    {
      f = arena_strdup (scene, family);
      g_hash_table_add (scene->families, (gpointer) f);
    }
  return f;
}

RenderScene *
render_scene_new (double width, double height)
{
  RenderScene *scene = g_new0 (RenderScene, 1);
  scene->width = isfinite (width) && width > 0 ? width : 1;
  scene->height = isfinite (height) && height > 0 ? height : 1;
  scene->styles = g_array_new (FALSE, FALSE, sizeof (RenderStyle));
  scene->style_index = g_hash_table_new (style_hash, style_equal);
  scene->families = g_hash_table_new (g_str_hash, g_str_equal);
  scene->open_groups = g_ptr_array_new ();
  scene->path_ops = g_byte_array_new ();
  scene->path_points = g_array_new (FALSE, FALSE, sizeof (double));
  scene->current.stroke_width = 1.0;
  scene->current.font_family = intern_family (scene, "DejaVu Sans");
  scene->current.font_size = 11.0;
  scene->current.font_weight = 400;
  scene->current_dirty = TRUE;
  return scene;
}

void
render_scene_free (RenderScene *scene)
{
  if (scene == NULL)
    return;
  ArenaBlock *b = scene->blocks;
  while (b != NULL)
    {
      ArenaBlock *next = b->next;
      g_free (b);
      b = next;
    }
  g_array_unref (scene->styles);
  g_hash_table_unref (scene->style_index);
  g_hash_table_unref (scene->families);
  g_ptr_array_unref (scene->open_groups);
  g_byte_array_unref (scene->path_ops);
  g_array_unref (scene->path_points);
  g_free (scene->title);
  g_free (scene->root_class);
  g_free (scene);
}

void
render_scene_get_size (const RenderScene *scene, double *width, double *height)
{
  g_return_if_fail (scene != NULL);
  if (width)
    *width = scene->width;
  if (height)
    *height = scene->height;
}

void
render_scene_set_size (RenderScene *scene, double width, double height)
{
  g_return_if_fail (scene != NULL);
  if (isfinite (width) && width > 0)
    scene->width = width;
  if (isfinite (height) && height > 0)
    scene->height = height;
}

void
render_scene_set_background (RenderScene *scene, RenderColor color)
{
  g_return_if_fail (scene != NULL);
  scene->background = color;
}

RenderColor
render_scene_get_background (const RenderScene *scene)
{
  g_return_val_if_fail (scene != NULL, RENDER_COLOR_NONE);
  return scene->background;
}

void
render_scene_set_title (RenderScene *scene, const char *title)
{
  g_return_if_fail (scene != NULL);
  g_free (scene->title);
  scene->title = g_strdup (title);
}

const char *
render_scene_get_title (const RenderScene *scene)
{
  g_return_val_if_fail (scene != NULL, NULL);
  return scene->title;
}

void
render_scene_set_root_class (RenderScene *scene, const char *klass)
{
  g_return_if_fail (scene != NULL);
  g_free (scene->root_class);
  scene->root_class = g_strdup (klass);
}

const char *
render_scene_get_root_class (const RenderScene *scene)
{
  g_return_val_if_fail (scene != NULL, NULL);
  return scene->root_class;
}

void
render_scene_set_fill (RenderScene *scene, RenderColor color)
{
  g_return_if_fail (scene != NULL);
  if (memcmp (&scene->current.fill, &color, sizeof color) == 0)
    return;
  scene->current.fill = color;
  scene->current_dirty = TRUE;
}

void
render_scene_set_stroke (RenderScene *scene, RenderColor color)
{
  g_return_if_fail (scene != NULL);
  if (memcmp (&scene->current.stroke, &color, sizeof color) == 0)
    return;
  scene->current.stroke = color;
  scene->current_dirty = TRUE;
}

void
render_scene_set_stroke_width (RenderScene *scene, double width)
{
  g_return_if_fail (scene != NULL);
  width = isfinite (width) && width >= 0 ? width : 1.0;
  if (width == scene->current.stroke_width)
    return;
  scene->current.stroke_width = width;
  scene->current_dirty = TRUE;
}

void
render_scene_set_dash (RenderScene *scene, const double *dashes, guint n)
{
  g_return_if_fail (scene != NULL);
  g_return_if_fail (dashes != NULL || n == 0);
  n = MIN (n, RENDER_MAX_DASHES);
  if (n == 0 && scene->current.n_dashes == 0)
    return;
  memset (scene->current.dashes, 0, sizeof scene->current.dashes);
  for (guint i = 0; i < n; i++)
    scene->current.dashes[i] = isfinite (dashes[i]) && dashes[i] >= 0 ? dashes[i] : 0;
  scene->current.n_dashes = n;
  scene->current_dirty = TRUE;
}

void
render_scene_set_font (RenderScene *scene, const char *family, double size, guint weight)
{
  g_return_if_fail (scene != NULL);
  scene->current.font_family = intern_family (scene, family ? family : "DejaVu Sans");
  scene->current.font_size = isfinite (size) && size > 0 ? size : 11.0;
  scene->current.font_weight = CLAMP (weight, 100, 900);
  scene->current_dirty = TRUE;
}

static guint32
current_style (RenderScene *scene)
{
  if (!scene->current_dirty)
    return scene->current_index;
  gpointer v = g_hash_table_lookup (scene->style_index, &scene->current);
  if (v != NULL)
    scene->current_index = GPOINTER_TO_UINT (v) - 1;
  else
    {
      RenderStyle *copy = arena_alloc (scene, sizeof (RenderStyle));
      *copy = scene->current;
      scene->current_index = scene->styles->len;
      g_array_append_val (scene->styles, *copy);
      g_hash_table_insert (scene->style_index, copy,
                           GUINT_TO_POINTER (scene->current_index + 1));
    }
  scene->current_dirty = FALSE;
  return scene->current_index;
}

/* Doubles to the nodes' floats: out-of-range values become infinities (a
 * plain conversion would be undefined behaviour), which backends skip. */
static inline float
f32 (double v)
{
  if (v > FLT_MAX)
    return INFINITY;
  if (v < -FLT_MAX)
    return -INFINITY;
  return (float) v;
}

/* Bytes a node of each kind takes: the header plus its union member. */
static gsize
node_size (RenderNodeKind kind)
{
  static const gsize member[RENDER_NODE_N_KINDS] = {
    [RENDER_NODE_RECT] = sizeof (((RenderNode *) 0)->u.rect),
    [RENDER_NODE_LINE] = sizeof (((RenderNode *) 0)->u.line),
    [RENDER_NODE_PATH] = sizeof (((RenderNode *) 0)->u.path),
    [RENDER_NODE_CIRCLE] = sizeof (((RenderNode *) 0)->u.circle),
    [RENDER_NODE_ARROW] = sizeof (((RenderNode *) 0)->u.arrow),
    [RENDER_NODE_TEXT] = sizeof (((RenderNode *) 0)->u.text),
    [RENDER_NODE_GROUP_BEGIN] = sizeof (((RenderNode *) 0)->u.group),
    [RENDER_NODE_GROUP_END] = 0,
    [RENDER_NODE_CLIP_BEGIN] = sizeof (((RenderNode *) 0)->u.clip),
    [RENDER_NODE_CLIP_END] = 0,
  };
  return G_STRUCT_OFFSET (RenderNode, u) + member[kind];
}

static RenderNode *
add_node (RenderScene *scene, RenderNodeKind kind)
{
  gsize size = node_size (kind);
  RenderNode *node = arena_alloc (scene, size);
  memset (node, 0, size);
  node->kind = kind;
  if (kind <= RENDER_NODE_TEXT)
    node->style = current_style (scene);
  if (scene->last)
    scene->last->next = node;
  else
    scene->first = node;
  scene->last = node;
  scene->n_nodes++;
  return node;
}

void
render_scene_rect (RenderScene *scene, double x, double y, double w, double h, double radius)
{
  g_return_if_fail (scene != NULL);
  RenderNode *n = add_node (scene, RENDER_NODE_RECT);
  if (w < 0)
    x += w, w = -w;
  if (h < 0)
    y += h, h = -h;
  n->u.rect.x = f32 (x);
  n->u.rect.y = f32 (y);
  n->u.rect.w = f32 (w);
  n->u.rect.h = f32 (h);
  n->u.rect.radius = f32 (MAX (0, radius));
}

void
render_scene_line (RenderScene *scene, double x1, double y1, double x2, double y2)
{
  g_return_if_fail (scene != NULL);
  RenderNode *n = add_node (scene, RENDER_NODE_LINE);
  n->u.line.x1 = f32 (x1);
  n->u.line.y1 = f32 (y1);
  n->u.line.x2 = f32 (x2);
  n->u.line.y2 = f32 (y2);
}

void
render_scene_circle (RenderScene *scene, double cx, double cy, double r)
{
  g_return_if_fail (scene != NULL);
  RenderNode *n = add_node (scene, RENDER_NODE_CIRCLE);
  n->u.circle.cx = f32 (cx);
  n->u.circle.cy = f32 (cy);
  n->u.circle.r = f32 (fabs (r));
}

void
render_scene_path_begin (RenderScene *scene)
{
  g_return_if_fail (scene != NULL);
  g_byte_array_set_size (scene->path_ops, 0);
  g_array_set_size (scene->path_points, 0);
  scene->in_path = TRUE;
}

static void
path_op (RenderScene *scene, RenderPathOp op, const double *pts, guint n)
{
  g_return_if_fail (scene->in_path);
  guint8 o = op;
  g_byte_array_append (scene->path_ops, &o, 1);
  g_array_append_vals (scene->path_points, pts, n);
}

void
render_scene_path_move_to (RenderScene *scene, double x, double y)
{
  g_return_if_fail (scene != NULL);
  double p[2] = { x, y };
  path_op (scene, RENDER_PATH_MOVE, p, 2);
}

void
render_scene_path_line_to (RenderScene *scene, double x, double y)
{
  g_return_if_fail (scene != NULL);
  double p[2] = { x, y };
  path_op (scene, RENDER_PATH_LINE, p, 2);
}

void
render_scene_path_curve_to (RenderScene *scene, double x1, double y1,
                            double x2, double y2, double x3, double y3)
{
  g_return_if_fail (scene != NULL);
  double p[6] = { x1, y1, x2, y2, x3, y3 };
  path_op (scene, RENDER_PATH_CUBIC, p, 6);
}

void
render_scene_path_close (RenderScene *scene)
{
  g_return_if_fail (scene != NULL);
  path_op (scene, RENDER_PATH_CLOSE, NULL, 0);
}

void
render_scene_path_end (RenderScene *scene)
{
  g_return_if_fail (scene != NULL);
  g_return_if_fail (scene->in_path);
  scene->in_path = FALSE;
  if (scene->path_ops->len == 0)
    return;
  /* A path must start with a move: a leading line/curve without one gets
   * its first point as the start, like cairo does. */
  RenderNode *n = add_node (scene, RENDER_NODE_PATH);
  guint n_ops = scene->path_ops->len, n_pts = scene->path_points->len;
  guint8 *ops = arena_alloc (scene, n_ops);
  memcpy (ops, scene->path_ops->data, n_ops);
  double *pts = arena_alloc (scene, sizeof (double) * MAX (n_pts, 1));
  if (n_pts)
    memcpy (pts, scene->path_points->data, sizeof (double) * n_pts);
  n->u.path.ops = ops;
  n->u.path.n_ops = n_ops;
  n->u.path.points = pts;
  n->u.path.n_points = n_pts / 2;
}

void
render_scene_polyline (RenderScene *scene, const double *xy, guint n, gboolean closed)
{
  g_return_if_fail (scene != NULL);
  g_return_if_fail (xy != NULL || n == 0);
  if (n == 0)
    return;
  render_scene_path_begin (scene);
  render_scene_path_move_to (scene, xy[0], xy[1]);
  for (guint i = 1; i < n; i++)
    render_scene_path_line_to (scene, xy[2 * i], xy[2 * i + 1]);
  if (closed)
    render_scene_path_close (scene);
  render_scene_path_end (scene);
}

void
render_scene_arrow (RenderScene *scene, double x1, double y1, double x2, double y2,
                    RenderHead head, double head_size)
{
  g_return_if_fail (scene != NULL);
  RenderNode *n = add_node (scene, RENDER_NODE_ARROW);
  n->u.arrow.x1 = f32 (x1);
  n->u.arrow.y1 = f32 (y1);
  n->u.arrow.x2 = f32 (x2);
  n->u.arrow.y2 = f32 (y2);
  n->u.arrow.cx1 = f32 (x1);
  n->u.arrow.cy1 = f32 (y1);
  n->u.arrow.cx2 = f32 (x2);
  n->u.arrow.cy2 = f32 (y2);
  n->u.arrow.head = head;
  n->u.arrow.head_size = f32 (MAX (0, head_size));
  n->u.arrow.curved = FALSE;
}

void
render_scene_arrow_curve (RenderScene *scene, double x1, double y1,
                          double cx1, double cy1, double cx2, double cy2,
                          double x2, double y2, RenderHead head, double head_size)
{
  g_return_if_fail (scene != NULL);
  RenderNode *n = add_node (scene, RENDER_NODE_ARROW);
  n->u.arrow.x1 = f32 (x1);
  n->u.arrow.y1 = f32 (y1);
  n->u.arrow.cx1 = f32 (cx1);
  n->u.arrow.cy1 = f32 (cy1);
  n->u.arrow.cx2 = f32 (cx2);
  n->u.arrow.cy2 = f32 (cy2);
  n->u.arrow.x2 = f32 (x2);
  n->u.arrow.y2 = f32 (y2);
  n->u.arrow.head = head;
  n->u.arrow.head_size = f32 (MAX (0, head_size));
  n->u.arrow.curved = TRUE;
}

static void
text_node (RenderScene *scene, double x, double y, const char *text, gboolean copy,
           RenderAnchor anchor, RenderBaseline baseline, double width)
{
  if (text == NULL || *text == '\0')
    return;
  RenderNode *n = add_node (scene, RENDER_NODE_TEXT);
  n->u.text.x = f32 (x);
  n->u.text.y = f32 (y);
  n->u.text.width = f32 (width);
  n->u.text.text = copy ? arena_strdup (scene, text) : text;
  n->u.text.anchor = anchor;
  n->u.text.baseline = baseline;
}

void
render_scene_text (RenderScene *scene, double x, double y, const char *text,
                   RenderAnchor anchor, RenderBaseline baseline, double width)
{
  g_return_if_fail (scene != NULL);
  text_node (scene, x, y, text, TRUE, anchor, baseline, width);
}

const char *
render_scene_intern (RenderScene *scene, const char *text)
{
  g_return_val_if_fail (scene != NULL, NULL);
  return arena_strdup (scene, text);
}

void
render_scene_text_interned (RenderScene *scene, double x, double y, const char *text,
                            RenderAnchor anchor, RenderBaseline baseline, double width)
{
  g_return_if_fail (scene != NULL);
  text_node (scene, x, y, text, FALSE, anchor, baseline, width);
}

void
render_scene_group_begin (RenderScene *scene, const char *klass, const char *id,
                          const char *title)
{
  g_return_if_fail (scene != NULL);
  RenderNode *n = add_node (scene, RENDER_NODE_GROUP_BEGIN);
  n->u.group.klass = arena_strdup (scene, klass);
  n->u.group.id = arena_strdup (scene, id);
  n->u.group.title = arena_strdup (scene, title);
  n->u.group.depth = scene->open_groups->len;
  g_ptr_array_add (scene->open_groups, n);
}

void
render_scene_group_set_data (RenderScene *scene, const char *key, const char *value)
{
  g_return_if_fail (scene != NULL);
  g_return_if_fail (scene->open_groups->len > 0);
  g_return_if_fail (key != NULL);
  RenderNode *g = g_ptr_array_index (scene->open_groups, scene->open_groups->len - 1);
  RenderData *d = arena_alloc (scene, sizeof (RenderData));
  d->key = arena_strdup (scene, key);
  d->value = arena_strdup (scene, value ? value : "");
  d->next = NULL;
  /* Append, so attributes come out in the order they were set. */
  const RenderData **tail = &g->u.group.data;
  while (*tail)
    tail = (const RenderData **) &(*tail)->next;
  *tail = d;
}

void
render_scene_group_end (RenderScene *scene)
{
  g_return_if_fail (scene != NULL);
  g_return_if_fail (scene->open_groups->len > 0);
  g_ptr_array_set_size (scene->open_groups, scene->open_groups->len - 1);
  add_node (scene, RENDER_NODE_GROUP_END);
}

void
render_scene_clip_begin (RenderScene *scene, double x, double y, double w, double h)
{
  g_return_if_fail (scene != NULL);
  RenderNode *n = add_node (scene, RENDER_NODE_CLIP_BEGIN);
  n->u.clip.x = f32 (x);
  n->u.clip.y = f32 (y);
  n->u.clip.w = f32 (MAX (0, w));
  n->u.clip.h = f32 (MAX (0, h));
  scene->open_clips++;
}

void
render_scene_clip_end (RenderScene *scene)
{
  g_return_if_fail (scene != NULL);
  g_return_if_fail (scene->open_clips > 0);
  scene->open_clips--;
  add_node (scene, RENDER_NODE_CLIP_END);
}

const RenderNode *
render_scene_get_first (const RenderScene *scene)
{
  g_return_val_if_fail (scene != NULL, NULL);
  return scene->first;
}

guint
render_scene_n_nodes (const RenderScene *scene)
{
  g_return_val_if_fail (scene != NULL, 0);
  return scene->n_nodes;
}

guint
render_scene_count_groups (const RenderScene *scene, const char *klass)
{
  g_return_val_if_fail (scene != NULL, 0);
  guint n = 0;
  for (const RenderNode *node = scene->first; node; node = node->next)
    if (node->kind == RENDER_NODE_GROUP_BEGIN && node->u.group.klass &&
        g_strcmp0 (node->u.group.klass, klass) == 0)
      n++;
  return n;
}

const RenderStyle *
render_scene_get_style (const RenderScene *scene, guint32 index)
{
  g_return_val_if_fail (scene != NULL, NULL);
  g_return_val_if_fail (index < scene->styles->len, NULL);
  return &g_array_index (scene->styles, RenderStyle, index);
}

guint
render_scene_n_styles (const RenderScene *scene)
{
  g_return_val_if_fail (scene != NULL, 0);
  return scene->styles->len;
}

gsize
render_scene_memory_bytes (const RenderScene *scene)
{
  g_return_val_if_fail (scene != NULL, 0);
  return scene->arena_bytes;
}

/* ---- hit testing ---- */

static double
seg_dist2 (double px, double py, double ax, double ay, double bx, double by)
{
  double dx = bx - ax, dy = by - ay;
  double l2 = dx * dx + dy * dy;
  double t = l2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
  t = CLAMP (t, 0.0, 1.0);
  double qx = ax + t * dx - px, qy = ay + t * dy - py;
  return qx * qx + qy * qy;
}

/* Distance squared from p to a cubic, by flattening into 16 segments. */
static double
cubic_dist2 (double px, double py, const double *p0, const double *c)
{
  double best = G_MAXDOUBLE, lx = p0[0], ly = p0[1];
  for (int i = 1; i <= 16; i++)
    {
      double t = i / 16.0, u = 1 - t;
      double x = u * u * u * p0[0] + 3 * u * u * t * c[0] + 3 * u * t * t * c[2] + t * t * t * c[4];
      double y = u * u * u * p0[1] + 3 * u * u * t * c[1] + 3 * u * t * t * c[3] + t * t * t * c[5];
      best = MIN (best, seg_dist2 (px, py, lx, ly, x, y));
      lx = x, ly = y;
    }
  return best;
}

/* Even-odd crossing test of p against the segment a-b. */
static int
crossing (double px, double py, double ax, double ay, double bx, double by)
{
  if ((ay > py) != (by > py))
    {
      double x = ax + (py - ay) * (bx - ax) / (by - ay);
      if (px < x)
        return 1;
    }
  return 0;
}

static gboolean
path_contains (const RenderNode *node, const RenderStyle *st, double px, double py, double tol)
{
  const double *pts = node->u.path.points;
  double sx = 0, sy = 0, cx = 0, cy = 0;
  int crossings = 0;
  gboolean near = FALSE;
  guint pi = 0;
  gboolean filled = st->fill.a > 0;
  for (guint i = 0; i < node->u.path.n_ops; i++)
    {
      switch (node->u.path.ops[i])
        {
        case RENDER_PATH_MOVE:
          if (filled)
            crossings += crossing (px, py, cx, cy, sx, sy);
          sx = cx = pts[2 * pi];
          sy = cy = pts[2 * pi + 1];
          pi++;
          break;
        case RENDER_PATH_LINE:
          {
            double x = pts[2 * pi], y = pts[2 * pi + 1];
            if (seg_dist2 (px, py, cx, cy, x, y) <= tol * tol)
              near = TRUE;
            crossings += crossing (px, py, cx, cy, x, y);
            cx = x, cy = y;
            pi++;
          }
          break;
        case RENDER_PATH_CUBIC:
          {
            double p0[2] = { cx, cy };
            const double *c = &pts[2 * pi];
            if (cubic_dist2 (px, py, p0, c) <= tol * tol)
              near = TRUE;
            /* Fill test on the chord polygon: good enough for pointing. */
            crossings += crossing (px, py, cx, cy, c[0], c[1]);
            crossings += crossing (px, py, c[0], c[1], c[2], c[3]);
            crossings += crossing (px, py, c[2], c[3], c[4], c[5]);
            cx = c[4], cy = c[5];
            pi += 3;
          }
          break;
        case RENDER_PATH_CLOSE:
          if (seg_dist2 (px, py, cx, cy, sx, sy) <= tol * tol)
            near = TRUE;
          crossings += crossing (px, py, cx, cy, sx, sy);
          cx = sx, cy = sy;
          break;
        default:
          break;
        }
    }
  if (filled)
    crossings += crossing (px, py, cx, cy, sx, sy);
  if (st->stroke.a > 0 && near)
    return TRUE;
  return filled && (crossings & 1);
}

static gboolean
node_contains (const RenderScene *scene, const RenderNode *node, double x, double y)
{
  const RenderStyle *st = &g_array_index (scene->styles, RenderStyle, node->style);
  double tol = MAX (st->stroke_width / 2, 3.0);
  switch (node->kind)
    {
    case RENDER_NODE_RECT:
      {
        double rx = node->u.rect.x, ry = node->u.rect.y, rw = node->u.rect.w, rh = node->u.rect.h;
        if (st->fill.a > 0)
          return x >= rx && x <= rx + rw && y >= ry && y <= ry + rh;
        if (st->stroke.a == 0)
          return FALSE;
        gboolean in_outer = x >= rx - tol && x <= rx + rw + tol && y >= ry - tol && y <= ry + rh + tol;
        gboolean in_inner = x > rx + tol && x < rx + rw - tol && y > ry + tol && y < ry + rh - tol;
        return in_outer && !in_inner;
      }
    case RENDER_NODE_LINE:
      return st->stroke.a > 0 &&
             seg_dist2 (x, y, node->u.line.x1, node->u.line.y1, node->u.line.x2,
                        node->u.line.y2) <= tol * tol;
    case RENDER_NODE_CIRCLE:
      {
        double d = hypot (x - node->u.circle.cx, y - node->u.circle.cy);
        if (st->fill.a > 0 && d <= node->u.circle.r)
          return TRUE;
        return st->stroke.a > 0 && fabs (d - node->u.circle.r) <= tol;
      }
    case RENDER_NODE_ARROW:
      {
        double t2 = tol * tol;
        if (!node->u.arrow.curved)
          return seg_dist2 (x, y, node->u.arrow.x1, node->u.arrow.y1, node->u.arrow.x2,
                            node->u.arrow.y2) <= t2;
        double p0[2] = { node->u.arrow.x1, node->u.arrow.y1 };
        double c[6] = { node->u.arrow.cx1, node->u.arrow.cy1, node->u.arrow.cx2,
                        node->u.arrow.cy2, node->u.arrow.x2, node->u.arrow.y2 };
        return cubic_dist2 (x, y, p0, c) <= t2;
      }
    case RENDER_NODE_PATH:
      return path_contains (node, st, x, y, tol);
    case RENDER_NODE_TEXT:
      {
        double w = node->u.text.width;
        if (w < 0)
          w = 0.55 * st->font_size * g_utf8_strlen (node->u.text.text, -1);
        double x0 = node->u.text.x;
        if (node->u.text.anchor == RENDER_ANCHOR_MIDDLE)
          x0 -= w / 2;
        else if (node->u.text.anchor == RENDER_ANCHOR_END)
          x0 -= w;
        double top;
        switch (node->u.text.baseline)
          {
          case RENDER_BASELINE_HANGING: top = node->u.text.y; break;
          case RENDER_BASELINE_MIDDLE: top = node->u.text.y - 0.6 * st->font_size; break;
          default: top = node->u.text.y - 0.95 * st->font_size; break;
          }
        return x >= x0 && x <= x0 + w && y >= top && y <= top + 1.2 * st->font_size;
      }
    default:
      return FALSE;
    }
}

const RenderNode *
render_scene_hit_test (const RenderScene *scene, double x, double y)
{
  g_return_val_if_fail (scene != NULL, NULL);
  if (!isfinite (x) || !isfinite (y))
    return NULL;
  const RenderNode *hit = NULL;
  /* Stacks of open groups and clip verdicts; the scene's nesting is not
   * bounded, so they grow as needed (iteration, no recursion). */
  GPtrArray *groups = g_ptr_array_new ();
  GArray *clips = g_array_new (FALSE, FALSE, sizeof (gboolean));
  guint clipped_out = 0; /* number of open clips the point is outside */
  for (const RenderNode *node = scene->first; node; node = node->next)
    {
      switch (node->kind)
        {
        case RENDER_NODE_GROUP_BEGIN:
          g_ptr_array_add (groups, (gpointer) node);
          break;
        case RENDER_NODE_GROUP_END:
          if (groups->len)
            g_ptr_array_set_size (groups, groups->len - 1);
          break;
        case RENDER_NODE_CLIP_BEGIN:
          {
            gboolean out = !(x >= node->u.clip.x && x <= node->u.clip.x + node->u.clip.w &&
                             y >= node->u.clip.y && y <= node->u.clip.y + node->u.clip.h);
            g_array_append_val (clips, out);
            clipped_out += out;
          }
          break;
        case RENDER_NODE_CLIP_END:
          if (clips->len)
            {
              clipped_out -= g_array_index (clips, gboolean, clips->len - 1);
              g_array_set_size (clips, clips->len - 1);
            }
          break;
        default:
          if (clipped_out == 0 && node_contains (scene, node, x, y))
            {
              const RenderNode *g = NULL;
              for (guint i = groups->len; i > 0; i--)
                {
                  const RenderNode *cand = g_ptr_array_index (groups, i - 1);
                  if (cand->u.group.klass != NULL)
                    {
                      g = cand;
                      break;
                    }
                }
              /* The topmost shape wins, even one outside any semantic
               * group (a legend drawn over an edge hides it). */
              hit = g;
            }
          break;
        }
    }
  g_ptr_array_unref (groups);
  g_array_unref (clips);
  return hit;
}

const RenderNode *
render_scene_find_group (const RenderScene *scene, const char *klass, const char *id)
{
  if (scene == NULL || klass == NULL || id == NULL)
    return NULL;
  for (const RenderNode *n = scene->first; n != NULL; n = n->next)
    if (n->kind == RENDER_NODE_GROUP_BEGIN && g_strcmp0 (n->u.group.klass, klass) == 0 &&
        g_strcmp0 (n->u.group.id, id) == 0)
      return n;
  return NULL;
}

static void
bounds_grow (double *b, double x0, double y0, double x1, double y1)
{
  b[0] = MIN (b[0], MIN (x0, x1));
  b[1] = MIN (b[1], MIN (y0, y1));
  b[2] = MAX (b[2], MAX (x0, x1));
  b[3] = MAX (b[3], MAX (y0, y1));
}

gboolean
render_scene_group_bounds (const RenderScene *scene, const RenderNode *group, double bounds[4])
{
  g_return_val_if_fail (scene != NULL, FALSE);
  g_return_val_if_fail (group != NULL && group->kind == RENDER_NODE_GROUP_BEGIN, FALSE);
  g_return_val_if_fail (bounds != NULL, FALSE);

  double *b = bounds;
  /* GROUP_END carries no depth: count the nesting from the group's own. */
  guint depth = group->u.group.depth;

  b[0] = b[1] = G_MAXDOUBLE;
  b[2] = b[3] = -G_MAXDOUBLE;
  for (const RenderNode *n = group->next; n != NULL; n = n->next)
    {
      switch (n->kind)
        {
        case RENDER_NODE_GROUP_BEGIN:
          depth++;
          break;
        case RENDER_NODE_GROUP_END:
          if (depth == group->u.group.depth)
            return b[0] <= b[2];
          depth--;
          break;
        case RENDER_NODE_RECT:
          bounds_grow (b, n->u.rect.x, n->u.rect.y, n->u.rect.x + n->u.rect.w, n->u.rect.y + n->u.rect.h);
          break;
        case RENDER_NODE_LINE:
          bounds_grow (b, n->u.line.x1, n->u.line.y1, n->u.line.x2, n->u.line.y2);
          break;
        case RENDER_NODE_CIRCLE:
          bounds_grow (b, n->u.circle.cx - n->u.circle.r, n->u.circle.cy - n->u.circle.r,
                       n->u.circle.cx + n->u.circle.r, n->u.circle.cy + n->u.circle.r);
          break;
        case RENDER_NODE_ARROW:
          bounds_grow (b, n->u.arrow.x1, n->u.arrow.y1, n->u.arrow.x2, n->u.arrow.y2);
          break;
        case RENDER_NODE_PATH:
          for (guint i = 0; i + 1 < n->u.path.n_points * 2; i += 2)
            bounds_grow (b, n->u.path.points[i], n->u.path.points[i + 1],
                         n->u.path.points[i], n->u.path.points[i + 1]);
          break;
        case RENDER_NODE_TEXT:
          {
            const RenderStyle *st = render_scene_get_style (scene, n->style);
            double w = n->u.text.width > 0 ? n->u.text.width : 0;
            double x0 = n->u.text.x;
            double fs = st ? st->font_size : 11;

            if (n->u.text.anchor == RENDER_ANCHOR_MIDDLE)
              x0 -= w / 2;
            else if (n->u.text.anchor == RENDER_ANCHOR_END)
              x0 -= w;
            bounds_grow (b, x0, n->u.text.y - fs, x0 + w, n->u.text.y + fs * 0.3);
          }
          break;
        default:
          break;
        }
    }
  return b[0] <= b[2];
}

void
render_arrow_geometry (const RenderNode *arrow, RenderArrowGeometry *out)
{
  g_return_if_fail (arrow != NULL && arrow->kind == RENDER_NODE_ARROW);
  g_return_if_fail (out != NULL);
  double x2 = arrow->u.arrow.x2, y2 = arrow->u.arrow.y2;
  /* Direction at the tip: from the last distinct control point. */
  double fx = arrow->u.arrow.cx2, fy = arrow->u.arrow.cy2;
  if (!arrow->u.arrow.curved || (fabs (fx - x2) < 1e-9 && fabs (fy - y2) < 1e-9))
    {
      fx = arrow->u.arrow.curved ? arrow->u.arrow.cx1 : arrow->u.arrow.x1;
      fy = arrow->u.arrow.curved ? arrow->u.arrow.cy1 : arrow->u.arrow.y1;
      if (fabs (fx - x2) < 1e-9 && fabs (fy - y2) < 1e-9)
        fx = arrow->u.arrow.x1, fy = arrow->u.arrow.y1;
    }
  double dx = x2 - fx, dy = y2 - fy, len = hypot (dx, dy);
  if (len < 1e-9)
    dx = 1, dy = 0, len = 1;
  dx /= len, dy /= len;
  double s = arrow->u.arrow.head_size;
  double bx = x2 - dx * s, by = y2 - dy * s;   /* middle of the head's base */
  double px = -dy * s * 0.45, py = dx * s * 0.45;
  out->head[0] = bx + px;
  out->head[1] = by + py;
  out->head[2] = x2;
  out->head[3] = y2;
  out->head[4] = bx - px;
  out->head[5] = by - py;
  out->cx2 = arrow->u.arrow.cx2;
  out->cy2 = arrow->u.arrow.cy2;
  switch (arrow->u.arrow.head)
    {
    case RENDER_HEAD_FILLED:
      /* Stop the shaft inside the head so the wide stroke can't poke out
       * of the tip. */
      out->shaft_x = x2 - dx * s * 0.7;
      out->shaft_y = y2 - dy * s * 0.7;
      out->cx2 -= dx * s * 0.7;
      out->cy2 -= dy * s * 0.7;
      break;
    case RENDER_HEAD_CROSS:
      {
        double h = s * 0.5;
        out->head[0] = x2 - h, out->head[1] = y2 - h;
        out->head[2] = x2 + h, out->head[3] = y2 + h;
        out->head[4] = x2 - h, out->head[5] = y2 + h; /* the other bar: (x2+h, y2-h) */
        out->shaft_x = x2, out->shaft_y = y2;
      }
      break;
    default:
      out->shaft_x = x2, out->shaft_y = y2;
      break;
    }
}

double
render_text_baseline_offset (RenderBaseline baseline, double font_size)
{
  switch (baseline)
    {
    case RENDER_BASELINE_MIDDLE: return 0.36 * font_size;
    case RENDER_BASELINE_HANGING: return 0.76 * font_size;
    default: return 0;
    }
}
