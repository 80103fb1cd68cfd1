/* ingest-source-replay.h: `--replay FILE [--speed X] [--loop]`: a recorded
 * trace played into a live store with its original timing scaled by speed,
 * as if it were happening now.
 *
 * The file is loaded into a private store first (any format the parsers
 * know), then its events are re-appended to the live store in time order:
 * an event at offset t from the trace start is appended at wall-clock offset
 * t / speed from the replay start (speed 0: as fast as the main loop allows,
 * in batches). Timestamps keep their original values, so replaying an
 * incident shows its real times. With loop, each pass after the first is
 * shifted past the previous one in time, and its message keys get a "#pass"
 * suffix so messages of different passes never pair up.
 */
#pragma once

#include "ingest-source.h"
#include "ingest-parser.h"

G_BEGIN_DECLS

typedef struct _IngestReplaySource IngestReplaySource;

typedef struct {
  double speed;              /* >= 0; 0 = as fast as possible; default (unset) is 0 */
  gboolean loop;
  IngestFormat format;
  gboolean strict;
  guint batch;               /* events per main-loop turn at speed 0; 0 = 5000 */
} IngestReplayOptions;

/* Loads path into a private store; on failure returns NULL with error.
 * Playing starts at once on the thread-default main context. */
IngestReplaySource *ingest_replay_source_new (IngestStore *store, const char *path,
                                              const IngestReplayOptions *options,
                                              const IngestSourceHooks *hooks,
                                              GError **error);
void ingest_replay_source_free (IngestReplaySource *source);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestReplaySource, ingest_replay_source_free)

/* Events of one pass, events appended so far (all passes), passes finished. */
guint64 ingest_replay_source_n_events (IngestReplaySource *source);
guint64 ingest_replay_source_n_played (IngestReplaySource *source);
guint ingest_replay_source_n_passes (IngestReplaySource *source);
/* TRUE when a non-looping replay has appended everything. */
gboolean ingest_replay_source_is_done (IngestReplaySource *source);

/* Copies event seq of src into dst as it was (names, message fields,
 * payload), with time shifted by shift_ns and, if key_suffix is not NULL,
 * message keys suffixed. Returns dst's new seq. Pure store-to-store copy,
 * also used by tests to compare models. */
IngestSeq ingest_replay_copy_event (IngestStore *src, IngestSeq seq, IngestStore *dst,
                                    gint64 shift_ns, const char *key_suffix);

G_END_DECLS
