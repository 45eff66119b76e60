import sys

from bench.conformance.command import main

sys.exit(main())
