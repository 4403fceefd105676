"""Blind, semi-attended and attended (consultative) transfer, with recall when the target does not answer."""

from firmware.pbx.features.transfer.transfer import TRANSFER_FLOW, Transfer, TransferOutcome, TransferState

__all__ = ["TRANSFER_FLOW", "Transfer", "TransferOutcome", "TransferState"]
