/* ingest-log-disk.h: the event log as segment files in a data directory
 * (data/formats/data-dir.md).
 *
 *   DIR/actorscope-log          marker: "actorscope-log VERSION"
 *   DIR/lock                    flock'd by the one writer, holds its PID
 *   DIR/seg-<first seq>.aslog   segments: a 16-byte header, then blocks
 *
 * Writer (read_only FALSE): takes the lock (a second writer gets an error
 * naming the holder's PID), cuts a torn tail (a partial or bad-CRC last
 * block of the last segment: what a kill -9 mid-write leaves) and starts a
 * new segment. Appends are encoded into memory; a flush writes them and
 * fdatasyncs, so what a kill -9 loses is what was appended since the last
 * flush. A write error (ENOSPC...) fails the flush and every later one: the
 * error says how many events are durable; the partial write is cut back.
 *
 * Reader (read_only TRUE): no lock and no repair, so it can read while a
 * service writes: it sees every complete block present at open.
 *
 * Retention (writer): after each flush whole oldest segments (never the one
 * being written) are deleted while the directory holds more than
 * retain_bytes, or while their newest event is older than retain_ns before
 * the log's newest event. The log's first seq, the name of the oldest
 * segment, is then the number of events ever dropped: the count survives
 * restarts without a counter that could go stale.
 */
#pragma once

#include "ingest-log.h"

G_BEGIN_DECLS

#define INGEST_LOG_DISK_MARKER "actorscope-log"
#define INGEST_LOG_DISK_DEFAULT_SEGMENT_BYTES (64u * 1024 * 1024)

typedef struct {
  gboolean read_only;
  guint64 segment_bytes;  /* roll after this many bytes; 0 = default 64 MiB */
  int level;              /* zstd level; 0 = 1 */
  guint64 retain_bytes;   /* 0 = no size limit */
  gint64 retain_ns;       /* 0 = no age limit */
} IngestLogDiskOptions;

/* Opens (a writer creates) the data directory dir. Returns an owned log or
 * NULL with error: not a data directory (reader), locked by another writer,
 * a segment of a newer format version (names file and offset), I/O. */
IngestLog *ingest_log_disk_open (const char *dir, const IngestLogDiskOptions *options,
                                 GError **error);

/* TRUE when path is a directory holding the marker file. */
gboolean ingest_log_disk_is_data_dir (const char *path);

/* What opening found and retention did. Borrowed/plain values. */
typedef struct {
  guint64 torn_bytes;        /* cut (writer) or ignored (reader) at the tail */
  char *torn_where;          /* owned by the log: "FILE: byte OFFSET: why", or NULL */
  guint64 dropped_events;    /* by retention, ever (== first seq) */
  guint64 dropped_now;       /* by retention in the last flush */
  guint n_dropped_segments;  /* deleted in the last flush */
  guint n_segments;
  guint64 bytes;             /* on disk, all segments */
  guint64 n_blocks;
  guint64 n_bad_blocks;      /* unreadable headers found by the open scan */
} IngestLogDiskInfo;

const IngestLogDiskInfo *ingest_log_disk_get_info (IngestLog *log);

/* Test hook: the next write(2) of the log fails with errno err (e.g.
 * ENOSPC), as a full disk would. 0 clears it. */
void ingest_log_disk_inject_write_error (IngestLog *log, int err);

G_END_DECLS
