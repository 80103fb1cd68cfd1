/* render-backend.c: the one scene walker every backend shares. */
#include "config.h"

#include <math.h>

#include "render-backend.h"

static const char *const kind_names[RENDER_NODE_N_KINDS] = {
  "rectangles", "lines", "paths", "circles", "arrows", "text",
  "groups", "groups", "clips", "clips",
};

static inline gboolean
finite4 (float a, float b, float c, float d)
{
  /* The sum is finite only if every term is (and no overflow to inf). */
  return isfinite (a) && isfinite (b) && isfinite (c) && isfinite (d);
}

static gboolean
node_finite (const RenderNode *n)
{
  switch (n->kind)
    {
    case RENDER_NODE_RECT:
      return finite4 (n->u.rect.x, n->u.rect.y, n->u.rect.w, n->u.rect.h) && isfinite (n->u.rect.radius);
    case RENDER_NODE_LINE:
      return finite4 (n->u.line.x1, n->u.line.y1, n->u.line.x2, n->u.line.y2);
    case RENDER_NODE_CIRCLE:
      return finite4 (n->u.circle.cx, n->u.circle.cy, n->u.circle.r, 0);
    case RENDER_NODE_ARROW:
      return finite4 (n->u.arrow.x1, n->u.arrow.y1, n->u.arrow.x2, n->u.arrow.y2) &&
             finite4 (n->u.arrow.cx1, n->u.arrow.cy1, n->u.arrow.cx2, n->u.arrow.cy2) &&
             isfinite (n->u.arrow.head_size);
    case RENDER_NODE_TEXT:
      return finite4 (n->u.text.x, n->u.text.y, 0, 0);
    case RENDER_NODE_PATH:
      for (guint i = 0; i < n->u.path.n_points * 2; i++)
        if (!isfinite (n->u.path.points[i]))
          return FALSE;
      return TRUE;
    case RENDER_NODE_CLIP_BEGIN:
      return finite4 (n->u.clip.x, n->u.clip.y, n->u.clip.w, n->u.clip.h);
    default:
      return TRUE;
    }
}

static void
warn (RenderWarningFunc warning, gpointer data, const char *msg)
{
  if (warning)
    warning (msg, data);
}

void
render_backend_walk (const RenderScene *scene, const RenderBackend *b, gpointer self,
                     RenderWarningFunc warning, gpointer warning_data)
{
  g_return_if_fail (scene != NULL && b != NULL);
  /* Open groups and clips, innermost last. The scene's nesting is not
   * bounded, so this grows as needed (no recursion anywhere). */
  GPtrArray *open = g_ptr_array_new ();
  guint n_bad = 0, n_unbalanced = 0;
  guint32 missing = 0; /* kinds reported as unsupported, a bit each */
  if (b->begin)
    b->begin (self, scene);
  for (const RenderNode *n = render_scene_get_first (scene); n; n = n->next)
    {
      guint kind = n->kind;
      if (kind <= RENDER_NODE_TEXT)
        {
          void (*fn) (gpointer, const RenderNode *, const RenderStyle *) = NULL;
          switch (kind)
            {
            case RENDER_NODE_RECT: fn = b->rect; break;
            case RENDER_NODE_LINE: fn = b->line; break;
            case RENDER_NODE_CIRCLE: fn = b->circle; break;
            case RENDER_NODE_PATH: fn = b->path; break;
            case RENDER_NODE_TEXT: fn = b->text; break;
            default: break;
            }
          if ((kind == RENDER_NODE_ARROW ? b->arrow == NULL : fn == NULL))
            {
              if (!(missing & (1u << kind)))
                {
                  char msg[80];
                  g_snprintf (msg, sizeof msg, "this backend cannot draw %s; they were skipped",
                              kind_names[kind]);
                  warn (warning, warning_data, msg);
                  missing |= 1u << kind;
                }
              continue;
            }
          if (!node_finite (n))
            {
              n_bad++;
              continue;
            }
          const RenderStyle *st = render_scene_get_style (scene, n->style);
          if (kind == RENDER_NODE_ARROW)
            {
              RenderArrowGeometry g;
              render_arrow_geometry (n, &g);
              b->arrow (self, n, st, &g);
            }
          else
            fn (self, n, st);
          continue;
        }
      switch (kind)
        {
        case RENDER_NODE_GROUP_BEGIN:
          g_ptr_array_add (open, (gpointer) n);
          if (b->group_begin)
            b->group_begin (self, n);
          break;
        case RENDER_NODE_CLIP_BEGIN:
          if (!node_finite (n))
            {
              /* an unusable clip clips everything away */
              n_bad++;
            }
          g_ptr_array_add (open, (gpointer) n);
          if (b->clip_begin)
            b->clip_begin (self, n);
          break;
        case RENDER_NODE_GROUP_END:
        case RENDER_NODE_CLIP_END:
          {
            const RenderNode *top = open->len ? g_ptr_array_index (open, open->len - 1) : NULL;
            guint want = kind == RENDER_NODE_GROUP_END ? RENDER_NODE_GROUP_BEGIN : RENDER_NODE_CLIP_BEGIN;
            if (top == NULL || top->kind != want)
              {
                n_unbalanced++;
                break;
              }
            g_ptr_array_set_size (open, open->len - 1);
            if (kind == RENDER_NODE_GROUP_END ? b->group_end != NULL : b->clip_end != NULL)
              {
                if (kind == RENDER_NODE_GROUP_END)
                  b->group_end (self, top);
                else
                  b->clip_end (self);
              }
          }
          break;
        default:
          break;
        }
    }
  if (n_unbalanced)
    warn (warning, warning_data, "unbalanced group or clip ends were skipped");
  if (open->len)
    warn (warning, warning_data, "unclosed groups were closed at the end of the picture");
  while (open->len)
    {
      const RenderNode *top = g_ptr_array_index (open, open->len - 1);
      g_ptr_array_set_size (open, open->len - 1);
      if (top->kind == RENDER_NODE_GROUP_BEGIN && b->group_end)
        b->group_end (self, top);
      else if (top->kind == RENDER_NODE_CLIP_BEGIN && b->clip_end)
        b->clip_end (self);
    }
  if (n_bad)
    {
      char msg[96];
      g_snprintf (msg, sizeof msg, "%u shapes with non-finite coordinates were skipped", n_bad);
      warn (warning, warning_data, msg);
    }
  if (b->end)
    b->end (self, scene);
  g_ptr_array_unref (open);
}
