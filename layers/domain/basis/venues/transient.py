"""Whether a venue's (or the signer's) error means "not now": a connection that failed or timed out,
an answer 5xx or 429 from Hyperliquid, Asgard or any HTTP venue, a signing error worth retrying.
The sagas raise these as ``TransientError`` so the state machine retries the step, which re-reads
its row and asks the venues what became of what it recorded."""

from __future__ import annotations


def venue_unavailable(exc: Exception) -> bool:
    import requests

    from basis.signing.errors import SigningError
    from basis.venues.asgard.client import AsgardError

    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return True
    if isinstance(exc, SigningError):
        return exc.retriable
    status = None
    if isinstance(exc, AsgardError):
        status = exc.status
    elif isinstance(exc, requests.HTTPError) and exc.response is not None:
        status = exc.response.status_code
    else:
        from hyperliquid.utils.error import ClientError, ServerError

        if isinstance(exc, ServerError):
            return True
        if isinstance(exc, ClientError):
            status = exc.status_code
    return status is not None and (status >= 500 or status == 429)
