"""`python -m log_analyzer …` runs the same CLI as `log-analyzer …`."""

import sys

from log_analyzer.cli import main

sys.exit(main())
