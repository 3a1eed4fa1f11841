"""Facilitator console: next / previous / jump, answering and results switches,
moderation, reset, end and delete. Needs the session's key in the link."""

from workshop.ui.console import render_console
from workshop.ui.facilitator import draw_nav, require_facilitator
from workshop.ui.style import use_facilitator_style

use_facilitator_style()
access = require_facilitator()
draw_nav(access)
render_console(access)
