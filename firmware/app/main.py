"""pbxd: the PBX daemon's command line (validate the config first; start nothing on a bad file)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from firmware.config.model import Config
from firmware.config.schema import ConfigProblems, field_docs
from firmware.config.store import load_config
from firmware.contracts.errors import ConfigError

EXIT_CONFIG = 2
EXIT_START = 3


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="pbxd", description="Small-office PBX daemon (analog FXS/FXO, SIP).")
    p.add_argument("--config", "-c", type=Path, help="config file (YAML); none = built-in defaults")
    p.add_argument("--virtual", action="store_true", help="run on the virtual board whatever the config says")
    p.add_argument("--check", action="store_true", help="validate the config file and exit")
    p.add_argument("--explain", action="store_true", help="list every config key with its meaning")
    p.add_argument("--http", default="127.0.0.1:8080", help="web page address (host:port)")
    p.add_argument("--state-dir", type=Path, default=Path("var"),
                   help="writable state: passwords, call records, recordings (default ./var)")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return p.parse_args(argv)


def explain() -> str:
    lines = []
    for path, doc, default in field_docs(Config):
        if doc:
            shown = "" if default is None else f" (default: {default})"
            lines.append(f"{path}: {doc}{shown}")
    return "\n".join(lines)


def load(args: argparse.Namespace) -> Config:
    saved = args.state_dir / "pbx.yaml"      # the config as the web page saved it
    if args.config is None and saved.exists():
        args.config = saved
    cfg = load_config(args.config)
    if args.virtual and cfg.board.kind != "virtual":
        from dataclasses import replace
        cfg = replace(cfg, board=replace(cfg.board, kind="virtual"))
    return cfg


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.explain:
        print(explain())
        return 0
    try:
        cfg = load(args)
    except ConfigProblems as exc:
        print(exc.report(), file=sys.stderr)
        print(f"pbxd: {len(exc.problems)} problem(s) in the config; nothing was started", file=sys.stderr)
        return EXIT_CONFIG
    except ConfigError as exc:
        print(f"{exc}", file=sys.stderr)
        print("pbxd: the config could not be read; nothing was started", file=sys.stderr)
        return EXIT_CONFIG
    if args.check:
        print(f"{args.config or '<defaults>'}: configuration is valid")
        return 0

    from firmware.app.daemon import Daemon, setup_logging

    setup_logging(args.log_level)
    daemon = Daemon(cfg, state_dir=args.state_dir, http=args.http, config_path=args.config)
    done = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        logging.getLogger("pbxd").info("signal %s: shutting down", signal.Signals(signum).name)
        done.set()

    # Handlers first: a stop that arrives while the ports start is a clean shutdown, not a kill.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        daemon.start()
    except Exception as exc:
        logging.getLogger("pbxd").exception("start-up failed")
        print(f"pbxd: start-up failed: {exc}", file=sys.stderr)
        daemon.stop()
        return EXIT_START
    try:
        daemon.run_until(done)
    finally:
        daemon.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
