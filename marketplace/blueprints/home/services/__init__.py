"""What each role's home shows, gathered from the domains below in a fixed number of
queries whatever the data's size. Everything here reads; nothing writes."""

from marketplace.blueprints.home.services.alumni import AlumniHome, alumni_home
from marketplace.blueprints.home.services.common import LIST_LIMIT, SOON, waited
from marketplace.blueprints.home.services.employer import (
    PIPELINE,
    EmployerHome,
    PostingPipeline,
    employer_home,
    previous_visit,
)
from marketplace.blueprints.home.services.staff import (
    Queue,
    StaffHome,
    failed_job_count,
    month_start,
    staff_home,
)
from marketplace.blueprints.home.services.student import (
    Activity,
    NextStep,
    Stage,
    StepKind,
    StudentHome,
    activity_of,
    next_step,
    stage_of,
    student_home,
)

__all__ = [
    "LIST_LIMIT",
    "PIPELINE",
    "SOON",
    "Activity",
    "AlumniHome",
    "EmployerHome",
    "NextStep",
    "PostingPipeline",
    "Queue",
    "StaffHome",
    "Stage",
    "StepKind",
    "StudentHome",
    "activity_of",
    "alumni_home",
    "employer_home",
    "failed_job_count",
    "month_start",
    "next_step",
    "previous_visit",
    "stage_of",
    "staff_home",
    "student_home",
    "waited",
]
