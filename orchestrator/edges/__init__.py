"""Where the API meets HTTP clients: which bodies it accepts, how invalid requests are worded,
HEAD and trailing slashes, and the offline API docs. Each module is one self-contained rule the
application installs; none of them knows about stores."""
