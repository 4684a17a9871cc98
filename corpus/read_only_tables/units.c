/* Tables that are never written after their initializer, though not declared const: read through
 * local pointers, compared by address, called through, handed to helpers that only read them.
 * They are no race and no state; only the counter is. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    const char *name;
    double factor;
} Unit;

typedef struct {
    double (*convert)(double value, const Unit *from, const Unit *to);
} Converter;

static Unit units[] = {{"m", 1.0}, {"km", 1000.0}, {"mi", 1609.344}, {NULL, 0.0}};
static Unit *base_unit = NULL;  /* never set: only compared */
static const char *aliases[] = {"meter", "kilometer", "mile"};
static long conversions;

static double scale(double value, const Unit *from, const Unit *to) {
    return value * from->factor / to->factor;
}

static Converter converter = {scale};

static const Unit *find_unit(const char *name, const char *alias_list[], size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(alias_list[i], name) == 0) return &units[i];
    for (Unit *u = units; u->name != NULL; u++)
        if (strcmp(u->name, name) == 0) return u == base_unit ? NULL : u;
    return NULL;
}

static PyObject *convert(PyObject *Py_UNUSED(module), PyObject *args) {
    double value;
    const char *from, *to;
    if (!PyArg_ParseTuple(args, "dss", &value, &from, &to)) return NULL;
    const Unit *a = find_unit(from, aliases, 3), *b = find_unit(to, aliases, 3);
    if (a == NULL || b == NULL) {
        PyErr_SetString(PyExc_ValueError, "unknown unit");
        return NULL;
    }
    Converter *c = &converter;
    conversions++;
    return PyFloat_FromDouble(c->convert(value, a, b));
}

static PyObject *count(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(arg)) {
    return PyLong_FromLong(conversions);
}

static PyMethodDef units_methods[] = {
    {"convert", convert, METH_VARARGS, NULL},
    {"count", count, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef units_module = {
    PyModuleDef_HEAD_INIT, "units", NULL, -1, units_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_units(void) { return PyModule_Create(&units_module); }
