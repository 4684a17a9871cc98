"""What the Python benchmarks in bench/ share."""


def rss_mib():
    """Resident memory of this process, MiB (Linux)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")
