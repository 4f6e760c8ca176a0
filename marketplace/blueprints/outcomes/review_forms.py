"""Forms of the career plan, the document review queue and the evidence rules page.

They check presence and length; the services (``reviews``, ``documents``, ``rules``)
check meaning (a cluster, a date from today on, a PDF), so the API gets the same words.
"""

from __future__ import annotations

from wtforms import FileField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from marketplace.blueprints.outcomes.models import DocumentKind, ReviewStatus
from marketplace.blueprints.outcomes.reviews import MAX_COMMENT, MAX_GOALS, MAX_ROLES, MAX_STEP
from marketplace.core.forms import Form
from marketplace.core.reference import CAREER_CLUSTERS


class CareerPlanForm(Form):
    goals = TextAreaField("Your goals", validators=[Length(max=MAX_GOALS)], description=(
        "What you want to be doing after you graduate, and why."))
    cluster = SelectField("Target career cluster",
                          choices=[("", "Choose a cluster"), *CAREER_CLUSTERS.items()])
    roles = StringField("Target roles", validators=[Length(max=MAX_ROLES)],
                        description="For example: “Data analyst, research assistant”.")
    step_1 = StringField("Next step 1", validators=[Length(max=MAX_STEP)])
    due_1 = StringField("Date for step 1", description="For example 2027-03-31.")
    step_2 = StringField("Next step 2", validators=[Length(max=MAX_STEP)])
    due_2 = StringField("Date for step 2")
    step_3 = StringField("Next step 3", validators=[Length(max=MAX_STEP)])
    due_3 = StringField("Date for step 3")

    def values(self) -> dict:
        return {name: self[name].data for name in
                ("goals", "cluster", "roles", "step_1", "due_1", "step_2", "due_2",
                 "step_3", "due_3")}

    def fill_from(self, plan) -> None:
        self.goals.data, self.cluster.data, self.roles.data = plan.goals, plan.cluster, plan.roles
        for n, step in enumerate(plan.next_steps or [], start=1):
            self[f"step_{n}"].data, self[f"due_{n}"].data = step.get("step"), step.get("due")


class DocumentForm(Form):
    kind = SelectField("What it is", choices=[(k.value, k.label) for k in DocumentKind])
    file = FileField("PDF file", description="A PDF, at most 5 MB.")


DECISIONS = {
    ReviewStatus.SUBMITTED: [(ReviewStatus.APPROVED.value, "Approve"),
                             (ReviewStatus.CHANGES_REQUESTED.value, "Ask for changes")],
    ReviewStatus.APPROVED: [(ReviewStatus.APPROVAL_WITHDRAWN.value, "Withdraw the approval")],
}


class DecisionForm(Form):
    decision = SelectField("Decision", choices=[
        (s.value, s.label) for s in (ReviewStatus.APPROVED, ReviewStatus.CHANGES_REQUESTED,
                                     ReviewStatus.APPROVAL_WITHDRAWN)])
    comment = TextAreaField("Comment for the student", validators=[Length(max=MAX_COMMENT)],
                            description="Needed when you ask for changes or withdraw an "
                                        "approval: the student sees it.")

    def for_status(self, status: ReviewStatus) -> DecisionForm:
        self.decision.choices = DECISIONS.get(status, [])
        return self


class RuleForm(Form):
    """The parameters are read from the posted form by name (each rule has its own)."""

    note = StringField("Why it changes", validators=[Length(max=500)],
                       description="Kept with the new version and in the audit log.")
