"""/healthz: what a proxy, a supervisor or a monitor asks before sending traffic or raising an alarm."""
