/* render-scene.h: a backend-independent picture (after Vg).
 *
 * A RenderScene is a display list: a flat sequence of nodes (shapes, text,
 * group begin/end, clip begin/end) kept in an arena the scene owns, so one
 * render_scene_free() releases everything. Layouts (render-layout.h) build
 * scenes; backends (render-svg.h, render-cairo.h, the GTK widget) walk the
 * nodes with plain iteration, never recursion, so deep nesting cannot blow
 * the stack.
 *
 * Coordinates are user units (1 unit = 1 CSS px = 1 pt at 72 dpi), origin
 * top-left, y down. Drawing attributes (fill, stroke, width, dash, font) are
 * builder state, like cairo's: the set_* calls change the current style and
 * every shape added afterwards takes it. Styles are interned, so a scene with
 * 100,000 shapes holds only a handful of distinct styles (the SVG writer turns
 * them into CSS classes).
 *
 * Groups carry semantics: a group with a class ("actor", "message", "edge",
 * "span", "mark", ...) and an id is what a user points at. Backends that can
 * show it (SVG) emit <g class data-id data-*> with a <title> tooltip; hit
 * testing (render_scene_hit_test) answers "which group is under the pointer"
 * for every front end the same way.
 *
 * Strings given to the scene are copied into its arena; they may be any bytes
 * (trace data is untrusted): backends escape/sanitise them on output.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A colour, 8 bits per channel, straight (not premultiplied) alpha. */
typedef struct {
  guint8 r, g, b, a;
} RenderColor;

/* 0xRRGGBB, opaque. */
RenderColor render_color_rgb (guint32 rgb);
/* 0xRRGGBBAA. */
RenderColor render_color_rgba (guint32 rgba);
/* The same colour with alpha a in [0, 1]. */
RenderColor render_color_with_alpha (RenderColor c, double a);
/* Linear mix: t = 0 gives a, t = 1 gives b. */
RenderColor render_color_mix (RenderColor a, RenderColor b, double t);
#define RENDER_COLOR_NONE ((RenderColor){ 0, 0, 0, 0 })

typedef enum {
  RENDER_ANCHOR_START = 0,
  RENDER_ANCHOR_MIDDLE,
  RENDER_ANCHOR_END,
} RenderAnchor;

/* Vertical placement of text relative to its y. */
typedef enum {
  RENDER_BASELINE_ALPHABETIC = 0, /* y is the baseline */
  RENDER_BASELINE_MIDDLE,         /* y is the middle of the ink of "x" height */
  RENDER_BASELINE_HANGING,        /* y is the top of the text */
} RenderBaseline;

#define RENDER_MAX_DASHES 4

/* One interned drawing style. A colour with a == 0 means "none". */
typedef struct {
  RenderColor fill;
  RenderColor stroke;
  double stroke_width;            /* user units */
  double dashes[RENDER_MAX_DASHES];
  guint n_dashes;                 /* 0 = solid */
  const char *font_family;        /* borrowed from the scene; never NULL */
  double font_size;               /* user units */
  guint16 font_weight;            /* CSS weight: 400 normal, 700 bold */
} RenderStyle;

typedef enum {
  RENDER_NODE_RECT = 0,
  RENDER_NODE_LINE,
  RENDER_NODE_PATH,
  RENDER_NODE_CIRCLE,
  RENDER_NODE_ARROW,
  RENDER_NODE_TEXT,
  RENDER_NODE_GROUP_BEGIN,
  RENDER_NODE_GROUP_END,
  RENDER_NODE_CLIP_BEGIN,
  RENDER_NODE_CLIP_END,
  RENDER_NODE_N_KINDS
} RenderNodeKind;

typedef enum {
  RENDER_PATH_MOVE = 0, /* 1 point */
  RENDER_PATH_LINE,     /* 1 point */
  RENDER_PATH_CUBIC,    /* 3 points: control 1, control 2, end */
  RENDER_PATH_CLOSE,    /* 0 points */
} RenderPathOp;

/* Arrow heads. */
typedef enum {
  RENDER_HEAD_NONE = 0,
  RENDER_HEAD_FILLED,   /* filled triangle in the stroke colour */
  RENDER_HEAD_OPEN,     /* two strokes, a "V" */
  RENDER_HEAD_CROSS,    /* an "x" at the end: dropped / lost */
} RenderHead;

typedef struct _RenderData RenderData;
struct _RenderData {
  const char *key;       /* without the "data-" prefix */
  const char *value;
  const RenderData *next;
};

typedef struct _RenderNode RenderNode;

