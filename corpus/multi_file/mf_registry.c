/* The second file of mf: no init function, its state is the module's all the same. */
#include "mf_shared.h"

static long generation = 0;

int mf_register(PyObject *key, PyObject *value) {
    if (PyDict_SetItem(mf_registry, key, value) < 0) return -1;
    generation++;
    return 0;
}

long mf_generation(void) { return generation; }
