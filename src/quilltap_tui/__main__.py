"""``python -m quilltap_tui`` runs the same entry point as the ``quilltap-tui`` script."""

from quilltap_tui.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
