"""The server-rendered pages: their layout, the dashboard and its charts."""
