import sys

from nndesigner.cli import main

sys.exit(main())
