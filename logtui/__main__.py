"""`python -m logtui` is the same as the `logtui` command."""

import sys

from logtui.cli import main

sys.exit(main())
