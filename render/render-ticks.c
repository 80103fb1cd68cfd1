/* render-ticks.c: "nice" tick steps for time axes and compact time labels. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render-ticks.h"

#define US G_GINT64_CONSTANT (1000)
#define MS G_GINT64_CONSTANT (1000000)
#define SEC G_GINT64_CONSTANT (1000000000)
#define MIN_NS (60 * SEC)
#define HOUR (3600 * SEC)
#define DAY (24 * HOUR)

/* The largest step: a whole number of days that fits a gint64. */
#define MAX_STEP (G_MAXINT64 / DAY * DAY)

double
render_ticks_diff (gint64 from_ns, gint64 to_ns)
{
  if (to_ns >= from_ns)
    return (double) ((guint64) to_ns - (guint64) from_ns);
  return -(double) ((guint64) from_ns - (guint64) to_ns);
}

static gint64
nice_step (guint64 raw)
{
  /* Below a second: 1-2-5 decades. Above: clock-friendly steps. */
  static const gint64 clock_steps[] = {
    1 * SEC, 2 * SEC, 5 * SEC, 10 * SEC, 15 * SEC, 30 * SEC,
    1 * MIN_NS, 2 * MIN_NS, 5 * MIN_NS, 10 * MIN_NS, 15 * MIN_NS, 30 * MIN_NS,
    1 * HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 1 * DAY,
  };
  if (raw < (guint64) SEC)
    {
      gint64 decade = 1;
      while ((guint64) decade * 10 <= raw)
        decade *= 10;
      for (gint64 m = 1; m <= 10; m = m == 1 ? 2 : m == 2 ? 5 : 10)
        if ((guint64) (decade * m) >= raw)
          return decade * m;
      return decade * 10;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (clock_steps); i++)
    if ((guint64) clock_steps[i] >= raw)
      return clock_steps[i];
  if (raw >= (guint64) MAX_STEP)
    return MAX_STEP;
  return (gint64) (raw / DAY + (raw % DAY != 0)) * DAY;
}

/* The first multiple of step at or after t; FALSE when it would pass
 * G_MAXINT64. */
static gboolean
first_multiple (gint64 t, gint64 step, gint64 *out)
{
  gint64 q = t / step; /* toward zero: already >= t when t <= 0 */

  if (t > 0 && q * step < t)
    {
      if (q >= G_MAXINT64 / step)
        return FALSE;
      q++;
    }
  *out = q * step;
  return TRUE;
}

gboolean
render_ticks_compute (gint64 from_ns, gint64 to_ns, guint max_ticks, RenderTicks *out)
{
  g_return_val_if_fail (out != NULL, FALSE);
  memset (out, 0, sizeof *out);
  if (to_ns <= from_ns)
    return FALSE;
  max_ticks = MAX (max_ticks, 2);
  /* Any range of gint64 times: the span fits a guint64 (a gint64 only up
   * to half of it), and so does every offset from from_ns below. */
  guint64 span = (guint64) to_ns - (guint64) from_ns;
  guint64 raw = span / (max_ticks - 1) + (span % (max_ticks - 1) != 0);
  gint64 step = nice_step (MAX (raw, 1));
  /* Rounding up can still leave one too many: widen until it fits. */
  for (;;)
    {
      gint64 first = 0;
      guint64 n = 0;
      if (first_multiple (from_ns, step, &first) && first <= to_ns)
        n = ((guint64) to_ns - (guint64) first) / (guint64) step + 1;
      /* The widest step spans half the gint64 range: the first ticks fit. */
      if (n > max_ticks && step == MAX_STEP)
        n = max_ticks;
      if (n <= max_ticks)
        {
          out->step_ns = step;
          out->first_ns = first;
          out->n = (guint) n;
          return TRUE;
        }
      step = nice_step ((guint64) step + 1);
    }
}

