/* Part of abacus.c (included there): the bead type itself. */
static PyTypeObject Bead_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "abacus.Bead",
    .tp_basicsize = sizeof(PyObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
};
