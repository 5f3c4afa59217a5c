"""``simulate(progress=...)`` and Ctrl-C in the API: a progress bar or callable, and a run stopped by
Ctrl-C returns the trials done, exactly the result of a run of that many trials at the same seed
(trials run in consecutive chunks from trial 0, and trial t's stream depends only on seed and t)."""

import os
import signal
import threading

import pytest

import tripwire
from tests.helpers.worlds import small_world
from tripwire.errors import ParamError, PartialResultWarning


@pytest.fixture()
def world():
    return tripwire.World.model_validate(small_world())


@pytest.fixture()
def default_sigint(monkeypatch):
    """Python's own SIGINT handler for the test (the one a notebook or script has), restored after."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def stop_after(chunks: int, seen: list[int]):
    def progress(n: int) -> None:
        seen.append(n)
        if len(seen) == chunks:
            raise KeyboardInterrupt

    return progress


def clean(ds):
    """The partial result without its marker, to compare with a full run of as many trials."""
    ds = ds.copy()
    del ds.attrs["trials_requested"]
    return ds


@pytest.mark.parametrize("chunks", [1, 2])
def test_an_interrupted_run_returns_the_trials_done(world, chunks):
    seen: list[int] = []
    with pytest.warns(PartialResultWarning, match=r"interrupted after [\d,]+ of 5,000,000 trials"):
        ds = tripwire.simulate(world, 5_000_000, seed=4, threads=1, progress=stop_after(chunks, seen))
    done = sum(seen)
    assert len(seen) == chunks and 0 < done < 5_000_000
    assert int(ds.trials) == done and ds.attrs["trials"] == done
    assert ds.attrs["trials_requested"] == 5_000_000
    assert clean(ds).identical(tripwire.simulate(world, done, seed=4))


def test_a_run_that_finishes_is_not_marked_partial(world):
    seen: list[int] = []
    ds = tripwire.simulate(world, 30_000, seed=2, progress=seen.append)
    assert sum(seen) == 30_000 and len(seen) >= 2  # the first chunk is a few thousand trials
    assert "trials_requested" not in ds.attrs
    assert ds.identical(tripwire.simulate(world, 30_000, seed=2))


def test_progress_true_shows_a_bar_and_changes_nothing(world, capsys):
    ds = tripwire.simulate(world, 20_000, seed=3, progress=True)
    assert ds.identical(tripwire.simulate(world, 20_000, seed=3))
    with pytest.raises(ParamError, match="progress must be None, True or a callable"):
        tripwire.simulate(world, 100, progress="yes")


def test_ctrl_c_during_a_kernel_call_stops_after_that_chunk(world, default_sigint):
    # a real SIGINT while the kernel runs on the main thread: deferred to the end of the chunk
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.warns(PartialResultWarning):
            ds = tripwire.simulate(world, 10**12, seed=6, threads=1)
    finally:
        timer.cancel()
    done = int(ds.trials)
    assert 0 < done < 10**12 and ds.attrs["trials_requested"] == 10**12
    assert clean(ds).identical(tripwire.simulate(world, done, seed=6))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


def test_ctrl_c_between_chunks_is_deferred_to_the_check(world, default_sigint):
    seen: list[int] = []

    def progress(n: int) -> None:
        seen.append(n)
        if len(seen) == 2:
            signal.raise_signal(signal.SIGINT)  # the handler only notes it; the loop stops after

    with pytest.warns(PartialResultWarning):
        ds = tripwire.simulate(world, 5_000_000, seed=1, progress=progress)
    assert int(ds.trials) == sum(seen) and len(seen) == 2


def test_a_program_s_own_sigint_handler_is_left_alone(world):
    calls = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: calls.append(signum))
    try:
        seen: list[int] = []

        def progress(n: int) -> None:
            seen.append(n)
            if len(seen) == 1:
                signal.raise_signal(signal.SIGINT)

        ds = tripwire.simulate(world, 20_000, seed=1, progress=progress)
        assert calls == [signal.SIGINT] and int(ds.trials) == 20_000
    finally:
        signal.signal(signal.SIGINT, previous)
