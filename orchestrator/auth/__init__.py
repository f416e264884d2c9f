"""Who may call the platform: named API tokens with scopes, checked before a request is read."""
