/* cli-size.h: byte sizes and ages on the command line (`--retain 7d`,
 * `--retain-size 50GiB`), parsed strictly: a typo is a usage error, never
 * a silently different retention. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Bytes: a non-negative integer with an optional unit: B, KiB, MiB, GiB,
 * TiB (powers of 1024), kB, MB, GB, TB (powers of 1000); "512MiB",
 * "50GiB", "1 GB", "4096". Fractions are accepted with a unit ("1.5GiB").
 * Returns FALSE with a G_OPTION_ERROR_BAD_VALUE error on malformed input or
 * overflow. */
gboolean cli_size_parse (const char *s, guint64 *bytes_out, GError **error);

/* An age: a positive number with a unit: s, m (minutes), h, d (days),
 * w (weeks); "7d", "12h", "90m", "1.5d". Result in nanoseconds. Returns
 * FALSE with a G_OPTION_ERROR_BAD_VALUE error on malformed input, a
 * missing unit (is "7" seconds or days?) or overflow. */
gboolean cli_age_parse (const char *s, gint64 *ns_out, GError **error);

G_END_DECLS
