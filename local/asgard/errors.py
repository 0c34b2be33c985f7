"""The one error the Asgard simulator answers with: a message and its HTTP status."""


class BadRequestError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
