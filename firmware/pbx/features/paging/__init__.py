"""Paging and intercom to groups of analog handsets and IP phones."""

from firmware.pbx.features.paging.paging import PAGING_FLOW, Page, PageOutcome, PageState, Paging

__all__ = ["PAGING_FLOW", "Page", "PageOutcome", "PageState", "Paging"]
