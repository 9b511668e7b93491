"""One root exception; the CLI turns any of these into a one-line message."""


class StreamError(Exception):
    """Base of every error the service reports to a user."""


class ConfigError(StreamError):
    """A setting or command-line value is invalid."""


class InputError(StreamError):
    """An input file or record cannot be read."""


class BrokerError(StreamError):
    """The Kafka broker cannot be reached, fetched or started."""

    @classmethod
    def unreachable(cls, bootstrap: str) -> "BrokerError":
        return cls(
            f"no Kafka broker answers at {bootstrap}: start the local one with 'stream broker start' "
            "(or point STREAM_BOOTSTRAP_SERVERS / --bootstrap at yours)"
        )


class RulesError(StreamError):
    """Tagging rules are missing or invalid."""
