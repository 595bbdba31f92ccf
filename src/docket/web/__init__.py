"""Server-rendered pages and forms over the same services and permissions as the API (``web.app.install``)."""
