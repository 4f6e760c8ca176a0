"""What accounts asks of the domains above it (schools), registered by their
``init_app``. See ``marketplace.core.hooks``."""

from __future__ import annotations

from marketplace.core.hooks import Hook

# Schools: the schools a student may belong to, as [(id, name)]. Nothing registered, or
# an empty answer (a college), means the profile has no school.
school_choices = Hook("the schools of the district, as (id, name) pairs")

# Schools: `users create ... --role staff --school NAME` makes school staff. Called with
# (user, school name); answers "" when done, else the problem (no such school...).
assign_school = Hook("make a new staff account staff of the named school")

# Schools: the one school whose students a staff member may see, as its id; None (or
# nothing registered: a college) means every student. Every domain asks through
# ``accounts.policies`` (``staff_school_limit``, ``can_staff_see_student``,
# ``students_in_scope``), which asks this once per request.
staff_school = Hook("the school a staff member is limited to, as its id, or None")
