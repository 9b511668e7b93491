"""``python -m bench`` (or ``make bench``): run every benchmark and print its figures."""

from bench.tagger_bench import main

if __name__ == "__main__":
    main()
