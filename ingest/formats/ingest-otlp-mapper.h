/* ingest-otlp-mapper.h: OpenTelemetry spans (OTLP/JSON
 * ExportTraceServiceRequest) to actors and messages; mapping in
 * data/formats/otlp.md.
 *
 * A span alone is not a message: a PRODUCER span and the CONSUMER span that
 * links to it, or a CLIENT span and the SERVER span under it, together are.
 * They come in any order and often in different requests (each service
 * exports its own batches), so the mapper keeps unpaired spans (bounded:
 * INGEST_OTLP_MAX_PENDING spans, the oldest are given up first) until
 * their partner comes, and emits a span that never found one on its own
 * (ingest_otlp_mapper_flush, or when it has waited
 * INGEST_OTLP_PENDING_AGE_NS of trace time behind the newest span).
 *
 * Used by the OTLP file format (ingest-format-otlp.c) and by `serve`'s
 * POST /v1/traces (web/web-otlp.c), which therefore give the same picture.
 */
#pragma once

#include <jansson.h>
#include <gio/gio.h>
#include "ingest-store.h"

G_BEGIN_DECLS

typedef struct _IngestOtlpMapper IngestOtlpMapper;

#define INGEST_OTLP_MAX_PENDING 65536
#define INGEST_OTLP_PENDING_AGE_NS (G_GINT64_CONSTANT (60) * 1000000000)

/* store is borrowed and must outlive the mapper. Owned by the caller. */
IngestOtlpMapper *ingest_otlp_mapper_new (IngestStore *store);
void ingest_otlp_mapper_free (IngestOtlpMapper *mapper);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestOtlpMapper, ingest_otlp_mapper_free)

/* One ExportTraceServiceRequest (borrowed). Spans that are malformed (no
 * ids, bad times) are skipped and counted in *n_bad (may be NULL); a
 * request that is not an object with a "resourceSpans" array is an
 * INGEST_ERROR_SCHEMA error and nothing is appended. *n_spans gets the
 * spans taken (may be NULL). */
gboolean ingest_otlp_mapper_feed_request (IngestOtlpMapper *mapper, json_t *request,
                                          guint64 *n_spans, guint64 *n_bad, GError **error);

/* Emits every span still waiting for its partner, alone. */
void ingest_otlp_mapper_flush (IngestOtlpMapper *mapper);

/* Spans waiting for a partner. */
guint ingest_otlp_mapper_n_pending (IngestOtlpMapper *mapper);

G_END_DECLS
