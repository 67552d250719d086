"""`gls prices show` / `gls prices refresh`: which genai-prices data the
Studio prices spans with, and replacing it with the installed package's."""

from __future__ import annotations

import argparse
from typing import Any

from gls_engine.config import load_settings
from gls_engine.costs.prices import (
    PriceData,
    export_price_data,
    load_price_data,
    prices_path,
    save_price_data,
)


def add_parser(subparsers: Any) -> None:
    """Adds `prices {show,refresh}` to the `gls` subcommands."""
    prices = subparsers.add_parser(
        "prices", help="show or refresh the LLM price data (genai-prices)"
    )
    sub = prices.add_subparsers(dest="prices_command", required=True)
    show = sub.add_parser("show", help="the price data in use and the installed package's")
    _add_location_flags(show)
    show.set_defaults(func=cmd_show)
    refresh = sub.add_parser(
        "refresh", help="export the installed genai-prices data to the data directory"
    )
    _add_location_flags(refresh)
    refresh.set_defaults(func=cmd_refresh)


def _add_location_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="TOML settings file (for data_dir)")
    parser.add_argument(
        "--data-dir", dest="data_dir", help="Studio data directory (default from settings)"
    )


def _data_dir(args: argparse.Namespace) -> str:
    return load_settings({"data_dir": args.data_dir}, config_file=args.config).data_dir


def _summary(data: PriceData) -> str:
    from gls_engine._core import PriceBook

    book = PriceBook(data.json)  # also proves the core can read it
    return f"genai-prices {book.data_version} (data {book.data_digest[:12]})"


def cmd_show(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    path = prices_path(data_dir)
    saved = load_price_data(data_dir)
    installed = export_price_data()
    if saved is None:
        print(f"no price data saved at {path}")
        print("  `gls prices refresh` saves the installed package's data there")
    else:
        print(f"in use: {_summary(saved)}")
        print(f"  file: {path}")
    print(f"installed package: {_summary(installed)}")
    if saved is not None and saved.digest != installed.digest:
        print("  differs from the data in use: run `gls prices refresh` to use it")
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    data_dir = _data_dir(args)
    previous = load_price_data(data_dir)
    data = export_price_data()
    summary = _summary(data)  # a data set the core refuses is not saved
    path = save_price_data(data, data_dir)
    print(f"saved {summary} to {path}")
    if previous is None:
        print("  (no price data was saved before)")
    elif previous.digest == data.digest:
        print("  (unchanged)")
    else:
        print(f"  replaced {_summary(previous)}")
    return 0
