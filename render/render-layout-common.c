/* render-layout-common.c: shared layout plumbing. */
#include "config.h"

#include <string.h>

#include "render-layout-private.h"
#include "render-names.h"

void
render_layout_context_init (RenderLayoutContext *ctx, const RenderLayoutOptions *options,
                            double default_width, double default_height)
{
  memset (ctx, 0, sizeof *ctx);
  if (options)
    ctx->o = *options;
  /* 0 stays 0 where the layout sizes itself (default 0). */
  if (!(ctx->o.width > 0) || ctx->o.width > 1e6)
    ctx->o.width = default_width;
  if (!(ctx->o.height > 0) || ctx->o.height > 1e7)
    ctx->o.height = default_height;
  if (!(ctx->o.font_size >= 4) || ctx->o.font_size > 72)
    ctx->o.font_size = 11;
  if (ctx->o.max_elements == 0)
    ctx->o.max_elements = RENDER_LAYOUT_DEFAULT_MAX_ELEMENTS;
  if (ctx->o.header_every == 0)
    ctx->o.header_every = 50;
  ctx->family = ctx->o.font_family ? ctx->o.font_family : RENDER_FONT_FAMILY;
  ctx->fs = ctx->o.font_size;
  ctx->tc = render_theme_colors (ctx->o.theme);
  ctx->font = render_font_new (ctx->family, ctx->fs, 400);
  ctx->bold = render_font_new (ctx->family, ctx->fs, 700);
  ctx->small = render_font_new (ctx->family, ctx->fs * 0.85, 400);
}

void
render_layout_context_clear (RenderLayoutContext *ctx)
{
  g_clear_pointer (&ctx->font, render_font_free);
  g_clear_pointer (&ctx->bold, render_font_free);
  g_clear_pointer (&ctx->small, render_font_free);
}

void
render_layout_use_font (RenderLayoutContext *ctx, RenderScene *scene, RenderFont *font)
{
  guint weight = font == ctx->bold ? 700 : 400;
  render_scene_set_font (scene, ctx->family, render_font_get_size (font), weight);
}

RenderScene *
render_layout_scene_new (RenderLayoutContext *ctx, const char *kind, double width, double height)
{
  RenderScene *scene = render_scene_new (width, height);
  render_scene_set_background (scene, ctx->tc->background);
  char *klass = g_strdup_printf ("actorscope %s theme-%s", kind,
                                 render_theme_to_string (ctx->o.theme));
  render_scene_set_root_class (scene, klass);
  g_free (klass);
  render_scene_set_title (scene, ctx->o.title ? ctx->o.title : "actorscope");
  return scene;
}

double
render_layout_draw_title (RenderLayoutContext *ctx, RenderScene *scene, double x, double y)
{
  if (ctx->o.title == NULL || *ctx->o.title == '\0')
    return 0;
  if (scene == NULL) /* just asking for the height */
    return ctx->fs * 1.8;
  double w;
  render_scene_set_fill (scene, ctx->tc->foreground);
  render_scene_set_stroke (scene, RENDER_COLOR_NONE);
  render_layout_use_font (ctx, scene, ctx->bold);
  char *t = render_font_ellipsize (ctx->bold, ctx->o.title, ctx->o.width - 2 * x, &w);
  render_scene_group_begin (scene, "title", NULL, NULL);
  render_scene_text (scene, x, y, t, RENDER_ANCHOR_START, RENDER_BASELINE_HANGING, w);
  render_scene_group_end (scene);
  g_free (t);
  return ctx->fs * 1.8;
}

RenderScene *
render_layout_empty (RenderLayoutContext *ctx, const char *kind)
{
  double w = ctx->o.width, h = MIN (ctx->o.height, 400);
  RenderScene *scene = render_layout_scene_new (ctx, kind, w, h);
  render_layout_draw_title (ctx, scene, 16, 12);
  render_scene_group_begin (scene, "empty", NULL, "No events in this window");
  render_scene_set_stroke (scene, ctx->tc->panel_border);
  render_scene_set_fill (scene, ctx->tc->panel);
  double dash[2] = { 6, 4 };
  render_scene_set_dash (scene, dash, 2);
  double bw = MIN (w - 40, 420), bh = 90;
  render_scene_rect (scene, (w - bw) / 2, (h - bh) / 2, bw, bh, 10);
  render_scene_set_dash (scene, NULL, 0);
  render_scene_set_stroke (scene, RENDER_COLOR_NONE);
  render_scene_set_fill (scene, ctx->tc->foreground);
  render_layout_use_font (ctx, scene, ctx->bold);
  const char *msg = "No events in this window";
  render_scene_text (scene, w / 2, h / 2 - 8, msg, RENDER_ANCHOR_MIDDLE,
                     RENDER_BASELINE_MIDDLE, render_font_measure (ctx->bold, msg, -1));
  render_scene_set_fill (scene, ctx->tc->muted);
  render_layout_use_font (ctx, scene, ctx->small);
  const char *hint = "Widen the time window or relax the filter.";
  render_scene_text (scene, w / 2, h / 2 + 14, hint, RENDER_ANCHOR_MIDDLE,
                     RENDER_BASELINE_MIDDLE, render_font_measure (ctx->small, hint, -1));
  render_scene_group_end (scene);
  return scene;
}

