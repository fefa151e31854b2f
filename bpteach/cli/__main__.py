"""``python -m bpteach.cli ...`` is ``bpteach ...``."""

import sys

from bpteach.cli import main

sys.exit(main())
