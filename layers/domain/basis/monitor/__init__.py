"""The position monitor (seed 7.2.4, 6.4, C4, G8): every open position of every watched user judged
each minute for an exit (stop loss, take profit, carry decay, liquidation proximity held past its
window), under a per-user lease, the proximity timers kept in DynamoDB per ``<user>:<venue>_<id>``."""

JOB = "monitor"  # its heartbeat (schedule#monitor), leases (monitor#<user>) and log lines