/* A node of the display list. Read-only for backends; all pointers are
 * borrowed from the scene's arena.
 *
 * Nodes are sized by kind: the arena holds only the header and the union
 * member the kind uses (a GROUP_END is 16 bytes, an arrow 64), and
 * coordinates are floats (24-bit mantissa: exact to 1/16 unit below
 * 131,072 units, 1/8 below 1 M, ample for pictures written at 0.1 unit).
 * So a 50,000-message chart stays small and cache-friendly. Read only the
 * member that matches kind. */
struct _RenderNode {
  const RenderNode *next;  /* the next node in paint order, NULL at the end */
  guint8 kind;             /* RenderNodeKind */
  guint32 style;           /* index for render_scene_get_style() (shapes, text) */
  union {
    struct { float x, y, w, h, radius; } rect;
    struct { float x1, y1, x2, y2; } line;
    /* n_ops ops; points holds 2 doubles per point, as the ops consume them. */
    struct { const guint8 *ops; guint n_ops; const double *points; guint n_points; } path;
    struct { float cx, cy, r; } circle;
    /* A straight (curved == FALSE) or cubic arrow from (x1,y1) to (x2,y2);
     * the line stops where the head begins. */
    struct { float x1, y1, cx1, cy1, cx2, cy2, x2, y2; float head_size;
             guint8 head; guint8 curved; } arrow;
    /* width: the advance width if the layout measured it, else < 0. */
    struct { float x, y, width; guint8 anchor, baseline; const char *text; } text;
    /* depth: nesting depth of this group, from 0. data: NULL-terminated list. */
    struct { const char *klass, *id, *title; const RenderData *data; guint depth; } group;
    struct { float x, y, w, h; } clip;
  } u;
};

typedef struct _RenderScene RenderScene;

/* A new empty scene of the given size in user units (owned by the caller). */
RenderScene *render_scene_new (double width, double height);
void render_scene_free (RenderScene *scene);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RenderScene, render_scene_free)

void render_scene_get_size (const RenderScene *scene, double *width, double *height);
/* Layouts that grow (sequence charts) fix the size when done. */
void render_scene_set_size (RenderScene *scene, double width, double height);
/* Background painted under everything (default none = transparent). */
void render_scene_set_background (RenderScene *scene, RenderColor color);
RenderColor render_scene_get_background (const RenderScene *scene);
/* An accessible title/description for the whole picture (copied). */
void render_scene_set_title (RenderScene *scene, const char *title);
const char *render_scene_get_title (const RenderScene *scene); /* borrowed, NULL if unset */
/* A class put on the root element by backends that have one (SVG): the
 * layout name and theme, e.g. "actorscope graph theme-light" (copied). */
void render_scene_set_root_class (RenderScene *scene, const char *klass);
const char *render_scene_get_root_class (const RenderScene *scene);

/* Builder style state. Defaults: fill none, stroke none, width 1, solid,
 * font "DejaVu Sans" 11 normal. */
void render_scene_set_fill (RenderScene *scene, RenderColor color);
void render_scene_set_stroke (RenderScene *scene, RenderColor color);
void render_scene_set_stroke_width (RenderScene *scene, double width);
/* n <= RENDER_MAX_DASHES (more are dropped); n == 0 = solid. */
void render_scene_set_dash (RenderScene *scene, const double *dashes, guint n);
void render_scene_set_font (RenderScene *scene, const char *family, double size, guint weight);

/* Shapes (painted with the current style: fill first, then stroke). */
void render_scene_rect (RenderScene *scene, double x, double y, double w, double h, double radius);
void render_scene_line (RenderScene *scene, double x1, double y1, double x2, double y2);
void render_scene_circle (RenderScene *scene, double cx, double cy, double r);
/* Paths: begin, add ops, end. Nothing is added for an empty path. */
void render_scene_path_begin (RenderScene *scene);
void render_scene_path_move_to (RenderScene *scene, double x, double y);
void render_scene_path_line_to (RenderScene *scene, double x, double y);
void render_scene_path_curve_to (RenderScene *scene, double x1, double y1,
                                 double x2, double y2, double x3, double y3);
void render_scene_path_close (RenderScene *scene);
void render_scene_path_end (RenderScene *scene);
/* n points (x, y pairs in xy[2n]) joined by straight lines. */
void render_scene_polyline (RenderScene *scene, const double *xy, guint n, gboolean closed);
/* Arrows use the stroke colour for the line and the head. */
void render_scene_arrow (RenderScene *scene, double x1, double y1, double x2, double y2,
                         RenderHead head, double head_size);
