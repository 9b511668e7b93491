"""``python -m bench`` (or ``make bench N=...``): the end-to-end benchmark (see ``bench.harness``).

``python -m bench.tagger_bench`` prints the tagger's detailed tables; ``python -m bench.soak``
runs the soak.
"""

from bench.harness import main

if __name__ == "__main__":
    main()
