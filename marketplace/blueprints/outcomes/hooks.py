"""What outcomes asks of the domains above it (schools), registered by their
``init_app``. See ``marketplace.core.hooks``."""

from __future__ import annotations

from marketplace.core.hooks import Hook

# Schools: the one school whose students a staff member may see on the outcomes pages
# (dashboard, drill-downs and their CSVs, exports, the annual report, the summary API),
# as its id; None (or nothing registered: a college) means every student.
staff_school = Hook("the school a staff member is limited to, as its id, or None")
