"""Wire-level access to image engines: request types, the HTTP client, errors. No Qt here."""
