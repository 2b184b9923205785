"""Fixtures of the background-export tests (heartbeat, lost workers, retry and cancel)."""

import pytest

from tests.factories import MemberFactory


@pytest.fixture
def export_settings(settings, tmp_path):
    """Files in a temporary folder; a worker silent for five minutes is lost, three tries."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_STALL_SECONDS = 300
    settings.EXPORT_MAX_ATTEMPTS = 3


@pytest.fixture
def members(branch_a):
    return MemberFactory.create_batch(4, organization=branch_a)
