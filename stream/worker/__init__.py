"""The Faust worker: app construction, decoding, dead letters, web endpoints, monitors."""
