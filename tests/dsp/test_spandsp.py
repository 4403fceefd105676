"""The ctypes binding: library loading, error reporting, state ownership."""

from __future__ import annotations

import gc

import pytest

from firmware.contracts.errors import DspError
from firmware.dsp import spandsp as sp
from firmware.dsp.dtmf import DtmfReceiver, DtmfSender


def test_missing_library_raises_dsp_error_naming_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sp, "_lib", None)
    monkeypatch.setattr(sp, "LIBRARY", "libspandsp-does-not-exist.so.9")
    with pytest.raises(DspError, match="libspandsp2"):
        sp.lib()


def test_library_loads_once_with_prototypes() -> None:
    lib = sp.lib()
    assert sp.lib() is lib
    assert lib.dtmf_rx.argtypes is not None and lib.echo_can_update.restype is not None


def test_handle_frees_exactly_once_and_refuses_use_after_close() -> None:
    freed: list[int] = []
    handle = sp.Handle(1234, freed.append, "thing")
    assert handle.ptr == 1234
    handle.close()
    handle.close()
    del handle
    gc.collect()
    assert freed == [1234]
    with pytest.raises(DspError):
        sp.Handle(0, freed.append, "thing")
    closed = sp.Handle(5, freed.append, "thing")
    closed.close()
    with pytest.raises(DspError, match="after close"):
        _ = closed.ptr


def test_callbacks_survive_garbage_collection() -> None:
    rx = DtmfReceiver()
    gc.collect()
    tx = DtmfSender()
    tx.add("159D")
    got = "".join(rx.feed(tx.generate(160)) for _ in range(60))
    assert got == "159D"

