/* web-frame-delta.h: small update messages for /live clients.
 *
 * Frames are built once per view and shared by the clients looking at
 * it (web-frame.h); what goes on the wire is per client. A frame whose
 * SVG has the same structure as the one the client last received (the
 * same elements in the same order: element names, nesting, and for
 * groups their class) goes out as an "update": only the attributes and
 * text that changed, addressed by the element's index in document order
 * (stable, since the structure is the same: every element is named by
 * its group's class and its index there), plus the frame's other fields
 * and the changed actor table rows. Anything else goes out as the full
 * frame. web/PROTOCOL.md describes the message.
 *
 * A group's data-id is an attribute like any other, not structure: under
 * load the level of detail picks a different few hundred of thousands of
 * edges every frame, and a structure that included their ids would make
 * every graph frame whole. The page re-applies its selection by data-id
 * after an update that changed one.
 *
 * Values in an update are plain text (XML entities decoded): the page
 * sets them with setAttribute and textContent, never as markup.
 *
 * Taking a frame apart (JSON parse, SVG split) and diffing it cost the
 * loop ~2 us per event at 200 k events/s with 20 clients, a third of its
 * time: both are done in the render worker that built the frame
 * (WebFrameParsed, WebFrameUpdate), and the loop only writes the client's
 * seq in. A client whose last frame is not the one the worker diffed
 * against (it shares the view with a client that is ahead) is diffed on
 * the loop, still without parsing again.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A frame message taken apart: its JSON and its SVG's elements.
 * Immutable once built and atomically reference counted: made in any
 * thread, shared by the clients it goes to. */
typedef struct _WebFrameParsed WebFrameParsed;
/* frame: a "frame" message as built by web_frame_build, len bytes,
 * borrowed. Never NULL: a frame that is not ours to diff parses as one
 * that always goes whole. */
WebFrameParsed *web_frame_parsed_new (const char *frame, gsize len);
WebFrameParsed *web_frame_parsed_ref (WebFrameParsed *parsed);
void web_frame_parsed_unref (WebFrameParsed *parsed);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WebFrameParsed, web_frame_parsed_unref)

/* The update from base to now, prepared in any thread (reads both,
 * keeps a reference to base); a client whose last frame is base gets it
 * with its own seq. Holds "whole" when now cannot go as an update from
 * base. Immutable, atomically reference counted. */
typedef struct _WebFrameUpdate WebFrameUpdate;
WebFrameUpdate *web_frame_update_new (WebFrameParsed *base, const WebFrameParsed *now);
WebFrameUpdate *web_frame_update_ref (WebFrameUpdate *update);
void web_frame_update_unref (WebFrameUpdate *update);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WebFrameUpdate, web_frame_update_unref)

/* What one client last received (its SVG structure, attributes, texts
 * and table rows). */
typedef struct _WebFrameDelta WebFrameDelta;

WebFrameDelta *web_frame_delta_new (void);
/* The same for a client that already received n_sent frames: its seq
 * counting continues from there (updates asked for mid-connection). */
WebFrameDelta *web_frame_delta_new_after (guint64 n_sent);
void web_frame_delta_free (WebFrameDelta *delta);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WebFrameDelta, web_frame_delta_free)

/* Forgets the last frame: the next one goes out whole (the client
 * changed its view). */
void web_frame_delta_reset (WebFrameDelta *delta);

/* The client is about to receive frame (a "frame" message as built by
 * web_frame_build, len bytes, borrowed). Returns the update message to
 * send instead (compact JSON, owned by the caller, g_free), or NULL to
 * send frame itself (structure changed, first frame, or the update would
 * change more than half the SVG's bytes: applying that many changes one
 * by one costs a page more than parsing the SVG). Either way delta now holds frame as what the client
 * received. */
char *web_frame_delta_next (WebFrameDelta *delta, const char *frame, gsize len);

/* The same for a frame already taken apart (now: borrowed, a reference is
 * kept as what the client received). prepared (may be NULL) is used when
 * its base is what the client last received; else the diff is made here. */
char *web_frame_delta_next_parsed (WebFrameDelta *delta, WebFrameParsed *now,
                                   const WebFrameUpdate *prepared);
/* What the client last received (borrowed; NULL: nothing yet, or reset):
 * the base for web_frame_update_new. */
WebFrameParsed *web_frame_delta_get_last (const WebFrameDelta *delta);

/* An update carries the actor table (its changed rows) only when the
 * client's table is at least interval_us old (default 0: every update);
 * a whole frame always carries it. The page redraws its table at most
 * twice a second, and at 200 actors the rows were 40-90 KB of every
 * update, most of what the page received. */
void web_frame_delta_set_table_interval (WebFrameDelta *delta, gint64 interval_us);

/* Messages counted by web_frame_delta_next: full frames and updates. */
void web_frame_delta_get_counts (const WebFrameDelta *delta, guint64 *n_full, guint64 *n_updates);

G_END_DECLS
