"""``python -m woo_cli`` is ``woo``."""

from woo_cli.main import main

raise SystemExit(main())
