"""Career staff write to a class's students missing an outcome, with a holdout, from the
dashboard; the campaign's page shows both arms."""

from __future__ import annotations

import random
import uuid

from playwright.sync_api import expect

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.journeys.helpers import check_accessibility, follow_nav, log_in, reload_until_visible


def test_staff_send_a_campaign_and_see_its_arms(page, make_user, live_app):
    tag = uuid.uuid4().hex[:6]
    year = random.randint(2090, 2150)  # a class of this test's own
    emails = [f"c{n}-{tag}@school.edu" for n in range(10)]
    for email in emails:
        make_user(Role.STUDENT, email, name=f"Student {email[:3]}")
    with live_app.app_context():
        for user in db.session.scalars(db.select(User).where(User.email.in_(emails))):
            user.student_profile = user.student_profile or StudentProfile(user=user)
            user.student_profile.graduation_year = year
        db.session.commit()
    staff_email = f"cara-{tag}@school.edu"
    make_user(Role.STAFF, staff_email, name="Cara Staff")

    log_in(page, staff_email)
    follow_nav(page, "Outreach campaigns", group="Outcomes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outreach campaigns")
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Graduating class").select_option(str(year))
    page.get_by_label("Students missing").select_option("articulation")
    page.get_by_label("Subject").fill(f"Resume reviews this week {tag}")
    page.get_by_label("Message").fill("Drop your resume in the review queue: it takes a day.")
    page.get_by_label("Suggested next step").select_option("document_review")
    page.get_by_label("Holdout (%)").fill("20")
    page.get_by_role("button", name="Count the students").click()
    expect(page.locator("#estimate")).to_contain_text("10 students in this segment: 2 held out")
    # What was typed is still there after counting.
    expect(page.get_by_label("Subject")).to_have_value(f"Resume reviews this week {tag}")
    check_accessibility(page, "campaign-new")
    page.get_by_role("button", name="Send the campaign").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Sending to 8 students; 2 are held out.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Resume reviews this week {tag}")
    arms = page.get_by_role("table", name="Reached the outcome, by arm and window")
    expect(arms).to_contain_text("30 days")
    expect(arms).to_contain_text("Held out (2)")
    # With a worker the batch lands a moment later: the page says to refresh, as a person would.
    sending = page.get_by_role("region", name="Sending")
    reload_until_visible(page, sending.filter(has_text="8 sent in the app and by e-mail"),
                         timeout=30)
    check_accessibility(page, "campaign-results")
