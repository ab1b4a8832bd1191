"""The fixed values records carry (stored as these strings), named in one place."""

from __future__ import annotations

from enum import StrEnum


class ActionStatus(StrEnum):
    """Where an agreed action stands."""

    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"  # withdrawn: no screen sets it today; counts leave it out


class OrgUnitKind(StrEnum):
    """The levels of the organisation: region → service area → team."""

    REGION = "region"
    SERVICE_AREA = "service_area"
    TEAM = "team"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Agreement(StrEnum):
    """The practitioner's view of the feedback in their response."""

    AGREE = "agree"
    PARTLY = "partly"
    DISAGREE = "disagree"
