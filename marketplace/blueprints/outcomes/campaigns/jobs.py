"""Sending a campaign: a batch per job, each job queuing the next until all are sent."""

from __future__ import annotations

from marketplace.blueprints.outcomes.campaigns.services import send_batch
from marketplace.core.jobs import job
from marketplace.core.outbox import enqueue_after_commit


@job(queue="low", timeout=300, retry_intervals=(30, 120, 600))
def send_campaign_batch(campaign_id: int) -> None:
    """Write to the next batch of a campaign's contacted arm; queue the rest."""
    if send_batch(campaign_id):
        enqueue_after_commit("send_campaign_batch", campaign_id)
