"""``python -m orchestrator.openapi [FILE]``: write the API's OpenAPI document (the source the
dashboard's typed client is generated from). Needs no database and no cluster."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from orchestrator.app import create_app
from orchestrator.config import Settings


def openapi_document() -> str:
    app = create_app(Settings())
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    document = openapi_document()
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(document)
    else:
        sys.stdout.write(document)


if __name__ == "__main__":
    main()
