"""Short public ids for passages: deterministic from the article and the passage's content.

The same seeds give the same ids on any machine and after re-seeding, and a passage whose
text survives a corrected re-import keeps its id, so links already shared keep working.
"""

from __future__ import annotations

import base64
import hashlib

PUBLIC_ID_LENGTH = 10  # 50 bits of base32: URL-safe, case-insensitive, easy to read aloud


def passage_public_id(
    *, story_slug: str, outlet_slug: str, kind: str, text: str, occurrence: int = 0
) -> str:
    """`occurrence` tells apart passages of one article that have the very same text."""
    key = "\x1f".join([story_slug, outlet_slug, kind, text, str(occurrence)])
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:PUBLIC_ID_LENGTH]
