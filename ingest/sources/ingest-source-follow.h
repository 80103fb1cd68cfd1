/* ingest-source-follow.h: reading a growing file (`--follow FILE`, like
 * `tail -F`) or a stream such as stdin (`--stdin`).
 *
 * Follow polls the file (every poll_ms) rather than relying on inotify, so it
 * works on every filesystem: appended bytes are parsed as they come; when the
 * path is replaced (rotation: a different inode) the old file is read to its
 * end and the new one is read from its start; when the file shrinks
 * (truncation, `> file`) reading restarts at 0 with a fresh parser. A missing
 * file is waited for. Every switch is reported through the hooks.
 */
#pragma once

#include "ingest-source.h"
#include "ingest-parser.h"

G_BEGIN_DECLS

typedef struct _IngestFollowSource IngestFollowSource;

typedef struct {
  IngestFormat format;       /* AUTO to detect */
  gboolean strict;
  gsize max_line_bytes;      /* 0 = parser default */
  guint poll_ms;             /* 0 = default 100 */
  gboolean from_end;         /* start at the current end of an existing file */
} IngestFollowOptions;

/* Follows path (copied). Starts polling at once on the thread-default main
 * context. Owned by the caller. */
IngestFollowSource *ingest_follow_source_new (IngestStore *store, const char *path,
                                              const IngestFollowOptions *options,
                                              const IngestSourceHooks *hooks);
/* Reads stream (a new reference is taken) to its end, asynchronously, e.g.
 * g_unix_input_stream_new (0, FALSE) for stdin. name is used in diagnostics. */
IngestFollowSource *ingest_stream_source_new (IngestStore *store, GInputStream *stream,
                                              const char *name,
                                              const IngestFollowOptions *options,
                                              const IngestSourceHooks *hooks);
void ingest_follow_source_free (IngestFollowSource *source);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestFollowSource, ingest_follow_source_free)

/* Reads what is available now (follow mode; tests use it instead of waiting
 * for the timer). */
void ingest_follow_source_poll (IngestFollowSource *source);
/* TRUE once a stream source reached its end (never for follow). */
gboolean ingest_follow_source_is_done (IngestFollowSource *source);
/* Times the followed file was rotated / truncated. */
guint ingest_follow_source_n_rotations (IngestFollowSource *source);
guint ingest_follow_source_n_truncations (IngestFollowSource *source);

G_END_DECLS
