"""``python -m revhub``: the ``revhub`` command."""

from revhub.cli import main

if __name__ == "__main__":
    main(prog_name="revhub")
