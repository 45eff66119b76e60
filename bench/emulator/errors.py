"""The service's error answers: status, sub-status, code and message, as the SDK expects them."""

from __future__ import annotations

from collections.abc import Mapping

ERROR_CODES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    408: "RequestTimeout",
    409: "Conflict",
    412: "PreconditionFailed",
    413: "RequestEntityTooLarge",
    424: "FailedDependency",
    429: "TooManyRequests",
    500: "InternalServerError",
    503: "ServiceUnavailable",
}


class CosmosError(Exception):
    """Raised anywhere in the emulator; the HTTP layer turns it into `{"code", "message"}`."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        substatus: int = 0,
        headers: Mapping[str, str] | None = None,
        additional_info: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.substatus = substatus
        self.message = message
        self.headers = dict(headers or {})
        self.additional_info = additional_info  # JSON text, e.g. a 1004's query plan

    @property
    def code(self) -> str:
        return ERROR_CODES.get(self.status, "Error")

    def body(self) -> dict[str, str]:
        body = {"code": self.code, "message": self.message}
        if self.additional_info is not None:
            body["additionalErrorInfo"] = self.additional_info
        return body
