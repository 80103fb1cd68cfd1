/* ingest-log-codec.h: one block of the event log, encoded and decoded
 * (data/formats/data-dir.md has the byte layout).
 *
 * A block is a 56-byte uncompressed header followed by zstd-compressed
 * bytes. A block is self-contained: it declares every actor, string and
 * message key its events name, so any block can be read alone (a corrupt
 * neighbour loses nothing else, and a later reader can fetch one seq or
 * time range without reading from the start).
 */
#pragma once

#include "ingest-log.h"

G_BEGIN_DECLS

#define INGEST_LOG_FORMAT_VERSION 1u
#define INGEST_LOG_BLOCK_HEADER_SIZE 56u
/* Bounds a block (and so the memory one decode needs). */
#define INGEST_LOG_MAX_BLOCK_EVENTS 65536u
/* The encoder closes a block once its raw bytes pass this... */
#define INGEST_LOG_BLOCK_RAW_TARGET (8u * 1024 * 1024)
/* ...and a reader refuses blocks claiming more than this. One event adds at
 * most a payload and a few strings (each bounded by the store). */
#define INGEST_LOG_MAX_BLOCK_RAW (64u * 1024 * 1024)

typedef struct {
  guint16 version;
  IngestSeq first_seq;  /* log seq of the block's first event */
  guint32 count;        /* events in the block, >= 1 */
  guint32 raw_len;      /* bytes after decompression */
  guint32 comp_len;     /* compressed bytes following the header */
  guint32 crc;          /* CRC-32 (zlib) of the compressed bytes */
  gint64 min_ns, max_ns;/* event time range of the block */
} IngestLogBlockHeader;

void ingest_log_block_header_write (const IngestLogBlockHeader *h,
                                    guint8 out[INGEST_LOG_BLOCK_HEADER_SIZE]);
/* Parses a header. FALSE when the magic or the header's own CRC is wrong
 * (*why gets a static reason). The version is not checked here. */
gboolean ingest_log_block_header_parse (const guint8 *in, IngestLogBlockHeader *h,
                                        const char **why);

typedef struct _IngestLogEncoder IngestLogEncoder;

/* level: zstd level (0 = default 1). Owned by the caller. */
IngestLogEncoder *ingest_log_encoder_new (int level);
void ingest_log_encoder_free (IngestLogEncoder *enc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestLogEncoder, ingest_log_encoder_free)

/* The next block starts a segment: it declares every actor of the store
 * (in id order), so a segment read alone rebuilds actor ids. */
void ingest_log_encoder_start_segment (IngestLogEncoder *enc);

/* Encodes store events from [from, to) as one block whose first event gets
 * log seq log_seq; appends header + compressed bytes to out. Encodes at
 * most INGEST_LOG_MAX_BLOCK_EVENTS and stops early past
 * INGEST_LOG_BLOCK_RAW_TARGET raw bytes. Returns how many events it took
 * (>= 1 when from < to). */
guint32 ingest_log_encoder_encode (IngestLogEncoder *enc, IngestStore *store, IngestSeq from,
                                   IngestSeq to, IngestSeq log_seq, GByteArray *out);

/* Decodes one block (h parsed, comp = h->comp_len bytes, CRC already
 * checked) and calls funcs for its actors, its events with log seq in
 * [from, to) and time in [min_ns, max_ns], and its counters. *stopped is
 * set when funcs->event returned FALSE. FALSE with error when the bytes
 * do not decode (the caller names file and offset). */
gboolean ingest_log_block_decode (const IngestLogBlockHeader *h, const guint8 *comp,
                                  IngestSeq from, IngestSeq to, gint64 min_ns, gint64 max_ns,
                                  const IngestLogReadFuncs *funcs, gpointer user_data,
                                  gboolean *stopped, GError **error);

G_END_DECLS
