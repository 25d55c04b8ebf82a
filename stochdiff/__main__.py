"""``python -m stochdiff`` is the ``stochdiff`` command."""

import sys

from stochdiff.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
