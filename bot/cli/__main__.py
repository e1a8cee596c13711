"""``python -m pasokh.bot.cli``: the same as the ``pasokh`` command."""

import sys

from pasokh.bot.cli.main import main

sys.exit(main())
