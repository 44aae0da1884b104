"""`python -m kerasgen ...`: the same as the `kerasgen` command."""

import sys

from kerasgen.cli import main

sys.exit(main())
