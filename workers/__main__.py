"""``python -m workers [--burst] [--no-beat]``: start a worker."""

import sys

from workers.worker import main

if __name__ == "__main__":
    sys.exit(main(burst="--burst" in sys.argv, with_beat="--no-beat" not in sys.argv))