static void
fmt_value (char *buf, gsize len, double v, const char *unit)
{
  if (v >= 100 || v == (gint64) v)
    g_snprintf (buf, len, "%.0f %s", v, unit);
  else if (v >= 10)
    g_snprintf (buf, len, "%.1f %s", v, unit);
  else
    g_snprintf (buf, len, "%.3g %s", v, unit);
  /* "1.50" never happens with %g, but "2.0" might with %.1f: trim. */
  char *dot = strchr (buf, '.');
  if (dot)
    {
      char *sp = strchr (dot, ' ');
      char *q = sp - 1;
      while (q > dot && *q == '0')
        q--;
      if (q == dot)
        q--;
      memmove (q + 1, sp, strlen (sp) + 1);
    }
}

char *
render_ticks_format_duration (gint64 ns, char *buf, gsize len)
{
  g_return_val_if_fail (buf != NULL || len == 0, buf);
  if (len == 0)
    return buf;
  const char *sign = "";
  guint64 a;
  if (ns < 0)
    {
      sign = "-";
      a = (guint64) (-(ns + 1)) + 1;
    }
  else
    a = (guint64) ns;
  char tmp[48];
  if (a < 1000)
    g_snprintf (tmp, sizeof tmp, "%" G_GUINT64_FORMAT " ns", a);
  else if (a < 1000 * 1000)
    fmt_value (tmp, sizeof tmp, a / 1e3, "\xc2\xb5s");
  else if (a < (guint64) SEC)
    fmt_value (tmp, sizeof tmp, a / 1e6, "ms");
  else if (a < (guint64) MIN_NS)
    fmt_value (tmp, sizeof tmp, a / 1e9, "s");
  else if (a < (guint64) HOUR)
    {
      guint64 s = a / SEC;
      if (s % 60)
        g_snprintf (tmp, sizeof tmp, "%" G_GUINT64_FORMAT " min %" G_GUINT64_FORMAT " s",
                    s / 60, s % 60);
      else
        g_snprintf (tmp, sizeof tmp, "%" G_GUINT64_FORMAT " min", s / 60);
    }
  else
    {
      guint64 m = a / MIN_NS;
      if (m % 60)
        g_snprintf (tmp, sizeof tmp, "%" G_GUINT64_FORMAT " h %" G_GUINT64_FORMAT " min",
                    m / 60, m % 60);
      else
        g_snprintf (tmp, sizeof tmp, "%" G_GUINT64_FORMAT " h", m / 60);
    }
  g_snprintf (buf, len, "%s%s", sign, tmp);
  return buf;
}

char *
render_ticks_format_time (gint64 t_ns, gint64 step_ns, gint64 origin_ns, char *buf, gsize len)
{
  g_return_val_if_fail (buf != NULL || len == 0, buf);
  if (len == 0)
    return buf;
  if (t_ns >= RENDER_TICKS_WALL_CLOCK_NS)
    {
      gint64 secs = t_ns / SEC, frac = t_ns % SEC;
      int h = (int) ((secs / 3600) % 24), m = (int) ((secs / 60) % 60), s = (int) (secs % 60);
      /* Digits the step needs: a 250 ms step shows milliseconds. */
      int digits = 0;
      for (gint64 unit = SEC; digits < 9 && step_ns % unit != 0; unit /= 10)
        digits++;
      if (step_ns <= 0)
        digits = 3;
      if (digits == 0)
        g_snprintf (buf, len, "%02d:%02d:%02d", h, m, s);
      else
        {
          char f[16];
          g_snprintf (f, sizeof f, "%09" G_GINT64_FORMAT, frac);
          f[digits] = '\0';
          g_snprintf (buf, len, "%02d:%02d:%02d.%s", h, m, s, f);
        }
      return buf;
    }
  char d[40];
  gint64 rel;
  /* Times from either end of the range: saturate the label, don't wrap. */
  if (__builtin_sub_overflow (t_ns, origin_ns, &rel))
    rel = t_ns > origin_ns ? G_MAXINT64 : G_MININT64;
  if (rel == 0)
    {
      g_snprintf (buf, len, "0");
      return buf;
    }
  render_ticks_format_duration (rel < 0 ? rel : rel, d, sizeof d);
  g_snprintf (buf, len, "%s%s", rel > 0 ? "+" : "", d);
  return buf;
}
