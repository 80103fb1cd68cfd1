/* ingest-strings.h: string arena with interning, for the store.
 *
 * An IngestStrings keeps NUL-terminated, valid UTF-8 strings in fixed-size
 * chunks that never move. An atom is the string's byte offset in the arena
 * (chunk index * chunk size + offset), so resolving one is two loads and the
 * store needs no per-string pointer table. Atom 0 is the empty string ("no
 * string").
 *
 * Input bytes are repaired on the way in: invalid UTF-8 and NUL bytes become
 * U+FFFD, and strings longer than the arena's max_len are cut on a character
 * boundary and end with "…" (the result, without its NUL, is at most max_len
 * bytes).
 *
 * Two ways in: ingest_strings_intern() returns the same atom for equal text;
 * ingest_strings_add() stores a fresh copy without interning (for text that
 * is looked up elsewhere, like message keys, or never compared, like
 * payloads), which saves the hash-table slot.
 *
 * Not thread-safe. Internal to ingest/.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _IngestStrings IngestStrings;

/* Atom of the text "(overflow)", returned once the arena's 2 GiB offset space
 * is used up (atoms stay below 2^31, see ingest-message-keys.h). */
#define INGEST_STRINGS_OVERFLOW_ATOM 1u

/* max_len: longest stored string in bytes (>= 16, <= 1 MiB). Owned by the
 * caller, free with ingest_strings_free(). */
IngestStrings *ingest_strings_new (gsize max_len);
void ingest_strings_free (IngestStrings *strings);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (IngestStrings, ingest_strings_free)

/* Repairs and caps (ptr, len) (len < 0: NUL-terminated). Returns a pointer to
 * the repaired bytes (either ptr itself when nothing needed fixing, or a
 * scratch buffer inside strings, valid until the next call) and their length
 * in *out_len. ptr must not be NULL. */
const char *ingest_strings_normalize (IngestStrings *strings, const char *ptr,
                                      gssize len, gsize *out_len);

/* 32-bit keyed hash of normalized bytes (the one the intern table uses;
 * per process, see ingest-hash.h). */
guint32 ingest_strings_hash (const char *s, gsize len);

/* Interns (ptr, len) after repair. NULL or empty -> 0. */
guint32 ingest_strings_intern (IngestStrings *strings, const char *ptr, gssize len);
/* Same, for bytes already normalized (from ingest_strings_normalize()). */
guint32 ingest_strings_intern_normalized (IngestStrings *strings, const char *s,
                                          gsize len, guint32 hash);
/* Looks up already-interned text without adding it; 0 when absent. */
guint32 ingest_strings_lookup (const IngestStrings *strings, const char *s, gsize len);

/* Stores a copy of normalized bytes without interning. Empty -> 0. */
guint32 ingest_strings_add_normalized (IngestStrings *strings, const char *s, gsize len);
/* Repairs then stores a copy without interning. NULL or empty -> 0. */
guint32 ingest_strings_add (IngestStrings *strings, const char *ptr, gssize len);

/* The text of an atom (borrowed, valid as long as strings). "" for 0 and for
 * atoms out of range. */
const char *ingest_strings_get (const IngestStrings *strings, guint32 atom);

/* TRUE if atom's text equals the normalized bytes (s, len). */
gboolean ingest_strings_equal (const IngestStrings *strings, guint32 atom,
                               const char *s, gsize len);

/* Bytes held: arena chunks, intern table, scratch buffer. */
gsize ingest_strings_memory_bytes (const IngestStrings *strings);

G_END_DECLS
