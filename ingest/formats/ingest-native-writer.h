/* ingest-native-writer.h: the store's events written back as native NDJSON
 * (data/formats/native-ndjson.md), for `convert`, `--record` and /events.
 */
#pragma once

#include <gio/gio.h>
#include "ingest-store.h"

G_BEGIN_DECLS

/* Writes every event of store with seq >= from as native NDJSON (version
 * header first when from == 0) to out. Returns FALSE on I/O error. Used by
 * `convert` and by `--record`. */
gboolean ingest_native_write (IngestStore *store, IngestSeq from, GOutputStream *out,
                              GError **error);
/* How far a write got: the lines of every event before next (and the
 * header and declarations before them) are out whole, in bytes bytes;
 * anything written after them is a partial batch. */
typedef struct {
  IngestSeq next;
  guint64 bytes;
} IngestNativeProgress;

/* ingest_native_write, telling how far it got (also on failure), so a
 * caller can cut a failed write back to whole lines and resume at next.
 * progress may be NULL. */
gboolean ingest_native_write_from (IngestStore *store, IngestSeq from, GOutputStream *out,
                                   IngestNativeProgress *progress, GError **error);
/* Same, one event into a GString (appends a line with '\n'). */
void ingest_native_format_event (IngestStore *store, IngestSeq seq, GString *out);

G_END_DECLS
