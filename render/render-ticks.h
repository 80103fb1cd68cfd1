/* render-ticks.h: time axis ticks and time/duration formatting. Pure
 * functions shared by every front end (layouts, the GTK widget's ruler, the
 * browser's axis via the server).
 *
 * Times are nanoseconds. Times at or after 2000-01-01 are taken as wall
 * clock (Unix epoch, shown in UTC as "12:00:01.250"); smaller ones as time
 * since the trace's origin (shown as "+1.5 ms").
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* 2000-01-01T00:00:00Z in ns: the wall-clock threshold. */
#define RENDER_TICKS_WALL_CLOCK_NS G_GINT64_CONSTANT (946684800000000000)

typedef struct {
  gint64 step_ns;   /* spacing: 1, 2, 5 x 10^k ns, or 1/2/5/10/15/30 s/min, 1/2/3/6/12 h */
  gint64 first_ns;  /* first tick >= from_ns (a multiple of step_ns) */
  guint n;          /* number of ticks in [from_ns, to_ns] */
} RenderTicks;

/* Ticks for [from_ns, to_ns] with at most max_ticks ticks (>= 2): any two
 * gint64 times, up to the whole range. Returns FALSE (and n = 0) for an
 * empty or inverted range. first_ns + k * step_ns for k < n never
 * overflows. */
gboolean render_ticks_compute (gint64 from_ns, gint64 to_ns, guint max_ticks, RenderTicks *out);

/* to_ns - from_ns as a double, for any two gint64 times (their difference
 * need not fit a gint64). Front ends map times to pixels with it. */
double render_ticks_diff (gint64 from_ns, gint64 to_ns);

/* A duration, 2-3 significant digits and a unit: "850 ns", "1.5 µs",
 * "12.3 ms", "2 s", "1 min 30 s", "2 h 5 min". Writes into buf (>= 32 bytes
 * recommended, always NUL-terminated); returns buf. */
char *render_ticks_format_duration (gint64 ns, char *buf, gsize len);
/* A time label for a tick, with as many sub-second digits as step_ns needs:
 * wall clock "12:00:01.250" (UTC), otherwise relative to origin_ns
 * "+1.5 ms". Returns buf. */
char *render_ticks_format_time (gint64 t_ns, gint64 step_ns, gint64 origin_ns,
                                char *buf, gsize len);

G_END_DECLS
