"""`python -m services.inbox`: one process, no workers, no auto-reload."""
from __future__ import annotations

import logging
import sys

from scripts.harbor_env import prepare
from services.inbox.app import create_app
from services.inbox.config import Config, ConfigError


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from addons.privacy.logging_setup import install_from_env
    install_from_env()  # personal data never reaches the logs
    prepare("inbox")  # production: refuses development or missing secrets
    try:
        config = Config.from_env()
    except ConfigError as exc:
        logging.getLogger("inbox").error("not starting: %s", exc)
        sys.exit(2)
    app = create_app(config)
    app.run(host=config.host, port=config.port, workers=1, auto_reload=False,
            access_log=False, motd=False)


if __name__ == "__main__":
    main()
