"""Real-browser hardening tests use the same Debian Chromium launch settings as tests/browser
(they carry the ``browser`` marker, so they run last like those)."""

from tests.browser.conftest import browser_type_launch_args

__all__ = ["browser_type_launch_args"]
