"""``python -m skykit``: the command line."""

from __future__ import annotations

import sys

from skykit.cli import main

sys.exit(main())
