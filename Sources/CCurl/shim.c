// Empty: CCurl is header-only wrappers over the system libcurl.