RenderScene *
render_layout_over_budget (const RenderLayoutOptions *options, const char *kind, gsize budget)
{
  RenderLayoutContext ctx;

  render_layout_context_init (&ctx, options, 1200, 400);
  double w = ctx.o.width, h = MIN (ctx.o.height, 400);
  RenderScene *scene = render_layout_scene_new (&ctx, kind, w, h);
  char *msg = g_strdup_printf ("Too much to draw in %" G_GSIZE_FORMAT " KB", budget / 1024);
  const char *hint = "Detail was reduced: narrow the window or filter the actors.";

  render_scene_group_begin (scene, "over-budget", NULL, msg);
  render_scene_set_stroke (scene, ctx.tc->panel_border);
  render_scene_set_fill (scene, ctx.tc->panel);
  double bw = MIN (w - 40, 460), bh = 90;
  render_scene_rect (scene, (w - bw) / 2, (h - bh) / 2, bw, bh, 10);
  render_scene_set_stroke (scene, RENDER_COLOR_NONE);
  render_scene_set_fill (scene, ctx.tc->foreground);
  render_layout_use_font (&ctx, scene, ctx.bold);
  render_scene_text (scene, w / 2, h / 2 - 8, msg, RENDER_ANCHOR_MIDDLE,
                     RENDER_BASELINE_MIDDLE, render_font_measure (ctx.bold, msg, -1));
  render_scene_set_fill (scene, ctx.tc->muted);
  render_layout_use_font (&ctx, scene, ctx.small);
  render_scene_text (scene, w / 2, h / 2 + 14, hint, RENDER_ANCHOR_MIDDLE,
                     RENDER_BASELINE_MIDDLE, render_font_measure (ctx.small, hint, -1));
  render_scene_group_end (scene);
  g_free (msg);
  render_layout_context_clear (&ctx);
  return scene;
}

char **
render_layout_short_names (const GArray *nodes)
{
  g_autofree const char **names = g_new0 (const char *, nodes->len + 1);

  for (guint i = 0; i < nodes->len; i++)
    names[i] = g_array_index (nodes, IngestViewNode, i).name;
  return render_names_shorten (names, nodes->len);
}

char *
render_layout_short_name (const char *name)
{
  if (name == NULL || *name == '\0')
    return g_strdup ("?");
  /* Only paths ("/user/a/b", "akka://sys/user/a") are shortened; other
   * names may contain slashes that mean nothing ("a</b>"). */
  if (name[0] != '/' && strstr (name, "://") == NULL)
    return g_strdup (name);
  gsize len = strlen (name);
  /* Ignore one trailing slash ("/user/a/"). */
  while (len > 1 && name[len - 1] == '/')
    len--;
  const char *end = name + len;
  const char *p = end;
  while (p > name && p[-1] != '/')
    p--;
  /* A group glob ending in "/" and a star: keep the parent too, so it reads. */
  if ((end - p == 1 && *p == '*') && p > name + 1)
    {
      const char *q = p - 1;
      while (q > name && q[-1] != '/')
        q--;
      p = q;
    }
  if (p == end)
    return g_strndup (name, len);
  return g_strndup (p, end - p);
}

const char *
render_layout_mark_begin (RenderScene *scene, const IngestTimeline *tl, guint k, GString *title)
{
  const IngestTimelineMark *mk = &g_array_index (tl->marks, IngestTimelineMark, k);
  const char *text = ingest_timeline_atom (tl, mk->text);
  gboolean crash = mk->kind == INGEST_EVENT_EXIT && mk->exit_status == INGEST_EXIT_CRASH;
  const char *what = crash ? "crash"
                     : mk->kind == INGEST_EVENT_EXIT  ? "exit"
                     : mk->kind == INGEST_EVENT_SPAWN ? "spawn"
                     : mk->kind == INGEST_EVENT_DROP  ? "drop"
                                                      : "mark";
  g_string_truncate (title, 0);
  g_string_append (title, what);
  if (*text)
    g_string_append_printf (title, ": %s", text);
  char id[24];
  g_snprintf (id, sizeof id, "mark%u", k);
  render_scene_group_begin (scene, "mark", id, title->str);
  render_scene_group_set_data (scene, "kind", what);
  return what;
}
