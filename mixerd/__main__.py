"""``python -m mixerd`` is the ``mixerd`` command."""

import sys

from mixerd.cli import main

sys.exit(main())
