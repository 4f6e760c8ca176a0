"""What opportunities ask of the domains above them (billing, applications), registered
by those domains' ``init_app``. See ``marketplace.core.hooks``."""

from __future__ import annotations

from marketplace.core.hooks import Hook

# Billing: fees for postings.
kind_is_fixed = Hook("a submitted posting's kind may not change (its fee depends on it)")
submission_fee = Hook("the fee payment opened when a posting is submitted, or None")
checkout_url = Hook("where the employer authorizes a posting's open fee")
posting_decided = Hook("staff approved or rejected a posting")
review_order = Hook("sort keys that put some postings first in the review queue")
review_context = Hook("template values for the staff review queue")
employer_postings_context = Hook("template values for the employer's postings list")

# Applications: what a student sees of their application on a posting's page.
detail_context = Hook("template values for a posting's page, for a signed-in student")
