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
