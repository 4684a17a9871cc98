"""Tasks for bench/stress_runtime.py (module-level, so workers find them by reference)."""


class TaskError(Exception):
    pass


def square_or_fail(i, fail, runs=None):
    if runs is not None:  # an owngil.Buffer shared by every interpreter: one byte per task
        memoryview(runs)[i] += 1
    if fail:
        raise TaskError(i)
    return i * i


def tree_nodes(node, depth, seen):
    """Node `node` of a binary tree (children 2n+1, 2n+2) marks its byte of `seen` (an
    owngil.Buffer) and runs its two subtrees as subtasks of its pool: fork-join."""
    memoryview(seen)[node] += 1
    if depth == 0:
        return 1
    import owngil
    pool = owngil.current_pool()
    left = pool.submit(tree_nodes, 2 * node + 1, depth - 1, seen)
    right = pool.submit(tree_nodes, 2 * node + 2, depth - 1, seen)
    return 1 + left.result() + right.result()
