"""gunicorn reads this file from the folder it starts in: settings every deployment shares."""
# Access logs never show the tokens of emailed links (meeting_manager/weblog.py).
logger_class = "meeting_manager.weblog.RedactingLogger"
