"""Facilitator home: start a session from a template, list sessions, resume one."""

from workshop.ui.home import render_home
from workshop.ui.style import use_facilitator_style

use_facilitator_style()
render_home()
