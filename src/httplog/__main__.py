"""``python -m httplog``: the same as the ``httplog`` command."""

from httplog.cli import main

if __name__ == "__main__":
    main()
