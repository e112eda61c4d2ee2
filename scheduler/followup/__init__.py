"""After and around the sessions: reminders, attendance and anonymous feedback."""
