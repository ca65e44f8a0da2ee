"""Text that is not text: a JSON body with a lone UTF-16 surrogate is refused before any route sees it.

JSON may spell a character outside the Basic Multilingual Plane as two escapes (``"\\ud83c\\udfa4"`` is 🎤);
one half alone (``"x\\ud800"``) decodes to a lone surrogate, which no UTF-8 text can carry: it could be
neither answered, logged nor stored. Every /api/v1 request with a body goes through ``refuse_lone_surrogates``
(a dependency of the API router), which answers 400 ``malformed_request`` naming where the surrogate is. The
WebSocket and MQTT front ends meet such text in the control core, whose rule for names refuses it
(mixerd/model/text.py), and quote it escaped.
"""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from mixerd.model.text import lone_surrogate

#: A surrogate escape in raw JSON: only a body with one is decoded and searched.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


async def refuse_lone_surrogates(request: Request) -> None:
    """400 ``malformed_request`` if the request's JSON body holds a lone surrogate in a string or a key."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    body = await request.body()  # FastAPI has read (and kept) it for an endpoint with a body
    if not _SURROGATE_ESCAPE.search(body):
        return
    try:
        value = await request.json()
    except (ValueError, RecursionError):  # not JSON: the endpoint's own body check answers
        return
    found = lone_surrogate(value)
    if found is None:
        return
    path, cp, in_key = found
    what = "the key" if in_key else "the text"
    raise RequestValidationError([{
        "type": "lone_surrogate", "loc": ("body", *path),
        "msg": f"{what} has a lone UTF-16 surrogate \\u{cp:04x}, half of a surrogate pair and no text on its own "
               "(it could be neither stored nor sent back); send the character itself, or both halves of its pair "
               "(\\ud83c\\udfa4 is 🎤)",
    }])
