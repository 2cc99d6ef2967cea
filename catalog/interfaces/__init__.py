"""Service interfaces of resources and the interface requests that ask for them."""
