"""Each role's first steps, in a real browser, with axe checks on every page visited."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from marketplace.core.policies import Role
from tests.journeys.helpers import (
    PASSWORD,
    check_accessibility,
    confirm_registration,
    fill_account,
    follow_nav,
    log_in,
    log_out,
    reload_until_visible,
    unique,
)


def test_student_registers_edits_profile_logs_out_and_in(page, mailbox):
    email = unique("student")
    page.goto("/")
    check_accessibility(page, "home")
    page.get_by_role("link", name="Create an account").first.click()
    check_accessibility(page, "register-choose")
    page.get_by_role("link", name="Join as a student").click()

    # A first try with a short password is refused with a clear message.
    fill_account(page, "Maria Lopez", email, "short")
    page.get_by_label("Expected graduation year").fill("2027")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("alert").first).to_contain_text("Please check the form")
    check_accessibility(page, "register-student-errors")

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_label("Healthcare & Human Services").check()
    page.get_by_label("Are you the first in your family to go to college?").select_option("yes")
    page.get_by_role("button", name="Create my account").click()
    confirm_registration(page, mailbox, email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello, Maria Lopez")
    check_accessibility(page, "student-dashboard")

    # The welcome notification waits in the notification centre.
    page.get_by_role("link", name="Notifications 1 unread").click()
    expect(page.locator(".notification__title")).to_contain_text("Welcome to Career Connections")
    check_accessibility(page, "notifications")
    page.get_by_role("button", name=re.compile(r"Mark read\W+Welcome")).click()
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()

    follow_nav(page, "Profile", group="Me")
    page.get_by_label("Major or program").fill("Nursing")
    page.get_by_label("Digital Technology").check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Profile saved")
    expect(page.get_by_label("Major or program")).to_have_value("Nursing")
    check_accessibility(page, "student-profile")

    log_out(page)
    log_in(page, email, "wrong password here")
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    check_accessibility(page, "login-error")
    log_in(page, email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello, Maria Lopez")
    expect(page.get_by_text("Nursing")).to_be_visible()


def test_employer_registers_and_sees_pending_verification(page, mailbox):
    email = unique("employer")
    page.goto("/auth/register/employer")
    fill_account(page, "Jon Park", email)
    page.get_by_label("Organization name").fill("Parkside Clinic")
    page.get_by_label("Type of organization").select_option("nonprofit")
    page.get_by_label("Website").fill("https://parkside.example")
    check_accessibility(page, "register-employer")
    page.get_by_role("button", name="Create my account").click()
    confirm_registration(page, mailbox, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Parkside Clinic")
    expect(page.get_by_text("Career staff are verifying your organization")).to_be_visible()
    check_accessibility(page, "employer-dashboard")

    page.get_by_role("link", name="Organization", exact=True).click()
    page.get_by_label("Website").fill("not a url")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter a full web address").first).to_be_visible()
    check_accessibility(page, "employer-organization-error")
    log_out(page)


def test_alum_registers_and_edits_profile(page, mailbox):
    email = unique("alum")
    page.goto("/auth/register/alumni")
    fill_account(page, "Sofia Reyes", email)
    page.get_by_label("Graduation year").fill("2014")
    page.get_by_label("Current employer").fill("Lumen Software")
    page.get_by_label("Career cluster you work in").select_option("digital_technology")
    page.get_by_label("Time zone").select_option("America/Denver")
    page.get_by_role("button", name="Create my account").click()
    confirm_registration(page, mailbox, email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sofia Reyes")
    check_accessibility(page, "alumni-dashboard")
    page.get_by_role("link", name="Profile", exact=True).click()
    page.get_by_label("Job title").fill("Staff Engineer")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Profile saved")
    check_accessibility(page, "alumni-profile")
    log_out(page)


def test_staff_logs_in_and_creates_a_staff_account(page, make_user):
    email = unique("staff")
    make_user(Role.STAFF, email, name="Dana Staff")
    log_in(page, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Career center")
    check_accessibility(page, "staff-dashboard")
    follow_nav(page, "Users", group="People")
    page.get_by_label("Full name").fill("Second Staff")
    page.get_by_label("E-mail").fill(unique("staff2"))
    page.get_by_label("Role").select_option("staff")
    page.get_by_label("Temporary password").fill("temporary passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Created staff account")
    check_accessibility(page, "staff-users")

    follow_nav(page, "Background tasks", group="Operations")
    expect(page.get_by_role("heading", level=1)).to_have_text("Background tasks")
    expect(page.get_by_text("No failed jobs.")).to_be_visible()
    check_accessibility(page, "staff-jobs")
    page.get_by_role("link", name="E-mail delivery log").click()
    reload_until_visible(page, page.get_by_text("A Career Connections account was created"))
    check_accessibility(page, "staff-emails")
    log_out(page)


def test_pages_work_at_phone_width(phone, make_user):
    email = unique("phone")
    make_user(Role.STUDENT, email, name="Phone User")
    phone.goto("/")
    check_accessibility(phone, "phone-home")
    no_sideways_scroll = "() => document.documentElement.scrollWidth <= window.innerWidth"
    assert phone.evaluate(no_sideways_scroll)
    phone.goto("/auth/register/student")
    assert phone.evaluate(no_sideways_scroll)
    check_accessibility(phone, "phone-register")
    log_in(phone, email)
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Hello, Phone User")
    assert phone.evaluate(no_sideways_scroll)
    check_accessibility(phone, "phone-student-dashboard")
