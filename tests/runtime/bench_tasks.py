"""Tasks for bench/runtime_bench.py (module-level, so every executor finds them by reference)."""


def noop():
    return None


def cpu(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def size_of(data):
    return len(memoryview(data))


def c_module_work(rounds):
    # CPU work through a C extension ported by `owngil fix` (corpus/static_types_gc): its methods
    # and slots reach their module state through their type on every call.
    import gctypes
    bag, total = gctypes.Bag(), 0
    for i in range(rounds):
        bag.add(i)
        if len(bag) == 64:
            total += len(bag.merge(gctypes.Bag([i])))
            bag = gctypes.Bag()
    return total


def tree_work(depth, leaf_rounds):
    """A full binary tree of tasks: each leaf does cpu(leaf_rounds); inside a pool every inner
    node submits its two halves to the pool it runs in (fork-join), elsewhere it recurses."""
    if depth == 0:
        return cpu(leaf_rounds)
    try:
        import owngil
        pool = owngil.current_pool()
    except (ImportError, RuntimeError):  # serial: not in a task
        return tree_work(depth - 1, leaf_rounds) + tree_work(depth - 1, leaf_rounds)
    left = pool.submit(tree_work, depth - 1, leaf_rounds)
    right = tree_work(depth - 1, leaf_rounds)  # this half here, while another worker takes the other
    return left.result() + right


def merge(a, b):
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        if a[i] <= b[j]:
            out.append(a[i])
            i += 1
        else:
            out.append(b[j])
            j += 1
    out.extend(a[i:])
    out.extend(b[j:])
    return out


def merge_sort(values, forks=0):
    """Pure-Python merge sort; the first `forks` levels send one half to the pool (fork-join)."""
    if len(values) <= 1:
        return values
    mid = len(values) // 2
    if forks > 0:
        import owngil
        left = owngil.current_pool().submit(merge_sort, values[:mid], forks - 1)
        right = merge_sort(values[mid:], forks - 1)
        return merge(left.result(), right)
    return merge(merge_sort(values[:mid]), merge_sort(values[mid:]))


def merge_sorted_runs(runs):
    """The flat alternative (a pool that cannot nest): runs sorted by the workers, merged here."""
    while len(runs) > 1:
        runs = [merge(runs[i], runs[i + 1]) if i + 1 < len(runs) else runs[i] for i in range(0, len(runs), 2)]
    return runs[0]