void render_scene_arrow_curve (RenderScene *scene, double x1, double y1,
                               double cx1, double cy1, double cx2, double cy2,
                               double x2, double y2, RenderHead head, double head_size);
/* Text in the current font, filled with the current fill colour. width is
 * the advance width the layout measured (render-text.h), or < 0 if unknown;
 * hit testing uses it. */
void render_scene_text (RenderScene *scene, double x, double y, const char *text,
                        RenderAnchor anchor, RenderBaseline baseline, double width);

/* A copy of text in the scene's arena, valid until the scene is freed.
 * Layouts that draw the same label many times intern it once and add it
 * with render_scene_text_interned, which stores the pointer instead of a
 * new copy per node. */
const char *render_scene_intern (RenderScene *scene, const char *text);
/* As render_scene_text, but text must come from render_scene_intern() on
 * this same scene (not copied). */
void render_scene_text_interned (RenderScene *scene, double x, double y, const char *text,
                                 RenderAnchor anchor, RenderBaseline baseline, double width);

/* Semantic groups. klass NULL = a plain structural group. id and title may be
 * NULL. All strings are copied. Groups nest; every begin needs an end. */
void render_scene_group_begin (RenderScene *scene, const char *klass, const char *id,
                               const char *title);
/* Adds data-<key>=value to the innermost open group. key should be
 * [a-z0-9-]+ (backends drop other characters). */
void render_scene_group_set_data (RenderScene *scene, const char *key, const char *value);
void render_scene_group_end (RenderScene *scene);
/* Clip everything until clip_end to a rectangle. Clips nest (intersect). */
void render_scene_clip_begin (RenderScene *scene, double x, double y, double w, double h);
void render_scene_clip_end (RenderScene *scene);

/* Iteration: the first node in paint order (borrowed), then node->next. */
const RenderNode *render_scene_get_first (const RenderScene *scene);
guint render_scene_n_nodes (const RenderScene *scene);
/* Counts groups whose class is klass (for tests and LOD accounting). */
guint render_scene_count_groups (const RenderScene *scene, const char *klass);
const RenderStyle *render_scene_get_style (const RenderScene *scene, guint32 index);
guint render_scene_n_styles (const RenderScene *scene);
/* Bytes the arena holds (for benchmarks). */
gsize render_scene_memory_bytes (const RenderScene *scene);

/* Hit testing: the innermost semantic group (class != NULL) of the topmost
 * shape (last in paint order) containing (x, y), in scene units. Lines,
 * arrows and unfilled shapes count within max(stroke/2, 3) units of their
 * stroke; text within its measured box. Clips are honoured. Returns a
 * borrowed GROUP_BEGIN node (its u.group has klass, id, title, data), or NULL.
 * A pure function of the scene: the GTK widget and the browser both use it. */
const RenderNode *render_scene_hit_test (const RenderScene *scene, double x, double y);

/* The first group in paint order whose class is klass and id is id, as
 * its borrowed GROUP_BEGIN node. NULL when there is none, and when scene,
 * klass or id is NULL (front ends pass their selection as is, and "nothing
 * selected" finds nothing). */
const RenderNode *render_scene_find_group (const RenderScene *scene, const char *klass,
                                           const char *id);
/* The box around everything drawn inside group (a GROUP_BEGIN node of
 * scene), nested groups included, in scene units: bounds receives x0, y0,
 * x1, y1. Strokes are not widened; text covers its measured width and from
 * one font size above its y to 0.3 below (whatever its anchor line), which
 * is enough to outline a selection. FALSE when the group draws nothing
 * (bounds are then meaningless). */
gboolean render_scene_group_bounds (const RenderScene *scene, const RenderNode *group,
                                    double bounds[4]);

/* Where backends draw an arrow: the shaft runs from the start to
 * (shaft_x, shaft_y) (its end pulled back under the head) and the head is
 * the triangle/V/cross through head[0..2] (x, y pairs; head[1] is the tip).
 * Shared so every backend draws the same arrow. */
typedef struct {
  double shaft_x, shaft_y;
  double cx2, cy2;          /* second control point, adjusted for the shaft end */
  double head[6];
} RenderArrowGeometry;
void render_arrow_geometry (const RenderNode *arrow, RenderArrowGeometry *out);

/* Offset from a text node's y to its alphabetic baseline for the font size,
 * per RenderBaseline: every backend places text the same way. */
double render_text_baseline_offset (RenderBaseline baseline, double font_size);

/* Backends report what they can't do through this instead of failing:
 * message is a short English sentence, valid during the call. */
typedef void (*RenderWarningFunc) (const char *message, gpointer user_data);

G_END_DECLS
