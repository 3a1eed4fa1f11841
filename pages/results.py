"""Results of a live or ended session: a chart per prompt, notes, and the CSV download."""

from workshop.ui.facilitator import draw_nav, require_facilitator
from workshop.ui.report import render_report
from workshop.ui.style import use_facilitator_style

use_facilitator_style()
access = require_facilitator()
draw_nav(access)
render_report(access)
