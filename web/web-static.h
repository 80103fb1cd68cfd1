/* web-static.h: serving the page's files from one directory, and nothing
 * outside it.
 *
 * A request path is accepted only if every segment is made of
 * [A-Za-z0-9._-], no segment starts with '.', and the resolved real path is
 * inside the root (so neither "..", percent-encoded tricks nor symlinks can
 * escape). "/" maps to "/index.html".
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Returns the file to serve for uri_path (owned) and its MIME type
 * (static string; mime may be NULL), or NULL with a G_FILE_ERROR (NOENT
 * for a missing file, ACCES for a refused path, including a NULL
 * uri_path). root must be an absolute real path. */
char *web_static_resolve (const char *root, const char *uri_path, const char **mime,
                          GError **error);

/* MIME type by file name extension ("application/octet-stream" if unknown). */
const char *web_static_mime (const char *path);

G_END_DECLS
