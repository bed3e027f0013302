"""The network's own settings: one row."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.domain import NetworkInfo
from storage.models import NetworkRow

_ONLY_ROW = 1


class SqlNetworkRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self) -> NetworkInfo | None:
        row = self._session.get(NetworkRow, _ONLY_ROW)
        if row is None:
            return None
        return NetworkInfo(
            name=row.name,
            language=row.language,
            timezone=row.timezone,
            slack_workspaces=tuple(row.slack_workspaces or ()),
            teams_tenants=tuple(row.teams_tenants or ()),
        )

    def save(self, info: NetworkInfo) -> None:
        row = self._session.get(NetworkRow, _ONLY_ROW)
        if row is None:
            row = NetworkRow(id=_ONLY_ROW)
            self._session.add(row)
        row.name = info.name
        row.language = info.language
        row.timezone = info.timezone
        row.slack_workspaces = list(info.slack_workspaces)
        row.teams_tenants = list(info.teams_tenants)
        self._session.flush()
