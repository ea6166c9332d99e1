"""Invitation links: the invitation's id signed with the app secret (itsdangerous).

The signature proves revhub made the link; the row behind it says whether it still holds
(expiry and revocation are checked there, so revoking takes effect at once).
"""

from __future__ import annotations

import uuid

from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "revhub.portal.invitation"


def sign(secret_key: str, invitation_id: uuid.UUID) -> str:
    """The token of an invitation, for its link."""
    return URLSafeSerializer(secret_key, salt=_SALT).dumps(invitation_id.hex)


def unsign(secret_key: str, token: str) -> uuid.UUID | None:
    """The invitation id a token names, or None if revhub did not sign it."""
    try:
        value = URLSafeSerializer(secret_key, salt=_SALT).loads(token)
        return uuid.UUID(hex=value)
    except (BadSignature, ValueError, TypeError):
        return None
