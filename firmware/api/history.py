"""Call history for the web page: validated filters over the call records, per-day figures, CSV.

Dispositions as the page offers them: answered, missed (no answer or the caller gave up),
busy, failed (failed or congestion). A user of role "user" sees only calls from or to their
own extension; the scope is applied here, not in the page.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from firmware.contracts.errors import ApiError

DISPOSITIONS: dict[str, tuple[str, ...]] = {
    "answered": ("answered",), "missed": ("no_answer", "cancelled"), "busy": ("busy",),
    "failed": ("failed", "congestion"),
}
DIRECTIONS = ("internal", "outbound", "inbound")
SORTS: dict[str, str] = {
    "newest": "start DESC", "oldest": "start ASC", "longest": "duration DESC", "shortest": "duration ASC",
    "from": "src ASC", "to": "dst ASC",
}
CSV_COLUMNS = ("start", "answer", "end", "duration", "billsec", "src", "src_name", "dst", "direction", "route",
               "line", "disposition", "hangup_side")
FREE_TEXT = ("src_name", "route", "line")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NUMBER = re.compile(r"[0-9+*#]{1,32}")
MAX_ROWS = 5000


@dataclass(frozen=True)
class HistoryQuery:
    since: str = ""          # YYYY-MM-DD, inclusive
    until: str = ""          # YYYY-MM-DD, inclusive
    direction: str = ""
    extension: str = ""
    number: str = ""
    disposition: str = ""    # a key of DISPOSITIONS
    sort: str = "newest"
    limit: int = 500

    @classmethod
    def from_form(cls, form: dict[str, str]) -> HistoryQuery:
        def text(key: str) -> str:
            return str(form.get(key, "")).strip()
        q = cls(since=text("since"), until=text("until"), direction=text("direction"), extension=text("extension"),
                number=text("number"), disposition=text("disposition"), sort=text("sort") or "newest")
        q.validate()
        return q

    def validate(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value:
                if not DATE.fullmatch(value):
                    raise ApiError(f"{name}: a date is YYYY-MM-DD, got {value!r}")
                try:
                    date.fromisoformat(value)
                except ValueError as exc:
                    raise ApiError(f"{name}: {value!r} is not a date") from exc
        if self.direction and self.direction not in DIRECTIONS:
            raise ApiError(f"direction must be one of {', '.join(DIRECTIONS)}")
        if self.disposition and self.disposition not in DISPOSITIONS:
            raise ApiError(f"disposition must be one of {', '.join(DISPOSITIONS)}")
        if self.extension and not re.fullmatch(r"[0-9]{2,6}", self.extension):
            raise ApiError("extension: 2-6 digits")
        if self.number and not NUMBER.fullmatch(self.number):
            raise ApiError("number: digits, +, * and # only")
        if self.sort not in SORTS:
            raise ApiError(f"sort must be one of {', '.join(SORTS)}")

    def filters(self) -> dict[str, Any]:
        """Filters for `Backplane.call_records` (the disposition groups are applied afterwards)."""
        out: dict[str, Any] = {"order": SORTS[self.sort], "limit": MAX_ROWS}
        if self.since:
            out["since"] = self.since
        if self.until:
            out["until"] = (date.fromisoformat(self.until) + timedelta(days=1)).isoformat()
        for key in ("direction", "extension", "number"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.disposition and len(DISPOSITIONS[self.disposition]) == 1:
            out["disposition"] = DISPOSITIONS[self.disposition][0]
        return out


def disposition_group(raw: str) -> str:
    return next((group for group, members in DISPOSITIONS.items() if raw in members), raw)


def involves(row: dict[str, Any], extension: str) -> bool:
    return extension in (row.get("src"), row.get("dst"))


class History:
    def __init__(self, records: Callable[[dict[str, Any]], list[dict[str, Any]]]) -> None:
        self._records = records

    def rows(self, query: HistoryQuery, *, only_extension: str = "") -> list[dict[str, Any]]:
        rows = self._records(query.filters())
        if query.disposition:
            allowed = DISPOSITIONS[query.disposition]
            rows = [r for r in rows if r.get("disposition") in allowed]
        if only_extension:
            rows = [r for r in rows if involves(r, only_extension)]
        for r in rows:
            r["group"] = disposition_group(str(r.get("disposition", "")))
            r["recording"] = recording_of(r)
        return rows[:query.limit] if query.limit else rows

    @staticmethod
    def per_day(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """[{day, calls, missed, avg_s}] oldest first; avg_s = mean talk time of answered calls."""
        days: dict[str, dict[str, Any]] = {}
        for r in rows:
            day = str(r.get("start", ""))[:10]
            d = days.setdefault(day, {"day": day, "calls": 0, "missed": 0, "talk": 0.0, "answered": 0})
            d["calls"] += 1
            group = disposition_group(str(r.get("disposition", "")))
            if group == "missed":
                d["missed"] += 1
            if group == "answered":
                d["answered"] += 1
                d["talk"] += float(r.get("billsec") or 0.0)
        out = []
        for day in sorted(days):
            d = days[day]
            out.append({"day": day, "calls": d["calls"], "missed": d["missed"],
                        "avg_s": round(d["talk"] / d["answered"], 1) if d["answered"] else 0.0})
        return out

    @staticmethod
    def csv(rows: list[dict[str, Any]]) -> str:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(row.get(k)) if k in FREE_TEXT else row.get(k) for k in CSV_COLUMNS})
        return buf.getvalue()


def _cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas (OWASP CSV injection): a caller name may start with '='."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def recording_of(row: dict[str, Any]) -> str:
    """The recording file of a call (relative to recordings/), from the record's `extra` JSON."""
    extra = row.get("extra") or ""
    if not isinstance(extra, str) or not extra.startswith("{"):
        return ""
    try:
        data = json.loads(extra)
    except ValueError:
        return ""
    value = data.get("recording", "") if isinstance(data, dict) else ""
    return value if isinstance(value, str) else ""
