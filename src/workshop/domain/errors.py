"""Errors a person can cause or meet, each carrying a sentence they understand."""

from __future__ import annotations

from .codes import display_code


class WorkshopError(Exception):
    """Base class: ``str(error)`` is a plain-words message safe to show a person."""


class SessionNotFound(WorkshopError):
    def __init__(self, code: object) -> None:
        # Letters and digits only: the code may come from a hand-made link, and this
        # sentence is shown as Markdown (no link or markup from a URL may slip through).
        typed = code if isinstance(code, str) else ""
        letters = "".join(ch for ch in typed[:64] if ch.isascii() and ch.isalnum())[:20]
        # As the screen shows codes ("ZZZ-ZZZ"), so a person can compare them at a glance.
        shown = display_code(letters.upper()) if letters else "(empty)"
        super().__init__(f"No session with code {shown} — check the code on the screen.")
        self.code = code


class SessionEnded(WorkshopError):
    def __init__(self) -> None:
        super().__init__("This session has ended. Thank you for taking part!")


class PromptClosed(WorkshopError):
    def __init__(self) -> None:
        super().__init__("Answering for this question is closed.")


class PromptMoved(WorkshopError):
    def __init__(self) -> None:
        super().__init__(
            "The facilitator has moved on to another question, so this answer was not taken."
        )


class StaleView(WorkshopError):
    """A facilitator pressed a control on a screen that showed an older state."""

    def __init__(self, message: str = "The room moved on meanwhile: look again and retry.") -> None:
        super().__init__(message)


class InvalidAnswer(WorkshopError):
    """An answer that does not fit its prompt (empty, too long, too many choices...)."""


class AccessDenied(WorkshopError):
    def __init__(self, message: str = "This link does not open the facilitator controls.") -> None:
        super().__init__(message)


class RateLimited(WorkshopError):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"That was quick! Please wait {max(1, round(seconds))} s before answering again."
        )


class StoreBusy(WorkshopError):
    def __init__(self) -> None:
        super().__init__(
            "The server is busy right now and your answer was not saved. Please try again."
        )


class NotFound(WorkshopError):
    """A prompt, answer or session id that does not exist (or not in this session)."""


class TemplateError(WorkshopError):
    """A template refused as a whole; ``problems`` lists every reason."""

    def __init__(self, problems: list[TemplateProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class TemplateProblem:
    """One reason a template was refused: where (file, prompt, field) and why."""

    __slots__ = ("field", "file", "prompt_number", "reason")

    def __init__(self, *, file: str, field: str, reason: str, prompt_number: int | None = None):
        self.file = file
        self.prompt_number = prompt_number
        self.field = field
        self.reason = reason

    def __str__(self) -> str:
        where = f"prompt {self.prompt_number}, " if self.prompt_number is not None else ""
        return f"{self.file}: {where}field '{self.field}': {self.reason}"

    def __repr__(self) -> str:
        return f"TemplateProblem({self})"
