"""``python -m tripwire``: the same as the ``tripwire`` command."""

import sys

from .cli import main

sys.exit(main())
