import sys

from gls_engine.cli import main

sys.exit(main())
