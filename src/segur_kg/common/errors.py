"""Errors meant for the user: one sentence and an exit code, never a traceback."""

# Exit codes shared by every command.
EXIT_OK = 0
EXIT_VIOLATIONS = 1  # validation found at least one sh:Violation
EXIT_INPUT = 2  # unusable input: bad file, bad query, bad option
EXIT_TIMEOUT = 3  # a query ran longer than --timeout
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


class SegurKgError(Exception):
    """A problem the user can fix; the message says where, what and how."""

    def __init__(self, message: str, exit_code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


def one_line(exc: Exception) -> str:
    """A library's error message on one short line, for use inside a SegurKgError."""
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def printable(text: str, limit: int = 200) -> str:
    """Text for a one-line message: control characters and lone surrogates escaped, cut short."""
    if len(text) > limit:
        text = text[:limit] + "…"
    return "".join(char if char.isprintable() else f"\\u{ord(char):04x}" for char in text)


def position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column
