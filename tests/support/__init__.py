"""What tests use besides their fixtures: a TCP proxy to cut a connection, a live server for the browser."""
