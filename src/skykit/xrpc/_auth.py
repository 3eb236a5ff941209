"""What a session must do for the XRPC client: ``Authenticator``.

Password sessions (``Session``) and OAuth sessions both implement it, so every generated
call works the same whichever way the user signed in.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from skykit.xrpc._flow import Action, HttpResult, Send, State

Purpose = Literal["access", "refresh"]


@runtime_checkable
class Authenticator(Protocol):
    """An authenticated session: who (``did``, ``handle``), where (``service``), and how
    requests carry its credentials."""

    @property
    def did(self) -> str: ...

    @property
    def handle(self) -> str: ...

    @property
    def service(self) -> str:
        """The PDS that calls go to."""
        ...

    def authorize(self, send: Send, purpose: Purpose) -> Send:
        """The request with this session's credentials added."""
        ...

    def retry_once(self, result: HttpResult) -> bool:
        """Whether a failed response asks for one immediate resend (e.g. a fresh DPoP
        nonce, which this call records)."""
        ...

    def expired(self, result: HttpResult) -> bool:
        """Whether a failed response means the access credential expired."""
        ...

    def refresh(self, state: State) -> Generator[Action, Any, Authenticator]:
        """Get new credentials; returns the renewed session."""
        ...

    def revoke(self, state: State) -> Generator[Action, Any, None]:
        """End the session on the server."""
        ...

    def export(self) -> dict[str, Any]:
        """A JSON-ready form ``resume_session`` accepts (it holds secrets)."""
        ...
