"""The ``skykit`` command line (also ``python -m skykit``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from skykit.errors import SkykitError


def _codegen(args: argparse.Namespace) -> int:
    from skykit_codegen import CodegenError, generate

    try:
        written = generate(args.sources, args.out, args.package)
    except CodegenError as exc:
        print(f"skykit codegen: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(written)} files for package {args.package} under {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="skykit", description="skykit: the AT Protocol SDK")
    commands = parser.add_subparsers(dest="command", required=True)
    codegen = commands.add_parser(
        "codegen",
        help="generate typed models and clients for lexicons",
        description=(
            "Generate a Python package of typed models and sync/async clients from lexicon "
            "JSON files. Refs to official lexicons use skykit's shipped skykit.lex modules."
        ),
    )
    codegen.add_argument("sources", nargs="+", help="lexicon JSON files or folders")
    codegen.add_argument("--out", required=True, help="folder to write the package into")
    codegen.add_argument("--package", default="lexicons", help="package name (dotted allowed)")
    codegen.set_defaults(run=_codegen)
    from skykit.firehose.cli import add_firehose_command
    from skykit.oauth.cli import add_login_command
    from skykit.repo.cli import add_repo_commands

    add_repo_commands(commands)
    add_firehose_command(commands)
    add_login_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except SkykitError as exc:
        print(f"skykit {args.command}: {exc}", file=sys.stderr)
        return 1
